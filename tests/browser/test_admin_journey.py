"""The secretariat's way through, in Chromium: an administrator imports a roster and invites it, a member
accepts the invitation from the e-mail that reached the loopback SMTP server, completes a module through
the transcript route, and the dashboard shows it. axe-core checks every page of both people."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.admin_helpers import link_in
from tests.browser.conftest import AuditedPage
from tests.browser.journeys import open_quizzes_through_the_transcript, pass_quiz, sign_in
from tests.conftest import SMTPCollector, _free_port, _SMTPHandler

pytestmark = pytest.mark.browser

ROSTER = (
    "navn;e-mail;rolle;sprog\r\n"
    "Ærlig Østergård;aerlig@journey.example;byrådsmedlem;dansk\r\n"
    "Bo Berg;bo@journey.example;stedfortræder;\r\n"
)


@pytest.fixture
def live_smtp(live_app, monkeypatch) -> Iterator[SMTPCollector]:
    """A real SMTP server on loopback for the live site's e-mail."""
    from aiosmtpd.controller import Controller

    collector = SMTPCollector()
    controller = Controller(_SMTPHandler(collector), hostname="127.0.0.1", port=_free_port())
    controller.start()
    monkeypatch.setitem(live_app.config, "COURSE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(live_app.config, "COURSE_SMTP_PORT", controller.port)
    monkeypatch.setitem(live_app.config, "COURSE_SMTP_STARTTLS", False)
    monkeypatch.setitem(live_app.config, "COURSE_BASE_URL", "http://localhost")
    try:
        yield collector
    finally:
        controller.stop()


@contextmanager
def second_person(browser, base_url: str) -> Iterator[AuditedPage]:
    """Another person's browser, audited like the ``site`` fixture's."""
    context = browser.new_context(locale="da-DK", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    audited = AuditedPage(page, base_url)
    try:
        yield audited
    finally:
        context.close()
    unaudited = sorted(url for url in audited.visited - audited.audited if url.startswith(base_url))
    assert not unaudited, f"pages visited without an axe audit: {unaudited}"
    assert not audited.problems, audited.problems
    assert not audited.failed_responses, audited.failed_responses


def test_an_administrator_imports_invites_and_sees_a_member_complete_a_module(
    site, browser, make, course, live_smtp, tmp_path
):
    council = make.council("journeyadm", name="Rejsby Kommune")
    make.member(council, "sekretariat@journey.example", name="Sekretariatet", role="staff", is_admin=True)
    module = course.modules[0]
    page = site.page

    sign_in(site, "sekretariat@journey.example")
    page.get_by_role("link", name="Administration", exact=True).click()
    page.wait_for_url(site.base_url + "/admin/")
    site.audit()

    # Import the roster: a preview first, then everything at once.
    page.get_by_role("link", name="Importér deltagere").click()
    page.wait_for_url(re.compile("/admin/members/import$"))
    site.audit()
    roster = tmp_path / "deltagere.csv"
    roster.write_bytes(ROSTER.encode("cp1252"))
    page.get_by_label("Fil med deltagere (CSV eller Excel)").set_input_files(str(roster))
    page.get_by_role("button", name="Vis forhåndsvisningen").click()
    page.wait_for_url(re.compile(r"/admin/members/import/\d+$"))
    site.audit()
    assert page.get_by_role("row", name=re.compile("Ærlig Østergård")).is_visible()
    page.get_by_role("button", name="Importér deltagerne").click()
    page.wait_for_url(re.compile("/admin/members$"))
    site.audit()
    assert page.get_by_text("Deltagerlisten er importeret: 2 tilføjet, 0 ændret, 0 uændret.").is_visible()

    # Inviting everyone says how many e-mails will go, and sends only when confirmed.
    page.get_by_role("link", name="Invitér alle, der ikke er inviteret endnu (2)").click()
    page.wait_for_url(re.compile("/admin/members/invite$"))
    site.audit()
    assert page.get_by_text("2 deltagere får en invitation på e-mail.").is_visible()
    assert live_smtp.messages == []
    page.get_by_role("button", name="Send 2 invitationer").click()
    page.wait_for_url(re.compile("/admin/members$"))
    site.audit()
    assert page.get_by_text("Der blev sendt invitationer til 2 deltagere.").is_visible()
    [invitation] = live_smtp.to("aerlig@journey.example")
    invitation_path = link_in(invitation, "/invitation#")

    with second_person(browser, site.base_url) as member:
        mpage = member.page
        # The token is after "#": the page's script posts it, and takes it out of the address bar.
        member.goto(invitation_path)
        mpage.get_by_role("heading", name="Velkommen til kurset, Ærlig Østergård").wait_for()
        assert "#" not in mpage.url
        mpage.get_by_label("Ny adgangskode").fill("en lang og god adgangskode")
        mpage.get_by_label("Gentag adgangskoden").fill("en lang og god adgangskode")
        mpage.get_by_role("button", name="Gem adgangskoden, og gå i gang").click()
        mpage.wait_for_url(site.base_url + "/")
        member.audit()

        # Where the member is signed in: reached from the header by keyboard, this browser marked.
        mpage.get_by_role("link", name="Her er du logget ind").focus()
        mpage.keyboard.press("Enter")
        mpage.wait_for_url(re.compile("/account/sessions$"))
        assert mpage.get_by_text("Denne browser, som du bruger nu").is_visible()
        assert mpage.get_by_role("button", name="Log ud overalt").is_enabled()
        member.audit()
        member.goto("/")

        mpage.get_by_role("link", name=re.compile("Start kurset")).click()
        mpage.wait_for_url(re.compile(f"/modules/{module.id}$"))
        member.audit()
        open_quizzes_through_the_transcript(member)
        for quiz in module.quizzes:
            pass_quiz(member, quiz)
        assert mpage.get_by_text(re.compile("Du gennemførte modulet den")).is_visible()

    # The dashboard shows it.
    site.goto("/admin/")
    row = page.get_by_role("row", name=re.compile("Ærlig Østergård"))
    assert row.get_by_text("Udskrift læst").is_visible()
    assert row.get_by_text(re.compile(r"^Gennemført \d")).is_visible()
    # The quiz by the title the member saw.
    assert row.get_by_text(f"{module.quizzes[0].title.da}: bestået").is_visible()
    figures = page.locator(".figures")
    assert figures.get_by_text("I gang").locator("xpath=following-sibling::dd").inner_text().strip() == "1"

    site.goto("/admin/questions")
    site.goto("/admin/print")
    site.goto("/admin/members/new")
    page.get_by_role("button", name="Tilføj deltageren").click()
    page.wait_for_load_state("load")
    site.failed_responses.remove(next(r for r in site.failed_responses if r.startswith("422 POST")))
    site.audit()
    assert page.locator("[data-error-summary]").is_visible()


def test_every_administration_and_platform_page_passes_axe_on_a_phone(site, make, course):
    council = make.council("axeby", name="Axeby Kommune")
    make.member(council, "pia@axeby.example", name="Pia Platform", is_admin=True, is_platform_admin=True)
    other = make.member(council, "ole@axeby.example", name="Ole Olsen", password=None)
    page = site.page
    sign_in(site, "pia@axeby.example")
    for path in (
        "/admin/",
        "/admin/?status=not_started&sort=name&order=desc",
        "/admin/members",
        f"/admin/members/{other.id}",
        f"/admin/members/{other.id}/remove",
        "/admin/members/import",
        "/admin/questions",
        "/platform/",
        "/platform/councils/new",
    ):
        site.goto(path)
    # Removing asks in the page and again in a dialog; declining the dialog keeps the member.
    site.goto(f"/admin/members/{other.id}/remove")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Ja, fjern Ole Olsen").click()
    assert page.url.endswith(f"/admin/members/{other.id}/remove")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Ja, fjern Ole Olsen").click()
    page.wait_for_url(re.compile("/admin/members$"))
    site.audit()
    assert page.get_by_text("Ole Olsen er fjernet fra deltagerlisten.").is_visible()

    page.get_by_role("button", name="Log ud").click()
    page.wait_for_load_state("load")
    site.audit()
    for path in ("/login/link", "/password/forgot"):
        site.goto(path)
    site.goto("/login/link/open#not-a-real.link")
    page.get_by_role("heading", name="Linket virker ikke").wait_for()
    site.failed_responses.remove(next(r for r in site.failed_responses if r.startswith("404 POST")))
