"""One council's page for the platform administrator: its figures and administrators, changing its details,
giving it an administrator (invited with the administrator's invitation), archiving it (and what an archived
council's members can then no longer do), and its logo."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from course.audit.models import AuditEvent
from course.auth.links import issue_token
from course.db import utcnow
from course.extensions import db
from course.learning.rounds import start_due_rounds
from course.people.models import Council, Member
from course.privacy.services import plan_purge
from tests.admin_helpers import complete_course, html_of, link_in, text_of
from tests.conftest import PASSWORD
from tests.helpers import without_csrf_tokens


@pytest.fixture
def platform_admin(make):
    return make.member(
        make.council("hostby", name="Host Association"),
        "pia@host.example",
        is_platform_admin=True,
        locale="en",
    )


@pytest.fixture
def signed_in(client, auth, platform_admin):
    auth.login(platform_admin.email)
    return client


@pytest.fixture
def aarhus(make):
    return make.council("aarhus", name="Aarhus Kommune")


def _council(slug: str) -> Council:
    return db.session.execute(select(Council).where(Council.slug == slug)).scalar_one()


def _actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.execute(select(AuditEvent.action).order_by(AuditEvent.id)).scalars())


def image(kind: str = "PNG", size: tuple[int, int] = (40, 20)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (0, 90, 160)).save(buffer, format=kind)
    return buffer.getvalue()


# --- the page and the overview ----------------------------------------------------------------------------


def test_the_council_page_shows_its_figures_and_administrators(app, course, make, signed_in, aarhus):
    make.member(aarhus, "anne@aarhus.example", name="Anne Admin", is_admin=True)
    done = make.member(aarhus, "c1@aarhus.example")
    make.member(aarhus, "c2@aarhus.example")
    complete_course(app, course, done.id)
    response = signed_in.get("/platform/councils/aarhus")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>Aarhus Kommune</h1>" in html
    assert "Anne Admin · anne@aarhus.example" in html
    figures = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", html))
    # The administrator takes the course too (a councillor by default).
    assert figures["Members"] == "3"
    assert figures["Completed"].startswith("1 ")
    assert "No administrator" not in html


def test_an_unknown_council_is_not_found(signed_in):
    assert signed_in.get("/platform/councils/nowhere").status_code == 404


def test_the_overview_links_each_council_and_flags_one_without_an_administrator(signed_in, make, aarhus):
    make.member(aarhus, "anne@aarhus.example", is_admin=True)
    make.council("tomby", name="Tomby Kommune")
    html = signed_in.get("/platform/").get_data(as_text=True)
    assert '<a href="/platform/councils/aarhus">Aarhus Kommune</a><span' in html
    assert re.search(
        r'/platform/councils/tomby">Tomby Kommune</a> <span class="status status-overdue">'
        r".*?No administrator",
        html,
    )
    assert "No administrator" in signed_in.get("/platform/councils/tomby").get_data(as_text=True)


def test_archived_councils_are_hidden_from_the_overview_unless_asked_for(app, signed_in, aarhus):
    with app.app_context():
        _council("aarhus").archived_at = utcnow()
        db.session.commit()
    assert "Aarhus Kommune" not in signed_in.get("/platform/").get_data(as_text=True)
    html = signed_in.get("/platform/?archived=1").get_data(as_text=True)
    assert re.search(r"Aarhus Kommune</a> <span class=\"status status-archived\">Archived", html)
    csv = signed_in.get("/platform/export.csv").get_data(as_text=True)
    assert "aarhus" not in csv


# --- name, country and language ---------------------------------------------------------------------


def test_the_council_is_renamed_and_moved_to_another_country_and_language(app, signed_in, aarhus):
    response = signed_in.post(
        "/platform/councils/aarhus",
        data={"council-name": " Aarhus Byråd ", "council-country": "se", "council-locale": "en"},
    )
    assert response.status_code == 303
    with app.app_context():
        council = _council("aarhus")
        assert (council.name, council.country, council.default_locale) == ("Aarhus Byråd", "se", "en")
        event = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "council.changed")
        ).scalar_one()
        assert event.details["changed"] == ["country", "default_locale", "name"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"council-name": "", "council-country": "dk", "council-locale": "da"},
            "Enter the council's name.",
        ),
        (
            {"council-name": "x" * 201, "council-country": "dk", "council-locale": "da"},
            "at most 200 characters",
        ),
        ({"council-name": "Ny", "council-country": "no", "council-locale": "da"}, "Not a valid choice"),
        ({"council-name": "Ny", "council-country": "dk", "council-locale": "de"}, "Not a valid choice"),
    ],
)
def test_bad_details_are_refused_with_an_error_summary(app, signed_in, aarhus, data, message):
    response = signed_in.post("/platform/councils/aarhus", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "error-summary" in html
    assert message in html, re.findall(r'form-error-message".*?</span>([^<]*)', html)
    with app.app_context():
        council = _council("aarhus")
        assert (council.name, council.country, council.default_locale) == ("Aarhus Kommune", "dk", "da")


# --- administrators --------------------------------------------------------------------------------------


def test_a_new_administrator_is_invited_with_the_administrators_invitation(
    app, signed_in, aarhus, smtp_server
):
    response = signed_in.post(
        "/platform/councils/aarhus/administrators",
        data={"admin-name": "Bo Bech", "admin-email": "Bo@Aarhus.example"},
    )
    assert response.status_code == 303
    with app.app_context():
        admin = db.session.execute(select(Member).where(Member.email == "bo@aarhus.example")).scalar_one()
        assert (admin.is_admin, admin.role, admin.council.slug) == (True, "staff", "aarhus")
    [message] = smtp_server.to("bo@aarhus.example")
    # The council's language is Danish: the invitation is in Danish and says what to do first.
    assert "Aarhus Kommune" in message["Subject"]
    text = text_of(message)
    assert "administrator" in text
    assert "1. " in text
    assert "3. " in text
    assert "<ol>" in html_of(message)
    assert "council.administrator_added" in _actions(app)
    # The new administrator accepts and reaches the council's dashboard.
    newcomer = app.test_client()
    page, _, token = link_in(message, "/invitation#").partition("#")
    newcomer.post(
        page,
        data={
            "token": token,
            "action": "password",
            "password": "a long pass phrase",
            "confirm": "a long pass phrase",
        },
    )
    assert newcomer.get("/admin/").status_code == 200


def test_replacing_the_administrator_leaves_the_former_one_an_ordinary_member(
    app, make, signed_in, aarhus, smtp_server
):
    former = make.member(aarhus, "old@aarhus.example", is_admin=True)
    member = make.member(aarhus, "member@aarhus.example", name="Mette Medlem")
    response = signed_in.post(
        "/platform/councils/aarhus/administrators",
        data={"admin-name": "ignored", "admin-email": "member@aarhus.example", "admin-replace": "y"},
    )
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Member, former.id).is_admin is False
        chosen = db.session.get(Member, member.id)
        assert (chosen.is_admin, chosen.name) == (True, "Mette Medlem")
    # A member with a password gets the administrator's invitation with a sign-in link.
    [message] = smtp_server.to("member@aarhus.example")
    assert link_in(message, "/login/link/open#")
    assert "/invitation#" not in text_of(message)
    # The former administrator is turned away from the council's administration.
    former_client = app.test_client()
    former_client.post("/login", data={"email": "old@aarhus.example", "password": PASSWORD})
    assert former_client.get("/admin/").status_code == 403


def test_without_replacing_both_administrators_stay(app, make, signed_in, aarhus, smtp_server):
    first = make.member(aarhus, "first@aarhus.example", is_admin=True)
    signed_in.post(
        "/platform/councils/aarhus/administrators",
        data={"admin-name": "Second", "admin-email": "second@aarhus.example"},
    )
    with app.app_context():
        assert db.session.get(Member, first.id).is_admin is True
    html = signed_in.get("/platform/councils/aarhus").get_data(as_text=True)
    assert "first@aarhus.example" in html
    assert "second@aarhus.example" in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"admin-name": "P", "admin-email": "pia@host.example"}, "is registered with another council"),
        ({"admin-name": "P", "admin-email": "nope"}, "Enter an e-mail address like name@example.dk."),
        ({"admin-name": "", "admin-email": "p@aarhus.example"}, "Enter the administrator's name."),
        ({"admin-name": "Gone", "admin-email": "gone@aarhus.example"}, "has left the council"),
    ],
)
def test_a_bad_administrator_is_refused_with_an_error_summary(
    app, make, signed_in, aarhus, smtp_server, data, message
):
    gone = make.member(aarhus, "gone@aarhus.example")
    with app.app_context():
        db.session.get(Member, gone.id).removed_at = utcnow()
        db.session.commit()
    response = signed_in.post("/platform/councils/aarhus/administrators", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "error-summary" in html
    assert message in html
    assert smtp_server.messages == []
    with app.app_context():
        assert not db.session.execute(
            select(Member).where(Member.council_id == aarhus.id, Member.is_admin.is_(True))
        ).first()


# --- archiving --------------------------------------------------------------------------------------------


def test_archiving_asks_for_confirmation_first(app, signed_in, aarhus):
    page = signed_in.get("/platform/councils/aarhus/archive")
    assert page.status_code == 200
    assert "can no longer sign in" in page.get_data(as_text=True)
    # No box ticked, or a form that says no (a tampered one: the page's box sends "y").
    for data in ({}, {"confirm": "false"}, {"confirm": "0"}, {"confirm": "False"}):
        refused = signed_in.post("/platform/councils/aarhus/archive", data=data)
        assert refused.status_code == 422
        assert "Tick the box to confirm" in refused.get_data(as_text=True)
    with app.app_context():
        assert _council("aarhus").archived_at is None


def test_an_archived_councils_members_are_turned_away_everywhere(app, make, signed_in, aarhus, smtp_server):
    member = make.member(aarhus, "c@aarhus.example", locale="en")
    invited = make.member(aarhus, "new@aarhus.example", password=None)
    session = app.test_client()
    session.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    session.post("/login", data={"email": member.email, "password": PASSWORD})
    assert session.get("/").status_code == 200
    with app.app_context():
        invitation = issue_token(db.session.get(Member, invited.id), "invite")
        db.session.commit()

    response = signed_in.post("/platform/councils/aarhus/archive", data={"confirm": "y"})
    assert response.status_code == 303
    assert "council.archived" in _actions(app)

    # The open session ends with a word on why, the password no longer signs in (and says why), and a
    # link request sends no link but an e-mail that says the council's access has ended.
    ended = session.get("/")
    assert ended.status_code == 302
    assert "access to the course has ended" in session.get(ended.location).get_data(as_text=True)
    assert session.get("/").status_code == 302
    assert "access to the course has ended" not in session.get("/login").get_data(as_text=True)
    again = app.test_client()
    again.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    refused = again.post("/login", data={"email": member.email, "password": PASSWORD})
    assert refused.status_code == 422
    assert "access to the course has ended" in refused.get_data(as_text=True)
    assert "Aarhus Kommune" in refused.get_data(as_text=True)
    wrong = again.post("/login", data={"email": member.email, "password": "not the password"})
    assert "access to the course has ended" not in wrong.get_data(as_text=True)
    asked = again.post("/login/link", data={"email": member.email})
    unknown = again.post("/login/link", data={"email": "nobody@aarhus.example"})
    assert without_csrf_tokens(asked.get_data(as_text=True)) == without_csrf_tokens(
        unknown.get_data(as_text=True)
    )
    [message] = smtp_server.to(member.email)
    assert "access to the course has ended" in text_of(message)
    assert "/login/link#" not in text_of(message)
    opened = again.post("/invitation", data={"token": invitation, "action": "link"})
    assert opened.status_code != 302 or "/login" in opened.location
    with app.app_context():
        assert db.session.get(Member, invited.id).joined_at is None


def test_no_round_starts_for_an_archived_council(app, make, aarhus):
    make.council("tomby")
    with app.app_context():
        council = _council("aarhus")
        council.archived_at = utcnow()
        round_id = council.current_round_id
        db.session.commit()
        later = utcnow() + timedelta(days=6 * 366)
        assert start_due_rounds(later, council=_council("aarhus")) == []
        assert [started.council.slug for started in start_due_rounds(later)] == ["tomby"]
        assert _council("aarhus").current_round_id == round_id


def test_the_daily_reminders_leave_an_archived_councils_members_alone(app, make, aarhus, runner, smtp_server):
    tomby = make.council("tomby")
    archived = make.member(aarhus, "c@aarhus.example")
    active = make.member(tomby, "c@tomby.example")
    with app.app_context():
        for member in (archived, active):
            db.session.get(Member, member.id).invited_at = utcnow() - timedelta(days=30)
        _council("aarhus").archived_at = utcnow()
        db.session.commit()
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    assert "Sent 1 reminder(s)" in result.output
    assert smtp_server.to("c@tomby.example")
    assert smtp_server.to("c@aarhus.example") == []


def test_an_archived_councils_members_are_purged_after_its_retention_period(app, make, aarhus, runner):
    member = make.member(aarhus, "c@aarhus.example")
    with app.app_context():
        _council("aarhus").archived_at = datetime(2026, 3, 1, tzinfo=UTC)
        db.session.commit()
        assert plan_purge(datetime(2027, 6, 1, tzinfo=UTC)).members == []
        [item] = plan_purge(datetime(2031, 6, 1, tzinfo=UTC)).members
        assert item.member.id == member.id
        assert item.left_on.isoformat() == "2026-03-01"


def test_a_council_with_a_platform_administrator_cannot_be_archived(app, signed_in):
    response = signed_in.post("/platform/councils/hostby/archive", data={"confirm": "y"})
    assert response.status_code == 422
    assert "cannot be archived" in response.get_data(as_text=True)
    with app.app_context():
        assert _council("hostby").archived_at is None


def test_an_archived_council_can_be_taken_out_of_the_archive(app, make, signed_in, aarhus):
    member = make.member(aarhus, "c@aarhus.example")
    signed_in.post("/platform/councils/aarhus/archive", data={"confirm": "y"})
    page = signed_in.get("/platform/councils/aarhus").get_data(as_text=True)
    assert "This council is archived" in page
    assert signed_in.post("/platform/councils/aarhus/restore").status_code == 303
    with app.app_context():
        assert _council("aarhus").archived_at is None
    assert (
        app.test_client().post("/login", data={"email": member.email, "password": PASSWORD}).status_code
        == 302
    )


# --- the logo -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "content_type"), [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp")]
)
def test_the_logo_is_stored_and_shown_to_the_councils_members(
    app, make, signed_in, aarhus, kind, content_type
):
    data = image(kind)
    # The file's name says nothing: its content decides.
    response = signed_in.post(
        "/platform/councils/aarhus/logo",
        data={"logo-logo": (io.BytesIO(data), "logo.bin")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    served = app.test_client().get("/councils/aarhus/logo")
    assert served.mimetype == content_type
    assert served.get_data() == data
    member = make.member(aarhus, "c@aarhus.example")
    client = app.test_client()
    client.post("/login", data={"email": member.email, "password": PASSWORD})
    assert 'class="site-council-logo" src="/councils/aarhus/logo"' in client.get("/").get_data(as_text=True)
    # Other councils' members see no logo.
    assert "site-council-logo" not in signed_in.get("/platform/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "must be a PNG, JPEG or WebP image"),
        (b"\x89PNG\r\n\x1a\n" + b"not really", "must be a PNG, JPEG or WebP image"),
        (image("GIF"), "must be a PNG, JPEG or WebP image"),
        (image("PNG")[:8] + b"\0" * (200 * 1024), "larger than 200 KB"),
    ],
)
def test_a_logo_that_is_not_a_small_image_is_refused(app, signed_in, aarhus, content, message):
    response = signed_in.post(
        "/platform/councils/aarhus/logo",
        data={"logo-logo": (io.BytesIO(content), "logo.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert app.test_client().get("/councils/aarhus/logo").status_code == 404


def test_the_logo_is_removed(app, signed_in, aarhus):
    signed_in.post(
        "/platform/councils/aarhus/logo",
        data={"logo-logo": (io.BytesIO(image()), "logo.png")},
        content_type="multipart/form-data",
    )
    assert signed_in.post("/platform/councils/aarhus/logo/remove").status_code == 303
    assert app.test_client().get("/councils/aarhus/logo").status_code == 404


# --- a change of country ----------------------------------------------------------------------------------


def test_a_change_of_country_moves_the_current_round_to_the_new_countrys_term(app, signed_in, aarhus):
    from course.people import calendar

    page = signed_in.get("/platform/councils/aarhus").get_data(as_text=True)
    # The form says before saving what changing the country does.
    assert "moves the council's current round to that country's current council term" in page
    response = signed_in.post(
        "/platform/councils/aarhus",
        data={"council-name": "Aarhus Kommune", "council-country": "se", "council-locale": "da"},
    )
    assert response.status_code == 303
    expected = calendar.term_of("se", calendar.today("se"))
    with app.app_context():
        current = _council("aarhus").current_round
        assert (current.term_start, current.term_end) == (expected.start, expected.end)
        moved = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "round.term_changed")
        ).scalar_one()
        assert moved.details["term_start"] == expected.start.isoformat()
    html = signed_in.get("/platform/councils/aarhus").get_data(as_text=True)
    figures = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", html))
    assert figures["Council term of the current round"] == expected.label


def test_the_archive_confirmation_counts_everyone_who_loses_access(app, make, signed_in, aarhus):
    # Two staff administrators who do not take the course, and one member who does.
    make.member(aarhus, "a1@aarhus.example", role="staff", is_admin=True, takes_course=False)
    make.member(aarhus, "a2@aarhus.example", role="staff", is_admin=True, takes_course=False)
    make.member(aarhus, "c@aarhus.example")
    gone = make.member(aarhus, "gone@aarhus.example")
    with app.app_context():
        db.session.get(Member, gone.id).removed_at = utcnow()
        db.session.commit()
    html = signed_in.get("/platform/councils/aarhus/archive").get_data(as_text=True)
    assert "3 people can no longer sign in" in html
    assert "(2 of them administrators)" in html
