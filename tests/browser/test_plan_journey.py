"""The council's plan in Chromium: an administrator drafts the plan from the Danish template and adopts it;
a member then sees their contact in module 2 and reads the plan at /plan, with tappable links. axe-core
checks every page, at phone and desktop sizes."""

from __future__ import annotations

import pytest

from tests.browser.journeys import sign_in, sign_out

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def test_an_administrator_adopts_the_plan_and_a_member_finds_their_contact(site, make):
    council = make.council("planby", name="Planby Kommune")
    admin = make.member(council, "chef@planby.example", name="Chef Planby", is_admin=True, locale="da")
    member = make.member(council, "mette@planby.example", name="Mette Medlem", locale="da")
    page = site.page

    page.set_viewport_size(DESKTOP)
    sign_in(site, admin.email)
    assert page.get_by_role("link", name="Lav et udkast til kommunens plan").first.is_visible()
    site.goto("/admin/")
    page.get_by_role("link", name="Plan mod trusler").click()
    site.audit()
    assert page.get_by_role("group", name="Under – når noget sker").is_visible()
    page.locator("#contacts-0-name").fill("Sikker Sørensen")
    page.locator("#contacts-0-role").fill("Kommunaldirektør")
    page.locator("#contacts-0-phone").fill("+45 12 34 56 78")
    page.locator("#contacts-0-email").fill("sikker@planby.example")
    page.locator("#contacts-0-out_of_hours").check()
    page.locator("#party_contacts-0-group").fill("Borgerlisten")
    page.locator("#party_contacts-0-name").fill("Gitte Gruppe")
    page.locator("#party_contacts-0-phone").fill("22 33 44 55")
    # A review date in the past is refused when the draft is saved, with a link to the field.
    page.locator("#review_on").fill("2020-01-01")
    page.get_by_role("button", name="Gem udkastet").click()
    page.wait_for_load_state("load")
    site.audit()
    site.failed_responses.remove(f"422 POST {site.base_url}/admin/plan")  # the refused save, expected
    summary_link = page.get_by_role("link", name="Datoen for næste gennemgang skal ligge efter i dag.")
    summary_link.click()
    assert page.locator("#review_on").evaluate("element => element === document.activeElement")
    assert page.locator("#contacts-0-name").input_value() == "Sikker Sørensen"
    assert page.get_by_text("Du har ændringer, der ikke er gemt.").is_visible()
    page.locator("#review_on").fill("2031-03-01")
    page.get_by_role("button", name="Gem udkastet").click()
    page.wait_for_load_state("load")
    site.audit()
    assert page.get_by_text("Udkastet er gemt.").is_visible()

    # A change that is not saved is never lost on the way to adoption: the page says so, and the browser
    # asks before leaving it (dismissing the question stays on the page with the change).
    name = page.locator("#contacts-0-name")
    name.click()
    name.fill("Ændret Navn")
    assert page.get_by_text("Du har ændringer, der ikke er gemt.").is_visible()
    page.once("dialog", lambda dialog: dialog.dismiss())
    with page.expect_event("dialog") as asked:
        page.get_by_role("link", name="Vedtag det gemte udkast").click()
    assert asked.value.type == "beforeunload"
    assert page.url == site.base_url + "/admin/plan"
    assert name.input_value() == "Ændret Navn"
    name.fill("Sikker Sørensen")
    page.get_by_role("button", name="Gem udkastet").click()
    page.wait_for_load_state("load")

    # The adoption step shows the saved draft it adopts.
    page.get_by_role("link", name="Vedtag det gemte udkast").click()
    page.wait_for_url(site.base_url + "/admin/plan/adopt")
    site.audit()
    assert page.get_by_text("Sikker Sørensen (Kommunaldirektør)").is_visible()
    assert page.get_by_role("link", name="Tilbage til udkastet for at ændre og gemme det").is_visible()
    page.get_by_label("Dato for beslutningen").fill("2030-03-12")
    page.get_by_label("Henvisning til beslutningen").fill("Byrådets møde 12. marts 2030, punkt 7")
    page.get_by_role("button", name="Vedtag det gemte udkast").click()
    page.wait_for_load_state("load")
    site.audit()
    assert page.get_by_text("Version 1 af planen er vedtaget.").is_visible()
    assert page.get_by_role("cell", name="Byrådets møde 12. marts 2030, punkt 7").is_visible()
    site.goto("/admin/")
    assert page.get_by_text(
        "Planen blev vedtaget den 12. marts 2030, næste gennemgang 1. marts 2031."
    ).is_visible()
    sign_out(site)

    page.set_viewport_size(PHONE)
    sign_in(site, member.email)
    plan_line = page.get_by_role("complementary", name="Din kommunes plan")
    assert plan_line.get_by_text("Sikker Sørensen").is_visible()
    assert plan_line.get_by_role("link", name="112").get_attribute("href") == "tel:112"
    # On the phone the plan box is on the first screens, above the modules.
    box_top = plan_line.bounding_box()["y"]
    assert box_top < page.get_by_role("heading", name="Moduler").bounding_box()["y"]
    site.goto("/modules/tone-harassment-threats")
    plan_line = page.get_by_role("complementary", name="Din kommunes plan")
    assert plan_line.get_by_role("link", name="+45 12 34 56 78").get_attribute("href") == "tel:+4512345678"
    assert plan_line.get_by_role("link", name="sikker@planby.example").get_attribute("href") == (
        "mailto:sikker@planby.example"
    )
    plan_line.get_by_role("link", name="Læs din kommunes plan").click()
    page.wait_for_url(site.base_url + "/plan")
    site.audit()
    assert page.get_by_role("heading", name="Sikkerhedskontakter").is_visible()
    assert page.get_by_role("link", name="Ring til Sikker Sørensen: +45 12 34 56 78").is_visible()
    assert page.get_by_role("link", name="112").get_attribute("href") == "tel:112"
    assert page.get_by_role("link", name="114", exact=True).get_attribute("href") == "tel:114"
    # Nothing scrolls sideways on the phone.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.set_viewport_size(DESKTOP)
    site.goto("/plan")
    site.goto("/modules/tone-harassment-threats")
