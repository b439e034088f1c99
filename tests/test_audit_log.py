"""The audit log: its viewer for a council's administrators, and the rule that nobody changes it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, update

from course.audit.models import AuditEvent, AuditLogChangeError
from course.db import utcnow
from course.extensions import db
from tests.conftest import PASSWORD


@pytest.fixture
def council(make):
    return make.council("logby", name="Logby Kommune")


@pytest.fixture
def admin(make, council):
    return make.member(council, "admin@logby.example", name="Alma Admin", is_admin=True, locale="da")


@pytest.fixture
def signed_in(client, admin):
    assert client.post("/login", data={"email": admin.email, "password": PASSWORD}).status_code == 302
    return client


def add_events(app, council_id, count, *, action="reminder.sent", actor_id=None, member_id=None, start=None):
    start = start or utcnow() - timedelta(days=1)
    with app.app_context():
        for n in range(count):
            db.session.add(
                AuditEvent(
                    council_id=council_id,
                    actor_id=actor_id,
                    member_id=member_id,
                    action=action,
                    details={"n": n},
                    created_at=start + timedelta(minutes=n),
                )
            )
        db.session.commit()


#: Events every test starts with: the council was created, and its administrator added.
BASELINE = 2


def rows_of(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)


def test_administrators_read_their_councils_log_newest_first_in_their_language(
    app, signed_in, make, council, admin
):
    signed_in.post(
        "/admin/members/new", data={"name": "Bo Berg", "email": "bo@logby.example", "role": "councillor"}
    )
    signed_in.post("/admin/due-date", data={"due_date": "2031-05-01"})
    page = signed_in.get("/admin/audit/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    rows = rows_of(html)
    # Newest first: the due date, Bo added by Alma, Alma added, and the council created by the system.
    assert len(rows) == 4
    assert "Fristen er ændret" in rows[0]
    assert "1. maj 2031" in rows[0]  # a date, as a date in the reader's language
    assert "Medlem tilføjet" in rows[1]
    assert "Bo Berg" in rows[1]
    assert "Alma Admin" in rows[1]
    assert "Kommune oprettet" in rows[3]
    assert "Systemet" in rows[3]
    assert 'aria-current="page">Logbog' in html  # the admin sub-navigation marks the page


def test_the_log_is_linked_from_every_administration_page(signed_in):
    for path in ("/admin/", "/admin/members", "/admin/certificates"):
        assert 'href="/admin/audit/"' in signed_in.get(path).get_data(as_text=True), path


def test_another_councils_events_are_never_shown(app, signed_in, make, council):
    other = make.council("elsewhere", name="Elsewhere Kommune")
    stranger = make.member(other, "secret@elsewhere.example", name="Secret Stranger")
    add_events(app, other.id, 3, action="member.added", member_id=stranger.id)
    add_events(app, council.id, 1, action="member.added")
    html = signed_in.get("/admin/audit/").get_data(as_text=True)
    assert len(rows_of(html)) == 1 + BASELINE
    html = signed_in.get(f"/admin/audit/?member={stranger.id}").get_data(as_text=True)
    assert rows_of(html) == []
    assert "Secret Stranger" not in html


def test_filters_by_action_and_member(app, signed_in, make, council, admin):
    bo = make.member(council, "bo@logby.example", name="Bo Berg")
    cy = make.member(council, "cy@logby.example", name="Cy Carlsen")
    add_events(app, council.id, 2, action="reminder.sent", member_id=bo.id, actor_id=admin.id)
    add_events(app, council.id, 3, action="invitation.sent", member_id=cy.id, actor_id=admin.id)
    add_events(app, council.id, 1, action="invitation.sent", member_id=bo.id, actor_id=admin.id)
    assert len(rows_of(signed_in.get("/admin/audit/?action=invitation.sent").get_data(as_text=True))) == 4
    assert len(rows_of(signed_in.get("/admin/audit/?action=reminder.sent").get_data(as_text=True))) == 2
    html = signed_in.get(f"/admin/audit/?member={bo.id}").get_data(as_text=True)
    assert len(rows_of(html)) == 4  # added, reminded twice, invited
    assert "Cy Carlsen" not in "".join(rows_of(html))
    both = signed_in.get(f"/admin/audit/?action=invitation.sent&member={bo.id}").get_data(as_text=True)
    assert len(rows_of(both)) == 1
    # The member filter offers the members the log mentions; nonsense in the query string is ignored.
    assert f'<option value="{bo.id}" selected>Bo Berg</option>' in html
    nonsense = signed_in.get("/admin/audit/?action=<x>&member=abc&page=-3").get_data(as_text=True)
    # Bo and Cy were added too (two events), besides the six above and the baseline.
    assert len(rows_of(nonsense)) == 6 + 2 + BASELINE


def test_the_log_is_paginated(app, signed_in, council):
    add_events(app, council.id, 120 - BASELINE)
    first = signed_in.get("/admin/audit/").get_data(as_text=True)
    assert len(rows_of(first)) == 50
    assert "Side 1 af 3" in first
    assert 'href="/admin/audit/?page=2"' in first
    assert 'rel="prev"' not in first
    last = signed_in.get("/admin/audit/?page=3").get_data(as_text=True)
    assert len(rows_of(last)) == 20
    assert 'rel="next"' not in last
    # Page 3 holds the oldest events, page 1 the newest.
    assert signed_in.get("/admin/audit/?page=99").get_data(as_text=True).count("<tr>") == last.count("<tr>")


def test_an_empty_log_says_so(app, signed_in):
    # Only the log's own tests may do this: the raw table, past the ORM's append-only guard.
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(AuditEvent.__table__.delete())
    html = signed_in.get("/admin/audit/").get_data(as_text=True)
    assert rows_of(html) == []
    assert "Der er ikke logget noget endnu" in html
    html = signed_in.get("/admin/audit/?action=certificate.revoked").get_data(as_text=True)
    assert "Ingen hændelser passer til filteret" in html


def test_the_viewer_reads_the_same_number_of_queries_for_few_and_many_events(
    app, signed_in, make, council, count_queries
):
    members = [make.member(council, password=None) for _ in range(3)]
    add_events(app, council.id, 2, member_id=members[0].id)
    with count_queries() as few:
        signed_in.get("/admin/audit/")
    for member in members:
        add_events(app, council.id, 40, member_id=member.id)
    with count_queries() as many:
        signed_in.get("/admin/audit/")
    assert few.count == many.count


# --- append-only ---------------------------------------------------------------------------------------


@pytest.fixture
def logged(app, council):
    add_events(app, council.id, 1, action="member.added")
    with app.app_context():
        return db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "member.added"))


def test_an_event_cannot_be_changed_through_the_orm(app, logged):
    with app.app_context():
        event = db.session.get(AuditEvent, logged)
        event.action = "member.removed"
        with pytest.raises(AuditLogChangeError):
            db.session.commit()
        db.session.rollback()
        assert db.session.get(AuditEvent, logged).action == "member.added"


def test_an_event_cannot_be_deleted_through_the_orm(app, logged):
    with app.app_context():
        db.session.delete(db.session.get(AuditEvent, logged))
        with pytest.raises(AuditLogChangeError):
            db.session.commit()
        db.session.rollback()
        assert db.session.get(AuditEvent, logged) is not None


@pytest.mark.parametrize(
    "statement",
    [
        update(AuditEvent).values(action="x"),
        delete(AuditEvent),
        delete(AuditEvent.__table__),
    ],
    ids=["bulk update", "bulk delete", "table delete"],
)
def test_bulk_statements_cannot_change_the_log(app, logged, statement):
    with app.app_context():
        before = db.session.execute(select(AuditEvent.id, AuditEvent.action)).all()
        with pytest.raises(AuditLogChangeError):
            db.session.execute(statement)
        db.session.rollback()
        assert db.session.execute(select(AuditEvent.id, AuditEvent.action)).all() == before


def test_new_events_are_still_written_and_other_objects_still_change(app, logged, council):
    from course.people.models import Council

    with app.app_context():
        db.session.get(Council, council.id).name = "Renamed Kommune"
        db.session.get(AuditEvent, logged)  # loaded, untouched: not a change
        before = db.session.scalar(select(func.count()).select_from(AuditEvent))
        db.session.add(AuditEvent(council_id=council.id, action="council.created", details={}))
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before + 1
        assert db.session.get(Council, council.id).name == "Renamed Kommune"


def _recorded_actions() -> set[str]:
    """Every action the code writes: the first argument of each record_event call in course/."""
    from pathlib import Path

    import course

    found = set()
    for path in Path(course.__file__).parent.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        found.update(re.findall(r'record_event\(\s*"([a-z_]+\.[a-z_]+)"', text))
    return found


def test_every_action_written_anywhere_has_a_label_and_is_in_the_filter(signed_in):
    from course.admin.audit_log import ACTION_LABELS

    actions = _recorded_actions()
    assert {"member.erased", "member.exported", "council.retention_changed", "reminder.sent"} <= actions
    assert actions - ACTION_LABELS.keys() == set()
    html = signed_in.get("/admin/audit/").get_data(as_text=True)
    options = set(re.findall(r'<option value="([a-z_]+\.[a-z_]+)"', html))
    assert options == set(ACTION_LABELS)
    assert "Medlem slettet" in html
    assert "Medlemmets data eksporteret" in html
    assert "Opbevaringsdato ændret" in html


def test_details_show_codes_as_printed_and_dates_as_dates(app, signed_in, council, admin):
    with app.app_context():
        for action, details in (
            ("certificate.revoked", {"code": "K7QF3M9PXD2RJ4T"}),
            ("council.retention_changed", {"retention_until": "2032-01-31", "previous": None}),
            ("reminder.sent", {"kind": "overdue"}),
            ("member.erased", {"by": "retention"}),
        ):
            db.session.add(
                AuditEvent(council_id=council.id, actor_id=admin.id, action=action, details=details)
            )
        db.session.commit()
    html = signed_in.get("/admin/audit/").get_data(as_text=True)
    assert "K7QF3-M9PXD-2RJ4T" in html
    assert "K7QF3M9PXD2RJ4T" not in html
    assert "31. jan. 2032" in html
    assert "2032-01-31" not in html
    assert "Efter fristen" in html
    assert "overdue" not in html
    assert "Ved udløbet af opbevaringsperioden" in html


def test_details_show_seminar_cards_by_title_and_changed_fields_by_name(
    app, signed_in, council, admin, course
):
    from course.seminars.material import list_material

    card = list_material(course.conversation)[0]
    with app.app_context():
        for action, details in (
            ("seminar.changed", {"seminar_id": 1, "added": card.key}),
            ("council.changed", {"changed": ["default_locale", "name"]}),
        ):
            db.session.add(
                AuditEvent(council_id=council.id, actor_id=admin.id, action=action, details=details)
            )
        db.session.commit()
    html = signed_in.get("/admin/audit/").get_data(as_text=True)
    assert card.key not in html
    assert card.title.get("da") in html
    assert "default_locale" not in html
    assert "Navn" in html
