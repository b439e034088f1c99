"""The conversation material in Chromium: a member finds it from the menu, reads a card and opens its
notes with the keyboard, and prints the cards (one card to a printed page) and the do's and don'ts."""

from __future__ import annotations

import io
import re

import pytest

from tests.browser.journeys import sign_in

pytestmark = pytest.mark.browser


def pdf_pages(page) -> list[str]:
    """Print the current page to PDF as Chromium would on A4, and return the text of each sheet."""
    from pypdf import PdfReader

    page.emulate_media(media="print")
    reader = PdfReader(io.BytesIO(page.pdf(format="A4")))
    page.emulate_media(media="screen")
    return [re.sub(r"\s+", " ", sheet.extract_text()) for sheet in reader.pages]


def test_member_reads_the_cards_and_prints_one_card_per_page(site, make, course):
    member = make.member(make.council("kortby", country="dk", locale="da"), "kort@example.org")
    council_cards = course.conversation.card_set("council")
    sign_in(site, member.email)
    page = site.page

    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Samtalekort").click()
    page.wait_for_url(re.compile("/cards$"))
    site.audit()
    page.get_by_role("link", name=council_cards.title.da, exact=True).click()
    page.wait_for_url(re.compile("/cards/council$"))
    site.audit()

    # The notes stay folded until the facilitator opens them, here with the keyboard.
    first = council_cards.cards[0]
    notes = page.locator(f"#card-{first.id} details")
    assert not notes.get_by_text("Det skal samtalen få frem").is_visible()
    notes.locator("summary").focus()
    page.keyboard.press("Enter")
    assert notes.get_by_text("Det skal samtalen få frem").is_visible()

    page.get_by_role("link", name="Udskriv med noter til ordstyreren").first.click()
    page.wait_for_url(re.compile("/cards/council/print$"))
    site.audit()
    # The print button is added by the script; on paper, the site's header and the instructions go away.
    assert page.get_by_role("button", name="Udskriv").is_visible()
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator(".print-screen-only").is_visible()
    assert page.locator(".print-card").first.evaluate("card => getComputedStyle(card).breakAfter") == "page"
    page.emulate_media(media="screen")

    sheets = pdf_pages(page)
    assert len(sheets) >= len(council_cards.cards)
    for card in council_cards.cards:
        # Each card starts a sheet of its own: its kicker line opens exactly one page.
        kicker = f"{council_cards.title.da} · Kort {card.number} af {len(council_cards.cards)}"
        starting = [index for index, sheet in enumerate(sheets) if kicker in sheet]
        assert len(starting) == 1, (card.id, starting)
    assert "Noter til ordstyreren" in sheets[0]
    assert "Samtalekort til kommunalbestyrelsen (med noter" not in " ".join(sheets)  # screen-only heading

    site.goto("/cards/administration/print/participants")
    administration = course.conversation.card_set("administration")
    sheets = pdf_pages(page)
    # Without the notes every card fits on one sheet.
    assert len(sheets) == len(administration.cards)
    for sheet, card in zip(sheets, administration.cards, strict=True):
        assert card.title.da in sheet
        assert "Noter til ordstyreren" not in sheet


def test_member_reads_and_prints_the_dos_and_donts(site, make, course):
    member = make.member(make.council("raadby", country="dk", locale="da"), "raad@example.org")
    advice = course.conversation.dos_and_donts
    sign_in(site, member.email)
    page = site.page

    site.goto("/cards")
    page.get_by_role("link", name=advice.title.da, exact=True).click()
    page.wait_for_url(re.compile("/cards/dos-and-donts$"))
    site.audit()
    assert page.locator(".advice-item").count() == len(advice.items)
    # Do and don't are said in words, not by colour alone.
    assert page.locator(".advice-tag", has_text="Gør ikke").count() == sum(
        1 for item in advice.items if item.kind == "dont"
    )

    page.get_by_role("link", name="Udskriftsvenlig version").click()
    page.wait_for_url(re.compile("/cards/dos-and-donts/print$"))
    site.audit()
    text = " ".join(pdf_pages(page))
    assert advice.title.da in text
    assert advice.sections[-1].title.da in text
    assert "Gå til sidens indhold" not in text
