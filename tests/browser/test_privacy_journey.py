"""An access request and an erasure in Chromium: the administrator opens a member from the roster,
downloads their data, erases them after the confirmation page, and their certificate code then verifies as
revoked without a name. axe-core checks every page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from course.certificates.codes import format_code
from tests.browser.test_learner_journey import sign_in

pytestmark = pytest.mark.browser


def test_an_administrator_answers_an_access_request_and_erases_the_member(site, make, certify):
    council = make.council("sletby", name="Sletby Kommune")
    admin = make.member(council, "chef@sletby.example", name="Chef Sletby", is_admin=True, locale="da")
    member = make.member(council, "signe@sletby.example", name="Signe Sletmig", locale="da")
    code = format_code(certify(member).code)
    page = site.page

    sign_in(site, admin.email)
    site.goto("/admin/members")
    page.get_by_role("link", name="Redigér Signe Sletmig").click()
    site.audit()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Hent oplysningerne om Signe Sletmig").click()
    download = download_info.value
    data = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert data["member"][0]["email"] == "signe@sletby.example"
    assert data["certificate"][0]["member_name"] == "Signe Sletmig"

    page.get_by_role("link", name="Slet oplysningerne om Signe Sletmig").click()
    site.audit()
    assert page.get_by_role("heading", name="Slet personoplysningerne om Signe Sletmig?").is_visible()
    page.get_by_role("button", name="Ja, slet oplysningerne").click()
    page.wait_for_url(site.base_url + "/admin/privacy")
    site.audit()
    assert page.get_by_text("Deltagerens personoplysninger er slettet.").is_visible()
    assert "Signe Sletmig" not in page.content()

    site.goto("/admin/members")
    assert "Signe Sletmig" not in page.content()
    site.goto(f"/verify/{code}")
    assert page.get_by_role("heading", name="Kursusbeviset er tilbagekaldt").is_visible()
    assert "Signe" not in page.content()
