"""A person who leaves one council and joins another: the first council's records stay with the first
council, the second council gets a fresh member and learns nothing about the first (IDOR by e-mail address).
"""

from __future__ import annotations

import io
import json
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from course.audit.models import AuditEvent
from course.certificates.models import Certificate, SeminarCompletion
from course.extensions import db
from course.learning.models import QuizAttempt
from course.people.models import Member
from tests.admin_helpers import record_module
from tests.conftest import PASSWORD

ADDRESS = "wanderer@example.dk"
SEMINAR_NOTE = "Seminar i Aby byrådssal, fremmødeliste nr. 7"
#: What council B's administrator must never be shown about the address.
REVEALING = ("another council", "anden kommune", "annan kommun", "registered", "registreret", "registrerad")


@pytest.fixture
def councils(app, make, certify, course):
    """Council A with a member who holds A's certificate (from a seminar), a quiz attempt and audit events,
    then leaves A's roster; council B with its administrator."""
    from course.certificates.operations import record_seminar_completion
    from course.web.course import get_course

    aby, bby = make.council("aby"), make.council("bby")
    admin_a = make.member(aby, "chef@aby.example", is_admin=True, locale="en")
    admin_b = make.member(bby, "chef@bby.example", is_admin=True, locale="en")
    person = make.member(aby, ADDRESS, name="Wanda Wanderer")
    record_module(app, course, person.id, 0, failed=(0,))
    with app.app_context():
        member = db.session.get(Member, person.id)
        actor = db.session.get(Member, admin_a.id)
        issued = record_seminar_completion(member, date(2026, 3, 2), SEMINAR_NOTE, get_course(), actor=actor)
        db.session.commit()
        code = issued.certificate.code
    a = app.test_client()
    a.post("/login", data={"email": admin_a.email, "password": PASSWORD})
    assert a.post(f"/admin/members/{person.id}/remove").status_code == 302
    b = app.test_client()
    b.post("/login", data={"email": admin_b.email, "password": PASSWORD})
    return {"a": a, "b": b, "person": person, "code": code, "aby": aby, "bby": bby, "admin_b": admin_b}


def a_records(app, member_id: int) -> tuple:
    with app.app_context():
        state = (
            db.session.execute(
                select(Certificate.code, Certificate.revoked_at, Certificate.member_name).where(
                    Certificate.member_id == member_id
                )
            ).all(),
            db.session.execute(
                select(SeminarCompletion.reason).where(SeminarCompletion.member_id == member_id)
            ).all(),
            db.session.scalar(select(func.count()).where(QuizAttempt.member_id == member_id)),
            # The councils' logs; the platform's own log notes that the address was released.
            db.session.scalar(
                select(func.count()).where(
                    AuditEvent.member_id == member_id, AuditEvent.council_id.is_not(None)
                )
            ),
        )
        db.session.remove()
        return state


def add_by_form(client):
    return client.post(
        "/admin/members/new", data={"name": "Wanda Wanderer", "email": ADDRESS, "role": "councillor"}
    )


def add_by_import(client):
    data = f"navn;e-mail\nWanda Wanderer;{ADDRESS.upper()}\n".encode()
    response = client.post(
        "/admin/members/import",
        data={"file": (io.BytesIO(data), "roster.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    preview = client.get(response.location)
    html = preview.get_data(as_text=True)
    assert not any(word in html.lower() for word in REVEALING)
    assert "A removed member comes back" not in html
    digest = re.search(r'name="digest" value="([^"]+)"', html).group(1)
    return client.post(response.location, data={"digest": digest})


@pytest.mark.parametrize("add", [add_by_form, add_by_import], ids=["form", "import"])
def test_a_member_who_left_one_council_joins_another_without_its_records(app, councils, add):
    person, b = councils["person"], councils["b"]
    before = a_records(app, person.id)
    assert before[0]
    assert before[1]
    assert before[2]
    assert before[3]

    response = add(b)
    assert response.status_code in (302, 303)
    assert not any(word in b.get(response.location).get_data(as_text=True).lower() for word in REVEALING)

    with app.app_context():
        fresh = db.session.execute(select(Member).where(Member.email == ADDRESS)).scalar_one()
        left = db.session.get(Member, person.id)
        fresh_id = fresh.id
        assert fresh_id != person.id
        assert fresh.council_id == councils["bby"].id
        # A's row stays A's, with its records, removed; it no longer holds the address.
        assert left.council_id == councils["aby"].id
        assert left.removed_at is not None
        assert left.email != ADDRESS
        assert "@" not in left.email
        db.session.remove()
    assert a_records(app, person.id) == before
    assert a_records(app, fresh_id) == ([], [], 0, 1)  # only "member added" by B

    # B sees nothing of A's: not the old row, not its certificate, not its export, not its events.
    for path in (
        f"/admin/members/{person.id}",
        f"/admin/members/{person.id}/export",
        f"/admin/members/{person.id}/erase",
    ):
        assert b.get(path).status_code == 404, path
    export = json.loads(b.get(f"/admin/members/{fresh_id}/export").get_data(as_text=True))
    dumped = json.dumps(export, ensure_ascii=False)
    assert councils["code"] not in dumped
    assert SEMINAR_NOTE not in dumped
    assert "Aby" not in dumped
    assert all(row["member_id"] == fresh_id for row in export.get("audit_event", []) if "member_id" in row)
    audit = b.get(f"/admin/audit/?member={person.id}").get_data(as_text=True)
    assert "aby" not in audit.lower()
    with app.app_context():
        certificate_id = db.session.scalar(select(Certificate.id).where(Certificate.member_id == person.id))
    assert b.get(f"/admin/certificates/{certificate_id}").status_code == 404
    assert b.post(f"/admin/certificates/{certificate_id}/revoke", data={"reason": "x"}).status_code == 404
    assert councils["code"] not in b.get("/admin/certificates").get_data(as_text=True)

    # Erasing B's member leaves A's certificate valid.
    assert b.post(f"/admin/members/{fresh_id}/erase").status_code == 303
    assert a_records(app, person.id) == before
    verify = app.test_client().get(f"/verify/{councils['code']}")
    assert verify.status_code == 200
    assert "Wanda Wanderer" in verify.get_data(as_text=True)

    # A still exports its own former member, with A's records.
    export_a = councils["a"].get(f"/admin/members/{person.id}/export").get_data(as_text=True)
    assert councils["code"] in export_a
    assert SEMINAR_NOTE in export_a


def test_the_member_who_joined_b_signs_in_to_b_with_nothing_of_a(app, councils, smtp_server):
    add_by_form(councils["b"])
    with app.app_context():
        fresh_id = db.session.scalar(select(Member.id).where(Member.email == ADDRESS))
    assert councils["b"].post(f"/admin/members/{fresh_id}/invite").status_code == 302
    message = smtp_server.to(ADDRESS)[-1]
    assert "Bby" in message.get_body(("plain",)).get_content()
    assert "Aby" not in message.get_body(("plain",)).get_content()


def test_council_a_adding_its_own_former_member_back_restores_them(app, councils):
    person = councils["person"]
    response = add_by_form(councils["a"])
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Member, person.id).removed_at is None


@pytest.mark.parametrize("add", [add_by_form, add_by_import], ids=["form", "import"])
def test_a_current_member_of_a_cannot_be_taken_by_b_and_b_is_not_told_why(app, make, councils, add):
    """While the person is on A's roster the address signs in to A: B is refused, in words that name no
    council and say nothing of the person's records."""
    person = councils["person"]
    councils["a"].post(
        "/admin/members/new", data={"name": "Wanda Wanderer", "email": ADDRESS, "role": "councillor"}
    )
    before = a_records(app, person.id)
    b = councils["b"]
    if add is add_by_form:
        response = add(b)
        assert response.status_code == 422
        html = response.get_data(as_text=True)
    else:
        data = f"navn;e-mail\nWanda Wanderer;{ADDRESS}\n".encode()
        response = b.post(
            "/admin/members/import",
            data={"file": (io.BytesIO(data), "roster.csv")},
            content_type="multipart/form-data",
        )
        html = b.get(response.location).get_data(as_text=True)
    assert "cannot be added" in html
    assert not any(word in html.lower() for word in REVEALING)
    assert "Aby" not in html
    assert a_records(app, person.id) == before
    with app.app_context():
        member = db.session.get(Member, person.id)
        assert (member.council_id, member.removed_at, member.email) == (councils["aby"].id, None, ADDRESS)


def test_changing_a_members_address_to_one_that_left_another_council_moves_nothing(app, make, councils):
    """Editing a member of B to the address releases A's row the same way, and moves none of A's records."""
    b_member = make.member(councils["bby"], "someone@bby.example")
    response = councils["b"].post(
        f"/admin/members/{b_member.id}",
        data={"name": "Wanda Wanderer", "email": ADDRESS, "role": "councillor"},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Member, b_member.id).email == ADDRESS
        assert db.session.get(Member, councils["person"].id).council_id == councils["aby"].id
