"""The administrator's privacy pages: a member's data as a file, erasure after a confirmation, the
retention date, and the public privacy notice in three languages."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from course.audit.models import AuditEvent
from course.db import utcnow
from course.extensions import db
from course.people.models import Council, Member
from tests.conftest import PASSWORD
from tests.privacy_helpers import EMAIL, NAME, populate


@pytest.fixture
def populated(app):
    return populate(app)


@pytest.fixture
def admin_client(app, client, populated):
    with app.app_context():
        address = db.session.get(Member, populated.admin_id).email
    client.post("/login", data={"email": address, "password": "correct horse battery staple"})
    return client


def events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars())


def test_the_member_page_links_to_the_data_export_and_erasure(admin_client, populated):
    page = admin_client.get(f"/admin/members/{populated.member_id}").get_data(as_text=True)
    assert f"/admin/members/{populated.member_id}/export" in page
    assert f"/admin/members/{populated.member_id}/erase" in page


def test_an_administrator_downloads_a_members_data(app, admin_client, populated):
    response = admin_client.get(f"/admin/members/{populated.member_id}/export")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))
    assert data["member"][0]["email"] == EMAIL
    assert data["member"][0]["name"] == NAME
    [event] = events(app, "member.exported")
    assert (event.actor_id, event.member_id, event.council_id) == (
        populated.admin_id,
        populated.member_id,
        populated.council_id,
    )


def test_another_councils_member_is_not_found(app, admin_client, make):
    stranger = make.member(make.council("fremmedby"), "stranger@fremmedby.example")
    assert admin_client.get(f"/admin/members/{stranger.id}/export").status_code == 404
    assert admin_client.get(f"/admin/members/{stranger.id}/erase").status_code == 404
    assert admin_client.post(f"/admin/members/{stranger.id}/erase").status_code == 404
    with app.app_context():
        assert db.session.get(Member, stranger.id).erased_at is None
    assert events(app, "member.exported") == []


def test_a_member_who_is_not_an_administrator_cannot_export_or_erase(client, populated, app):
    with app.app_context():
        other = db.session.get(Member, populated.other_id)
        from course.auth.services import set_password

        set_password(other, PASSWORD)
        db.session.commit()
        address = other.email
    client.post("/login", data={"email": address, "password": PASSWORD})
    assert client.get(f"/admin/members/{populated.member_id}/export").status_code == 403
    assert client.post(f"/admin/members/{populated.member_id}/erase").status_code == 403
    assert client.get("/admin/privacy").status_code == 403


def test_erasure_asks_for_confirmation_first(app, admin_client, populated):
    page = admin_client.get(f"/admin/members/{populated.member_id}/erase")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "cannot be undone" in text
    assert f'action="/admin/members/{populated.member_id}/erase"' in text
    with app.app_context():
        assert db.session.get(Member, populated.member_id).erased_at is None


def test_erasure_needs_a_csrf_token(app, admin_client, populated, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert admin_client.post(f"/admin/members/{populated.member_id}/erase").status_code == 400
    with app.app_context():
        assert db.session.get(Member, populated.member_id).erased_at is None


def test_an_administrator_erases_a_member(app, admin_client, populated):
    response = admin_client.post(f"/admin/members/{populated.member_id}/erase")
    assert response.status_code == 303
    page = admin_client.get(response.location).get_data(as_text=True)
    assert "personal data is erased" in page
    assert NAME not in page
    with app.app_context():
        member = db.session.get(Member, populated.member_id)
        assert member.erased_at is not None
        assert member.name == ""
    # Gone from the roster, and nothing more to export or erase.
    assert NAME not in admin_client.get("/admin/members").get_data(as_text=True)
    assert admin_client.get(f"/admin/members/{populated.member_id}/export").status_code == 404
    assert admin_client.get(f"/admin/members/{populated.member_id}/erase").status_code == 404
    [event] = events(app, "member.erased")
    assert event.actor_id == populated.admin_id
    # The erased member's certificates leave the council's list (they are revoked and nameless).
    certificates = admin_client.get("/admin/certificates").get_data(as_text=True)
    assert populated.codes[-1][:5] not in certificates


def test_an_erased_members_certificate_verifies_as_revoked_without_a_name(
    app, admin_client, client, populated
):
    admin_client.post(f"/admin/members/{populated.member_id}/erase")
    admin_client.post("/logout")
    response = client.get(f"/verify/{populated.codes[0]}?lang=en", follow_redirects=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "The certificate has been revoked" in page
    assert "Quirina" not in page


def test_an_administrator_cannot_erase_themself(app, admin_client, populated):
    response = admin_client.post(f"/admin/members/{populated.admin_id}/erase")
    assert response.status_code == 302
    page = admin_client.get(response.location).get_data(as_text=True)
    assert "You cannot erase yourself" in page
    with app.app_context():
        assert db.session.get(Member, populated.admin_id).erased_at is None


def test_members_who_have_left_are_listed_with_their_erasure_date(app, admin_client, populated):
    admin_client.post(f"/admin/members/{populated.other_id}/remove")
    page = admin_client.get("/admin/privacy").get_data(as_text=True)
    assert "Oskar Anden" in page
    assert f"/admin/members/{populated.other_id}/export" in page
    assert f"/admin/members/{populated.other_id}/erase" in page
    # One year after the end of the Danish council term running now.
    with app.app_context():
        from course.privacy.services import current_default_retention

        default = current_default_retention(db.session.get(Council, populated.council_id))
    assert default.month == 12
    assert default.day == 31
    assert str(default.year) in page
    assert admin_client.get(f"/admin/members/{populated.other_id}/export").status_code == 200


def test_an_administrator_sets_the_retention_date(app, admin_client, populated):
    response = admin_client.post("/admin/privacy", data={"retention_until": "2031-06-30"})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Council, populated.council_id).retention_until == date(2031, 6, 30)
    [event] = events(app, "council.retention_changed")
    assert event.details == {"retention_until": "2031-06-30", "previous": None}
    assert admin_client.post("/admin/privacy", data={"retention_until": "not a date"}).status_code == 422
    admin_client.post("/admin/privacy", data={"retention_until": ""})
    with app.app_context():
        assert db.session.get(Council, populated.council_id).retention_until is None


@pytest.mark.parametrize(
    ("lang", "heading", "controller"),
    [
        ("da", "Privatlivspolitik", "dataansvarlig"),
        ("sv", "Integritetspolicy", "personuppgiftsansvarig"),
        ("en", "Privacy notice", "data controller"),
    ],
)
def test_the_privacy_notice_is_public_in_three_languages(client, lang, heading, controller):
    response = client.get(f"/privacy?lang={lang}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"<h1>{heading}</h1>" in page
    assert controller in page


def test_the_footer_links_to_the_privacy_notice(client):
    assert 'href="/privacy"' in client.get("/login").get_data(as_text=True)


def test_a_signed_in_member_sees_their_own_council_as_controller(app, client, populated):
    with app.app_context():
        address = db.session.get(Member, populated.admin_id).email
    client.post("/login", data={"email": address, "password": "correct horse battery staple"})
    page = client.get("/privacy?lang=en").get_data(as_text=True)
    assert "For you, that is Privatby Kommune." in page


def test_the_list_of_members_who_have_left_takes_the_same_queries_for_1_and_30(
    app, admin_client, populated, make, count_queries
):
    def leave(count: int) -> None:
        with app.app_context():
            council = db.session.get(Council, populated.council_id)
            for number in range(count):
                member = Member(
                    council=council,
                    email=f"left-{council.id}-{number}-{count}@privatby.example",
                    name=f"Left {number}",
                    role="councillor",
                )
                member.removed_at = utcnow()
                db.session.add(member)
            db.session.commit()

    leave(1)
    with count_queries() as small:
        assert admin_client.get("/admin/privacy").status_code == 200
    leave(29)
    with count_queries() as large:
        page = admin_client.get("/admin/privacy").get_data(as_text=True)
    assert "Left 28" in page
    assert large.count == small.count


def test_the_access_request_export_is_also_a_document_in_the_members_language(app, admin_client, populated):
    """The administrator reads English; the member Danish: the document is in Danish, as HTML and PDF."""
    import io
    import re

    from pypdf import PdfReader

    page = admin_client.get(f"/admin/members/{populated.member_id}").get_data(as_text=True)
    assert f"/admin/members/{populated.member_id}/export.html" in page
    assert f"/admin/members/{populated.member_id}/export.pdf" in page

    response = admin_client.get(f"/admin/members/{populated.member_id}/export.html")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    assert (
        f"filename*=UTF-8''personoplysninger-{populated.member_id}.html"
        in response.headers["Content-Disposition"]
    )
    html = response.get_data(as_text=True)
    assert '<html lang="da">' in html
    assert "Dig på deltagerlisten" in html
    assert "<dt>E-mailadresse</dt><dd>" + EMAIL in html
    assert NAME in html
    assert "Den dataansvarlige er" in html
    # Flags in words and dates as dates, not as stored.
    assert "<dt>Administrator</dt><dd>Ja</dd>" in html
    assert "<dt>Platformsadministrator</dt><dd>Nej</dd>" in html
    assert not re.search(r"<dd>\d{4}-\d{2}-\d{2}", html)

    response = admin_client.get(f"/admin/members/{populated.member_id}/export.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert f"personoplysninger-{populated.member_id}.pdf" in response.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.get_data()))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Dig på deltagerlisten" in text
    assert EMAIL in text
    assert reader.metadata.title.startswith("De oplysninger, ")
    assert "/Lang" in reader.trailer["/Root"]
    # Every download is an access request answered: each is in the audit log.
    assert len(events(app, "member.exported")) == 2


def test_the_json_export_is_named_in_the_administrators_language(admin_client, populated):
    response = admin_client.get(f"/admin/members/{populated.member_id}/export")
    # The administrator reads English.
    assert f'filename="personal-data-{populated.member_id}.json"' in response.headers["Content-Disposition"]
