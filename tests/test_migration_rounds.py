"""The rounds migration puts existing data into the round of the term in which it happened, on a database of
its own (SQLite, or a new PostgreSQL database when the suite runs on PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from course.extensions import db
from course.people import calendar
from tests.conftest import make_test_app, own_database


@pytest.fixture
def fresh_url(tmp_path) -> Iterator[str]:
    with own_database(tmp_path, prefix="council_course_rounds") as url:
        yield url


def test_existing_data_goes_into_the_round_of_its_term(fresh_url, tmp_path):
    app = make_test_app(fresh_url, tmp_path / "instance")
    long_ago = datetime(2024, 3, 12, 10, tzinfo=UTC)
    recently = datetime.now(UTC)
    with app.app_context():
        upgrade(revision="0007")
        statements = [
            "INSERT INTO council (id, slug, name, country, default_locale, created_at,"
            " has_automatic_certificates, has_certificate_email, due_date)"
            " VALUES (1, 'gammelby', 'Gammelby', 'dk', 'da', :t, true, true, :due)",
            "INSERT INTO member (id, council_id, name, email, role, is_admin, is_platform_admin, created_at)"
            " VALUES (1, 1, 'Anna', 'anna@example.org', 'councillor', false, false, :t),"
            " (2, 1, 'Bo', 'bo@example.org', 'staff', false, false, :t)",
            "INSERT INTO module_progress (member_id, module_id, started_at, last_activity_at, completed_at,"
            " video_completed_at, video_route)"
            " VALUES (1, 'm', :t, :t, :t, :t, 'video'), (2, 'm', :r, :r, NULL, NULL, NULL)",
            "INSERT INTO course_completion (member_id, completed_at, content_version) VALUES (1, :t, 'v')",
            "INSERT INTO reminder (council_id, member_id, kind, sent_at) VALUES (1, 2, 'manual', :r)",
        ]
        with db.engine.begin() as connection:
            for statement in statements:
                connection.execute(text(statement), {"t": long_ago, "r": recently, "due": date(2031, 1, 1)})
        upgrade()
        with db.engine.connect() as connection:
            rounds = connection.execute(
                text("SELECT id, term_start, term_end, due_date FROM course_round ORDER BY term_start")
            ).all()
            current_id = connection.execute(text("SELECT current_round_id FROM council")).scalar_one()
            completion_round = connection.execute(text("SELECT round_id FROM course_completion")).scalar_one()
            progress = dict(connection.execute(text("SELECT member_id, round_id FROM module_progress")).all())
            reminder_round = connection.execute(text("SELECT round_id FROM reminder")).scalar_one()
            takes = dict(connection.execute(text("SELECT id, takes_course FROM member")).all())
    old, current = rounds
    today_term = calendar.term_of("dk", calendar.today("dk"))
    assert (str(old.term_start), str(old.term_end)) == ("2022-01-01", "2025-12-31")
    assert str(current.term_start) == today_term.start.isoformat()
    assert current_id == current.id
    # Anna's whole record is in the 2022-2025 round; Bo's recent start and reminder in the current one.
    assert completion_round == old.id
    assert progress == {1: old.id, 2: current.id}
    assert reminder_round == current.id
    # The due date beyond the current term stays with the current round.
    assert str(current.due_date) == "2031-01-01"
    assert old.due_date is None
    assert bool(takes[1])
    assert not bool(takes[2])
