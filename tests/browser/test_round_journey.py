"""A new round in Chromium: a councillor completes the course and gets a certificate; the council's
administrator starts a new round from the dashboard, confirming first; the councillor sees the earlier
round as history, the modules open again, completes the course again and gets a second certificate; the
first one still verifies."""

from __future__ import annotations

import re

import pytest

from tests.browser.journeys import complete_module_through_the_transcript, sign_in, sign_out

pytestmark = pytest.mark.browser

CODE = re.compile(r"[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{5}")


def _certificate_codes(site) -> list[str]:
    page = site.page
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Dit kursusbevis").click()
    page.wait_for_url(re.compile("/certificate$"))
    site.audit()
    return [text.strip() for text in page.locator(".certificate-code").all_inner_texts()]


def test_a_new_round_opens_the_course_again_and_keeps_the_first_certificate(site, make, course):
    council = make.council("rundeby", country="dk", locale="da", name="Rundeby Kommune")
    make.member(council, "sekretariat@rundeby.example", name="Sekretariatet", is_admin=True)
    make.member(council, "mette@rundeby.example", name="Mette Mølgaard")
    page = site.page

    # The first round: the councillor completes the course and gets a certificate.
    sign_in(site, "mette@rundeby.example")
    for module in course.modules:
        complete_module_through_the_transcript(site, module)
    [first_code] = _certificate_codes(site)
    assert CODE.fullmatch(first_code)
    sign_out(site)

    # The administrator starts a new round; it asks for confirmation first.
    sign_in(site, "sekretariat@rundeby.example")
    site.goto("/admin/")
    page.get_by_role("link", name="Start en ny runde").click()
    page.wait_for_url(re.compile("/admin/rounds/new$"))
    site.audit()
    page.get_by_role("button", name="Start den nye runde").click()
    page.wait_for_load_state("load")
    site.audit()
    assert page.get_by_role(
        "link", name="Sæt flueben for at bekræfte, at en ny runde skal starte."
    ).is_visible()
    site.failed_responses.remove(f"422 POST {site.base_url}/admin/rounds")  # refused, as it should be
    page.get_by_label("Jeg forstår, at alle medlemmer skal tage kurset igen").check()
    page.get_by_role("button", name="Start den nye runde").click()
    page.wait_for_url(re.compile("/admin/$"))
    site.audit()
    assert page.get_by_text(
        re.compile(r"En ny runde er startet: kurset for valgperioden \d{4}–\d{4}\.")
    ).is_visible()
    sign_out(site)

    # The councillor sees the earlier round as history, with the certificate, and the modules open again.
    sign_in(site, "mette@rundeby.example")
    history = page.locator(".course-history")
    assert history.get_by_role("heading", name="Tidligere valgperioder").is_visible()
    line = history.locator("li").first.inner_text()
    assert re.search(
        rf"Gennemført .+, valgperioden \d{{4}}–\d{{4}}; kursusbevis {first_code}, gælder til ", line
    )
    assert page.get_by_role("link", name=re.compile("Start kurset")).is_visible()

    for module in course.modules:
        complete_module_through_the_transcript(site, module)
    codes = _certificate_codes(site)
    assert len(codes) == 2
    assert first_code in codes
    [second_code] = [code for code in codes if code != first_code]
    assert CODE.fullmatch(second_code)
    sign_out(site)

    # Both verify; the first is still valid until the end of its term.
    for code in (first_code, second_code):
        site.goto(f"/verify/{code}")
        assert page.get_by_role("heading", name="Kursusbeviset er gyldigt").is_visible()
        assert page.get_by_text("Mette Mølgaard").is_visible()
