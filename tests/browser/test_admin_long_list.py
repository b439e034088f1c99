"""A council administrator with 60 members, on a 390 px phone and on a 1280 px screen: finds a member by
name, pages through the roster and the dashboard, and sends reminders after seeing how many e-mails will go
(a member reminded in the last hours is left out unless ticked). axe checks every page."""

from __future__ import annotations

import re

import pytest

from tests.browser.journeys import sign_in
from tests.browser.test_admin_journey import live_smtp  # noqa: F401 (the live site's loopback SMTP server)

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
SCREEN = {"width": 1280, "height": 900}


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.fixture
def council(make):
    council = make.council("langby", name="Langby Kommune")
    make.member(council, "chef@langby.example", name="Aase Administrator", is_admin=True)
    for number in range(1, 61):
        make.member(council, f"m{number:02d}@langby.example", name=f"Medlem {number:02d}", password=None)
    return council


def test_a_council_administrator_finds_pages_and_reminds_on_a_phone(site, council, live_smtp):  # noqa: F811
    smtp_server = live_smtp
    page = site.page
    page.set_viewport_size(PHONE)
    sign_in(site, "chef@langby.example")

    # The roster: a page at a time, and a search by name.
    site.goto("/admin/members")
    assert fits_the_screen(page), "the roster scrolls sideways on a phone"
    assert page.get_by_text("Viser 1–50 af 61").is_visible()
    page.get_by_role("navigation", name="Sider i deltagerlisten").get_by_role(
        "link", name="Næste side"
    ).click()
    page.wait_for_url(re.compile(r"/admin/members\?page=2$"))
    site.audit()
    assert page.get_by_role("rowheader", name="Medlem 60").is_visible()
    page.get_by_label("Navn eller e-mailadresse").fill("medlem 4")
    page.get_by_role("button", name="Søg").click()
    page.wait_for_url(re.compile(r"q=medlem\+4"))
    site.audit()
    assert page.locator("tbody th[scope=row]").count() == 10
    assert fits_the_screen(page)

    # The dashboard: searched, then a reminder to the members found, confirmed with the count.
    site.goto("/admin/")
    assert fits_the_screen(page), "the dashboard scrolls sideways on a phone"
    page.get_by_label("Navn eller e-mailadresse").fill("medlem 5")
    page.get_by_role("button", name="Vis").last.click()
    page.wait_for_url(re.compile(r"q=medlem\+5"))
    site.audit()
    assert page.locator(".completion-table .member-name").count() == 10
    page.get_by_role("button", name="Send en påmindelse til de valgte deltagere").click()
    page.wait_for_url(re.compile("/admin/reminders$"))
    site.audit()
    assert fits_the_screen(page)
    assert page.get_by_text("Der sendes 10 e-mails.").is_visible()
    assert smtp_server.messages == []
    page.get_by_role("button", name="Send 10 påmindelser").click()
    page.wait_for_url(re.compile(r"/admin/\?q=medlem\+5$"))
    site.audit()
    assert len(smtp_server.messages) == 10

    # Reminded just now: no longer chosen; ticking one anyway asks again and names them.
    assert page.locator(".completion-table input[name=member]:checked").count() == 0
    page.get_by_label("Påmind Medlem 50").check()
    page.get_by_role("button", name="Send en påmindelse til de valgte deltagere").click()
    page.wait_for_url(re.compile("/admin/reminders$"))
    site.audit()
    assert page.get_by_text("Der sendes 1 e-mail.").is_visible()
    assert page.get_by_text(re.compile("Medlem 50, sidst påmindet")).is_visible()
    page.get_by_role("link", name="Annullér").click()
    page.wait_for_load_state("load")
    site.audit()
    assert len(smtp_server.messages) == 10

    # The member's page shows the reminder.
    site.goto("/admin/members?q=m50%40")
    page.get_by_role("link", name=re.compile("Redigér.*Medlem 50")).click()
    page.wait_for_url(re.compile(r"/admin/members/\d+$"))
    site.audit()
    assert page.get_by_text("1 påmindelse sendt").is_visible()


def test_the_dashboard_fits_a_1280_px_screen_and_keeps_the_name_in_view(site, council):
    page = site.page
    page.set_viewport_size(SCREEN)
    sign_in(site, "chef@langby.example")
    site.goto("/admin/")
    assert fits_the_screen(page), "the dashboard scrolls sideways at 1280 px"
    assert page.get_by_text("Viser 1–50 af 61").is_visible()
    page.get_by_role("navigation", name="Sider i deltagertabellen").get_by_role("link", name="Side 2").click()
    page.wait_for_url(re.compile(r"page=2"))
    site.audit()
    assert page.locator(".completion-table .member-name").count() == 11

    # On a phone the table scrolls inside its box, and the member's name stays in view at its left edge
    # (the reminder box before it scrolls away, leaving the name the room).
    page.set_viewport_size(PHONE)
    assert fits_the_screen(page)
    name = page.locator(".completion-table tbody th[scope=row]").first
    region = page.locator(".table--responsive-scroll", has=page.locator(".completion-table")).first
    region.evaluate("box => { box.scrollLeft = 600; }")
    assert region.evaluate("box => box.scrollLeft") > 0
    box, cell = region.bounding_box(), name.bounding_box()
    assert abs(cell["x"] - box["x"]) <= 1  # inside the box's border
    assert cell["x"] + cell["width"] <= box["x"] + box["width"]
    site.goto("/admin/members")
    roster_name = page.locator(".members-table tbody th[scope=row]").first
    before = roster_name.bounding_box()["x"]
    roster_box = page.locator(".table--responsive-scroll").first
    roster_box.evaluate("box => { box.scrollLeft = 400; }")
    assert roster_box.evaluate("box => box.scrollLeft") > 0
    assert abs(roster_name.bounding_box()["x"] - before) <= 1


def test_after_adding_a_member_on_a_phone_the_invitation_is_in_sight(site, council, live_smtp):  # noqa: F811
    page = site.page
    page.set_viewport_size(PHONE)
    sign_in(site, "chef@langby.example")
    site.goto("/admin/members/new")
    page.get_by_label("Navn").fill("Nina Ny")
    page.get_by_label("E-mailadresse").fill("nina@langby.example")
    page.get_by_role("button", name="Tilføj deltageren").click()
    page.wait_for_url(re.compile(r"/admin/members/\d+$"))
    site.audit()
    assert fits_the_screen(page)
    invite = page.get_by_role("button", name="Invitér", exact=True)
    box = invite.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= PHONE["width"]
    invite.click()
    page.wait_for_url(re.compile(r"/admin/members$"))
    site.audit()
    assert live_smtp.to("nina@langby.example")
    # From the roster, a member's name leads to their page.
    page.get_by_role("link", name="Medlem 01", exact=True).click()
    page.wait_for_url(re.compile(r"/admin/members/\d+$"))
    site.audit()
