"""The privacy registry covers every table, and export and erasure of a member with data in every table
leave nothing behind that names them."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from course.audit.models import AuditEvent
from course.auth.models import AuthToken, LoginSession
from course.certificates.models import Certificate
from course.certificates.queries import verify_certificate
from course.extensions import db
from course.learning.rounds import start_round
from course.people.models import Council, CourseRound, Member
from course.privacy import services
from course.privacy.registry import BY_TABLE, POLICIES, erased_email
from tests.privacy_helpers import EMAIL, FINGERPRINTS, NAME, member_rows, populate, text_columns_mentioning

#: Column names that hold a person's name, address or free text an administrator wrote about them.
PERSONAL_COLUMNS = {
    "name",
    "email",
    "member_name",
    "reason",
    "correction",
    "revoke_reason",
    "rows",
    "filename",
}


def _refers_to_members(table) -> bool:
    return any(key.column.table.name == "member" for column in table.columns for key in column.foreign_keys)


def test_every_table_is_in_the_registry(app):
    tables = {table.name for table in db.metadata.sorted_tables}
    assert tables - set(BY_TABLE) == set(), "declare how a new table is exported and erased"
    assert set(BY_TABLE) - tables == set(), "the registry names a table that no longer exists"
    assert len(BY_TABLE) == len(POLICIES)


@pytest.mark.parametrize("table", [table.name for table in db.metadata.sorted_tables] or ["none"])
def test_a_table_with_personal_data_is_exported_and_erased(app, table):
    [meta] = [candidate for candidate in db.metadata.sorted_tables if candidate.name == table]
    policy = BY_TABLE[table]
    assert policy.about.strip(), "say what the table holds, or why it holds nothing personal"
    if _refers_to_members(meta):
        assert policy.holds_personal_data, f"{table} refers to members: give it an eraser"
        assert policy.export is not None or policy.part_of in BY_TABLE
        assert policy.erasure.strip()
    elif {column.name for column in meta.columns} & PERSONAL_COLUMNS and not policy.holds_personal_data:
        # Only an explicit statement may exempt a table with such columns (the council: an authority).
        assert table == "council"
    if policy.part_of is not None:
        assert BY_TABLE[policy.part_of].export is not None


def test_the_member_row_is_erased_last(app):
    # The other erasers find the member's rows by id and address; the member's row changes at the end.
    assert POLICIES[-1].table == "member"


def test_the_export_holds_everything_about_the_member_and_no_secret(app):
    populated = populate(app)
    with app.app_context():
        member = db.session.get(Member, populated.member_id)
        secrets = [member.password_hash]
        secrets += db.session.execute(
            select(LoginSession.token_hash).where(LoginSession.member_id == member.id)
        ).scalars()
        secrets += db.session.execute(
            select(AuthToken.token_hash).where(AuthToken.member_id == member.id)
        ).scalars()
        admin = db.session.get(Member, populated.admin_id)
        data = services.export_member(member, actor=admin)
        db.session.commit()
    text = json.dumps(data, ensure_ascii=False)
    assert data["controller"] == "Privatby Kommune"
    for policy in POLICIES:
        if policy.export is not None:
            assert data[policy.table], f"the export has no {policy.table} rows"
    [record] = data["member"]
    assert (record["name"], record["email"], record["has_password"]) == (NAME, EMAIL, True)
    assert {token["purpose"] for token in data["auth_token"]} == {"invite", "login", "reset"}
    assert all(attempt["questions"] for attempt in data["quiz_attempt"])
    assert [row["email"] for preview in data["pending_import"] for row in preview["rows"]] == [EMAIL]
    assert {event["as"] for event in data["audit_event"]} == {"actor", "subject"}
    assert len(data["certificate"]) == 3
    assert "password_hash" not in text
    assert "token_hash" not in text
    for secret in secrets:
        assert secret not in text
    # Someone else's reminder (sent by the member) is not theirs to receive.
    assert len(data["reminder"]) == 1
    with app.app_context():
        [event] = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "member.exported")
        ).scalars()
        assert (event.actor_id, event.member_id) == (populated.admin_id, populated.member_id)


def test_erasure_leaves_no_row_that_names_the_member(app):
    populated = populate(app)
    with app.app_context():
        before = member_rows(populated.member_id)
        assert text_columns_mentioning(FINGERPRINTS), "the fixture should put the name in the database"
        other_rows = member_rows(populated.other_id)
        member = db.session.get(Member, populated.member_id)
        services.erase_member(member, actor=db.session.get(Member, populated.admin_id))
        db.session.commit()
        db.session.expire_all()

        assert text_columns_mentioning(FINGERPRINTS) == []
        after = member_rows(populated.member_id)
        for table in (
            "login_session",
            "auth_token",
            "reminder",
            "video_progress",
            "module_progress",
            "quiz_attempt",
        ):
            assert before[f"{table}.member_id"] > 0
            assert after[f"{table}.member_id"] == 0, table
        # Kept, anonymous: the completion and certificates (so codes verify), and the audit trail.
        assert after["course_completion.member_id"] == 1
        assert after["certificate.member_id"] == 3
        assert after["audit_event.member_id"] == before["audit_event.member_id"] + 1
        assert after["audit_event.actor_id"] == before["audit_event.actor_id"]
        # The other member keeps everything, including the reminder the erased member sent them.
        assert member_rows(populated.other_id) == other_rows

        member = db.session.get(Member, populated.member_id)
        assert (member.name, member.email, member.password_hash, member.locale) == (
            "",
            erased_email(member.id),
            None,
            None,
        )
        assert member.erased_at is not None
        assert member.removed_at is not None
        assert not member.is_admin
        assert member.joined_at is None

        for certificate in db.session.execute(select(Certificate)).scalars():
            assert certificate.revoked_at is not None
            assert (certificate.member_name, certificate.correction) == ("", None)
        [event] = db.session.execute(select(AuditEvent).where(AuditEvent.action == "member.erased")).scalars()
        assert event.details == {"by": "administrator"}
        assert (event.actor_id, event.member_id) == (populated.admin_id, populated.member_id)


def test_every_code_of_an_erased_member_verifies_as_revoked(app):
    populated = populate(app)
    with app.app_context():
        services.erase_member(db.session.get(Member, populated.member_id), actor=None)
        db.session.commit()
        for code in populated.codes:
            result = verify_certificate(code)
            assert result is not None
            assert result.status == "revoked"
            assert not result.member_name


def test_audit_details_never_hold_names_or_addresses(app):
    """Events are append-only, so erasure relies on them holding ids only."""
    populate(app)
    with app.app_context():
        for event in db.session.execute(select(AuditEvent)).scalars():
            text = json.dumps(event.details, ensure_ascii=False).lower()
            assert not any(fingerprint in text for fingerprint in FINGERPRINTS), event.action
            assert "@" not in text, event.action


def test_a_round_the_member_started_is_exported_and_kept_for_the_council(app):
    """A round belongs to the whole council: erasing the administrator who started it keeps it, pointing
    at the anonymous row; the export lists it, and the rounds the member's records belong to."""
    populated = populate(app)
    with app.app_context():
        member = db.session.get(Member, populated.member_id)
        council = db.session.get(Council, populated.council_id)
        first_round = council.current_round_id
        started = start_round(council, actor=member).id
        db.session.commit()
        data = services.export_member(member, actor=None)
        by_id = {row["id"]: row for row in data["course_round"]}
        assert set(by_id) == {first_round, started}
        assert by_id[started]["started_by_member"] is True
        assert by_id[first_round]["started_by_member"] is False
        assert {row["round_id"] for row in data["module_progress"]} == {first_round}
        assert {row["round_id"] for row in data["course_completion"]} == {first_round}

        services.erase_member(member, actor=None)
        db.session.commit()
        db.session.expire_all()
        kept = db.session.get(CourseRound, started)
        assert kept is not None
        assert kept.started_by_id == populated.member_id
        assert db.session.get(Member, populated.member_id).name == ""
        assert db.session.get(Council, populated.council_id).current_round_id == started
