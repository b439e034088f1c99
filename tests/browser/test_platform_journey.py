"""The platform administrator's way through, in Chromium: create a council, give an existing council a new
administrator in place of the old one, set its logo, archive a third council (after a confirmation), find it
again among the archived ones, and read the settings and the accessibility statement. axe-core checks every
page; a member of the archived council can then no longer sign in, and the new administrator sees
the logo in the header."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlalchemy import select

from course.extensions import db
from course.people.models import Council, Member
from tests.browser.journeys import sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _png(path) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 30), (0, 90, 160)).save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())


def test_a_platform_administrator_creates_staffs_and_archives_councils(site, make, live_app, tmp_path):
    host = make.council("vaertsby", name="Værtsby Kommune")
    make.member(host, "pia@platform.example", name="Pia Platform", role="staff", is_platform_admin=True)
    staffed = make.council("ribe-test", name="Ribe Kommune")
    make.member(staffed, "gammel@ribe.example", name="Gammel Admin", role="staff", is_admin=True)
    make.member(staffed, "mette@ribe.example", name="Mette Medlem")
    leaving = make.council("lukket", name="Lukkeby Kommune")
    make.member(leaving, "lars@lukket.example", name="Lars Lukket")
    page = site.page

    sign_in(site, "pia@platform.example")
    page.get_by_role("link", name="Alle kommuner").first.click()
    page.wait_for_url(site.base_url + "/platform/")
    site.audit()
    # A council without an administrator is flagged on the overview.
    assert page.get_by_role("row", name=re.compile("Lukkeby Kommune.*Ingen administrator")).is_visible()

    # Create a council; its page follows.
    page.get_by_role("link", name="Opret en kommune").click()
    page.wait_for_url(re.compile("/platform/councils/new$"))
    site.audit()
    page.get_by_label("Kommunens navn").fill("Nyby Kommune")
    page.get_by_label("Kort navn").fill("nyby")
    page.get_by_label("Administratorens navn").fill("Nina Ny")
    page.get_by_label("Administratorens e-mailadresse").fill("nina@nyby.example")
    page.get_by_role("button", name="Opret kommunen, og send invitationen").click()
    page.wait_for_url(re.compile("/platform/councils/nyby$"))
    site.audit()
    assert page.get_by_role("heading", level=1, name="Nyby Kommune").is_visible()
    assert page.get_by_text("Nina Ny · nina@nyby.example").is_visible()

    # Give Ribe a new administrator in place of the old one, and a logo.
    site.goto("/platform/")
    page.get_by_role("link", name="Ribe Kommune").click()
    page.wait_for_url(re.compile("/platform/councils/ribe-test$"))
    site.audit()
    page.get_by_label("Administratorens navn").fill("Mette Medlem")
    page.get_by_label("Administratorens e-mailadresse").fill("mette@ribe.example")
    page.get_by_label("Erstat kommunens nuværende administratorer").check()
    page.get_by_role("button", name="Send administratorens invitation").click()
    page.wait_for_load_state("load")
    site.audit()
    assert page.get_by_text("Mette Medlem · mette@ribe.example").is_visible()
    assert page.get_by_text("gammel@ribe.example").count() == 0
    logo = tmp_path / "ribe.png"
    _png(logo)
    page.get_by_label("Kommunens logo").set_input_files(str(logo))
    page.get_by_role("button", name="Upload logoet").click()
    page.wait_for_load_state("load")
    site.audit()
    assert page.locator("img.council-logo-preview").evaluate("image => image.naturalWidth") == 60

    # Archive Lukkeby: a confirmation first; refused without the box ticked.
    site.goto("/platform/councils/lukket")
    page.get_by_role("link", name="Arkivér kommunen …").click()
    page.wait_for_url(re.compile("/platform/councils/lukket/archive$"))
    site.audit()
    page.get_by_role("button", name="Arkivér kommunen").click()
    page.wait_for_load_state("load")
    site.failed_responses.remove(f"422 POST {site.base_url}/platform/councils/lukket/archive")
    site.audit()
    assert page.locator("[data-error-summary]").is_visible()
    page.get_by_label("Jeg forstår, at kommunens medlemmer ikke længere kan logge ind").check()
    page.get_by_role("button", name="Arkivér kommunen").click()
    page.wait_for_url(site.base_url + "/platform/")
    site.audit()
    assert page.get_by_role("link", name="Lukkeby Kommune").count() == 0
    page.get_by_role("link", name="Vis også arkiverede kommuner").click()
    page.wait_for_url(re.compile(r"/platform/\?archived=1$"))
    site.audit()
    assert page.get_by_role("link", name="Lukkeby Kommune").is_visible()

    # The settings, and the accessibility statement from the footer.
    site.goto("/platform/")
    page.get_by_role("link", name="Platformens indstillinger").click()
    page.wait_for_url(re.compile("/platform/settings$"))
    site.audit()
    page.get_by_role("contentinfo").get_by_role("link", name="Tilgængelighedserklæring").click()
    page.wait_for_url(re.compile("/accessibility$"))
    site.audit()

    with live_app.app_context():
        ribe = db.session.execute(select(Council).where(Council.slug == "ribe-test")).scalar_one()
        admins = db.session.execute(
            select(Member.email).where(Member.council_id == ribe.id, Member.is_admin.is_(True))
        ).scalars()
        assert list(admins) == ["mette@ribe.example"]
        assert db.session.execute(select(Council.archived_at).where(Council.slug == "lukket")).scalar()
        db.session.remove()

    # A member of the archived council is turned away at the sign-in.
    site.page.get_by_role("button", name="Log ud").click()
    site.page.wait_for_url(re.compile("/login"))
    site.audit()
    page.get_by_label("E-mailadresse").fill("lars@lukket.example")
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_load_state("load")
    # The sign-in page answers 422 with its error summary, as for a wrong password.
    refused = [
        response for response in site.failed_responses if " POST " in response and "/login" in response
    ]
    assert [response.split()[0] for response in refused] == ["422"]
    site.failed_responses.remove(refused[0])
    site.audit()
    assert page.url.startswith(site.base_url + "/login")
    # ... and told that the council's access has ended (not that the password is wrong).
    assert page.get_by_text("Adgangen til kurset for Lukkeby Kommune er ophørt").first.is_visible()

    # Ribe's new administrator sees the council's logo beside its name in the header.
    sign_in(site, "mette@ribe.example")
    logo = page.locator("header img.site-council-logo")
    assert logo.evaluate("image => image.complete && image.naturalWidth") == 60
    assert page.locator("header .site-user-council").inner_text() == ", Ribe Kommune"
