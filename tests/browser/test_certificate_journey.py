"""A certificate's life in Chromium: a councillor completes the course (through the transcripts), gets the
certificate and downloads it; anyone can see it is valid; the council's administrator revokes it, and the
verification page says so."""

from __future__ import annotations

import re

import pytest
from pypdf import PdfReader

from tests.browser.journeys import complete_module_through_the_transcript, sign_in, sign_out

pytestmark = pytest.mark.browser


def test_a_councillor_gets_a_certificate_anyone_can_check_until_it_is_revoked(site, make, course):
    council = make.council("bevisby", country="dk", locale="da", name="Bevisby Kommune")
    make.member(council, "sekretariat@bevisby.example", name="Sekretariatet", is_admin=True)
    make.member(council, "soeren@bevisby.example", name="Søren Østergård")
    page = site.page

    sign_in(site, "soeren@bevisby.example")
    for module in course.modules:
        complete_module_through_the_transcript(site, module)

    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Dit kursusbevis").click()
    page.wait_for_url(re.compile("/certificate$"))
    site.audit()
    assert page.get_by_text("Gyldigt", exact=True).is_visible()
    code = page.locator(".certificate-code").first.inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{5}", code)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Hent kursusbeviset (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == f"kursusbevis-{code}.pdf"
    text = " ".join(PdfReader(download.path()).pages[0].extract_text().split())
    assert "Søren Østergård" in text
    assert "Bevisby Kommune" in text
    assert code in text

    # Anyone can check it, typing the code as they like.
    sign_out(site)
    site.goto("/verify")
    page.get_by_label("Beviskode").fill(code.lower().replace("-", " "))
    page.get_by_role("button", name="Kontrollér kursusbeviset").click()
    page.wait_for_url(re.compile(f"/verify/{code}$"))
    site.audit()
    assert page.get_by_role("heading", name="Kursusbeviset er gyldigt").is_visible()
    assert page.get_by_text("Søren Østergård").is_visible()

    # The council's administrator revokes it, confirming first.
    sign_in(site, "sekretariat@bevisby.example")
    page.get_by_role("navigation", name="Hovedmenu").get_by_role(
        "link", name="Administration", exact=True
    ).click()
    page.wait_for_load_state("load")
    site.audit()
    page.get_by_role("navigation", name="Administration").get_by_role("link", name="Kursusbeviser").click()
    page.wait_for_url(re.compile("/admin/certificates$"))
    site.audit()
    page.get_by_role("link", name="Søren Østergård", exact=True).click()
    page.wait_for_url(re.compile(r"/admin/certificates/\d+$"))
    site.audit()
    page.get_by_label("Begrundelse for tilbagekaldelsen").fill("Udstedt ved en fejl")
    page.get_by_role("button", name="Tilbagekald kursusbeviset").click()
    # The reason is accepted; a page says what happens and asks to confirm.
    page.wait_for_load_state("load")
    site.audit()
    assert page.get_by_role(
        "heading", name="Vil du tilbagekalde kursusbeviset for Søren Østergård? Det kan ikke fortrydes."
    ).is_visible()
    page.get_by_role("button", name="Ja, tilbagekald kursusbeviset").click()
    page.wait_for_url(re.compile(r"/admin/certificates/\d+$"))
    site.audit()
    assert page.get_by_text("Kursusbeviset er tilbagekaldt.").is_visible()

    sign_out(site)
    site.goto(f"/verify/{code}")
    assert page.get_by_role("heading", name="Kursusbeviset er tilbagekaldt").is_visible()
    assert page.get_by_text(re.compile(r"Det blev tilbagekaldt den \d+\. \w+ \d{4}\.")).is_visible()
    assert not page.get_by_text("Udstedt ved en fejl").count()
