"""The conversation material on the site: who may read it, what each page and print view shows, in the
member's language, and what happens without the material."""

from __future__ import annotations

import re
from html import unescape

import pytest
import yaml

from tests.content_helpers import copy_content

PAGES = (
    "/cards",
    "/cards/council",
    "/cards/administration",
    "/cards/dos-and-donts",
    "/cards/council/print",
    "/cards/council/print/participants",
    "/cards/administration/print",
    "/cards/administration/print/participants",
    "/cards/dos-and-donts/print",
)


def text_of(response) -> str:
    """The page as a reader sees it: tags removed, entities decoded, whitespace collapsed."""
    html = re.sub(r"</?(?:em|strong|a|cite|span|code)\b[^>]*>", "", response.get_data(as_text=True))
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def plain(markdown: str) -> str:
    return re.sub(r"\s+", " ", markdown.replace("*", "")).strip()


@pytest.fixture
def danish(make, auth):
    member = make.member(make.council("samtaleby", country="dk", locale="da"), locale="da")
    auth.login(member.email)
    return member


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.location.startswith("/login"), path


def test_every_page_and_print_view_opens_for_a_member(client, danish):
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        assert '<html lang="da">' in response.get_data(as_text=True), path


def test_unknown_set_or_print_variant_is_not_found(client, danish):
    for path in (
        "/cards/nope",
        "/cards/nope/print",
        "/cards/council/print/everyone",
        "/cards/dos-and-donts/x",
    ):
        assert client.get(path).status_code == 404, path


def test_index_links_to_each_set_the_dos_and_donts_and_their_print_views(client, danish, course):
    html = client.get("/cards").get_data(as_text=True)
    conversation = course.conversation
    for card_set in conversation.card_sets:
        assert f'href="/cards/{card_set.id}"' in html
        assert f'href="/cards/{card_set.id}/print"' in html
        assert f'href="/cards/{card_set.id}/print/participants"' in html
        assert unescape(card_set.title.da) in unescape(html)
        assert f"{len(card_set.cards)} kort" in html
    assert 'href="/cards/dos-and-donts"' in html
    assert 'href="/cards/dos-and-donts/print"' in html
    # The main menu marks the material as the current section.
    assert re.search(r'<a href="/cards" aria-current="page">Samtalekort</a>', html)


def test_card_set_shows_every_card_with_its_notes_in_danish(client, danish, course):
    for card_set in course.conversation.card_sets:
        page = client.get(f"/cards/{card_set.id}")
        text = text_of(page)
        assert "Noter til ordstyreren" in text
        assert "Det skal samtalen få frem" in text
        for card in card_set.cards:
            assert plain(card.title.da) in text
            assert plain(card.question.da) in text
            assert f"Kort {card.number} af {len(card_set.cards)}" in text
            for point in card.notes.bring_out + card.notes.follow_up:
                assert plain(point.da) in text, (card.id, point.da)
            for module_id in card.notes.modules:
                assert f'href="/modules/{module_id}"' in page.get_data(as_text=True)
            for source in course.sources_for(card.notes.sources):
                assert unescape(source.title) in text
        # Nothing in English or Swedish leaks into the Danish page.
        assert card_set.cards[0].question.en not in text
        assert card_set.cards[0].question.sv not in text


def test_module_links_in_the_notes_lead_to_the_modules(client, danish, course):
    linked = {module_id for card in course.conversation.cards for module_id in card.notes.modules}
    assert linked == set(course.module_ids)
    for module_id in linked:
        assert client.get(f"/modules/{module_id}").status_code == 200


def test_swedish_member_reads_the_cards_in_swedish(client, make, auth, course):
    member = make.member(make.council("samtalsby", country="se", locale="sv"), locale="sv")
    auth.login(member.email)
    text = text_of(client.get("/cards/council"))
    assert "Samtalskort för fullmäktige" in text
    assert "Anteckningar för samtalsledaren" in text
    for card in course.conversation.card_set("council").cards:
        assert plain(card.title.sv) in text
    html = client.get("/cards/council").get_data(as_text=True)
    assert re.search(r'<a href="/cards" aria-current="page">Samtalskort</a>', html)


def test_print_view_lays_out_one_sheet_per_card_with_or_without_notes(client, danish, course):
    card_set = course.conversation.card_set("council")
    with_notes = client.get("/cards/council/print")
    participants = client.get("/cards/council/print/participants")
    for response in (with_notes, participants):
        html = response.get_data(as_text=True)
        assert html.count('class="print-card"') == len(card_set.cards)
        assert '<script type="module" src="/static/js/print.js"></script>' in html
        assert 'href="/static/css/cards.css"' in html
        text = text_of(response)
        for card in card_set.cards:
            assert plain(card.question.da) in text
    notes_text, participants_text = text_of(with_notes), text_of(participants)
    first = card_set.cards[0]
    assert plain(first.notes.bring_out[0].da) in notes_text
    assert with_notes.get_data(as_text=True).count('class="print-card-notes"') == len(card_set.cards)
    # Participants get the cards, not the answers the discussion should reach.
    assert plain(first.notes.bring_out[0].da) not in participants_text
    assert 'class="print-card-notes"' not in participants.get_data(as_text=True)


def test_dos_and_donts_show_each_item_with_why_and_sources(client, danish, course):
    advice = course.conversation.dos_and_donts
    for path in ("/cards/dos-and-donts", "/cards/dos-and-donts/print"):
        response = client.get(path)
        html, text = response.get_data(as_text=True), text_of(response)
        for section in advice.sections:
            assert plain(section.title.da) in text
        for item in advice.items:
            assert plain(item.text.da) in text
            assert plain(item.why.da) in text
            for source in course.sources_for(item.sources):
                assert unescape(source.title) in text, (item.id, source.id)
        dos = sum(1 for item in advice.items if item.kind == "do")
        assert html.count('advice-tag advice-tag-do"') == dos, path
        assert html.count('advice-tag advice-tag-dont"') == len(advice.items) - dos, path


def test_pages_carry_no_inline_script_or_style(client, danish):
    for path in PAGES:
        html = client.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert " style=" not in html, path
        assert "<style" not in html, path


def test_without_material_the_pages_are_not_found_and_the_menu_has_no_link(database_url, tmp_path, make):
    from tests.conftest import PASSWORD, make_test_app

    content = copy_content(tmp_path)
    course_file = content / "course.yaml"
    data = yaml.safe_load(course_file.read_text(encoding="utf-8"))
    data.pop("conversation")
    course_file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    app = make_test_app(database_url, tmp_path / "instance", COURSE_CONTENT_DIR=content)
    member = make.member(make.council("utanby", country="se", locale="sv"))
    client = app.test_client()
    client.post("/login", data={"email": member.email, "password": PASSWORD})
    assert client.get("/").status_code == 200
    assert 'href="/cards"' not in client.get("/").get_data(as_text=True)
    for path in PAGES:
        assert client.get(path).status_code == 404, path
