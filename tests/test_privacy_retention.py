"""Retention: members who have left are erased by `council-course purge` once their council's retention
date has passed; by default one year after the end of the council term in which they left."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from course.admin.models import PendingImport
from course.audit.models import AuditEvent
from course.db import utcnow
from course.extensions import db
from course.people.models import Council, Member
from course.privacy.services import default_retention_until, plan_purge


@pytest.mark.parametrize(
    ("country", "left_on", "kept_until"),
    [
        # Denmark: elected November 2025, the term runs 1 January 2026 to 31 December 2029.
        ("dk", date(2026, 3, 1), date(2030, 12, 31)),
        ("dk", date(2029, 12, 31), date(2030, 12, 31)),
        ("dk", date(2030, 1, 1), date(2034, 12, 31)),
        # Between the election and the new year the outgoing council still holds office.
        ("dk", date(2025, 12, 1), date(2026, 12, 31)),
        # Sweden: elected September 2026, the term runs 15 October 2026 to 14 October 2030.
        ("se", date(2026, 10, 15), date(2031, 10, 14)),
        ("se", date(2026, 9, 20), date(2027, 10, 14)),
        ("se", date(2030, 10, 14), date(2031, 10, 14)),
    ],
)
def test_the_default_keeps_data_one_year_after_the_term(country, left_on, kept_until):
    assert default_retention_until(country, left_on) == kept_until


@pytest.fixture
def council(make):
    return make.council("gammelby")


def left(app, member, removed_at: datetime) -> None:
    with app.app_context():
        db.session.get(Member, member.id).removed_at = removed_at
        db.session.commit()


def test_purge_erases_only_members_whose_retention_has_passed(app, make, council, runner):
    long_gone = make.member(council, "long.gone@gammelby.example", name="Lang Borte")
    recently = make.member(council, "recently@gammelby.example", name="Nylig Borte")
    staying = make.member(council, "staying@gammelby.example", name="Bliver Her")
    # Left in March 2020: the term ended 31 December 2021, the data is kept until 31 December 2022.
    left(app, long_gone, datetime(2020, 3, 1, 12, tzinfo=UTC))
    left(app, recently, utcnow())

    dry = runner.invoke(args=["purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert (
        f"would erase member {long_gone.id} of gammelby (left 2020-03-01, kept until 2022-12-31)"
        in dry.output
    )
    assert str(recently.id) + " of" not in dry.output
    assert "Nothing was changed." in dry.output
    with app.app_context():
        assert db.session.get(Member, long_gone.id).erased_at is None

    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert f"erased member {long_gone.id} of gammelby" in result.output
    assert "Erased 1 member(s)" in result.output
    # Ids only: the scheduler's log holds no names or addresses.
    assert "Lang Borte" not in result.output
    assert "long.gone" not in result.output
    with app.app_context():
        assert db.session.get(Member, long_gone.id).erased_at is not None
        assert db.session.get(Member, long_gone.id).name == ""
        assert db.session.get(Member, recently.id).erased_at is None
        assert db.session.get(Member, staying.id).erased_at is None
        [event] = db.session.execute(select(AuditEvent).where(AuditEvent.action == "member.erased")).scalars()
        assert (event.actor_id, event.member_id, event.details) == (None, long_gone.id, {"by": "retention"})

    again = runner.invoke(args=["purge"])
    assert "Erased 0 member(s)" in again.output


def test_a_council_date_that_has_passed_erases_everyone_who_has_left(app, make, council, runner):
    recently = make.member(council, "recently@gammelby.example")
    staying = make.member(council, "staying@gammelby.example")
    elsewhere = make.member(make.council("andetby"), "elsewhere@andetby.example")
    left(app, recently, utcnow())
    left(app, elsewhere, utcnow())
    with app.app_context():
        db.session.get(Council, council.id).retention_until = date(2024, 1, 31)
        db.session.commit()
    result = runner.invoke(args=["purge", "--council", "gammelby"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.get(Member, recently.id).erased_at is not None
        assert db.session.get(Member, staying.id).erased_at is None
        assert db.session.get(Member, elsewhere.id).erased_at is None


def test_a_council_date_in_the_future_keeps_the_data(app, make, council):
    gone = make.member(council, "gone@gammelby.example")
    left(app, gone, datetime(2020, 3, 1, 12, tzinfo=UTC))
    with app.app_context():
        db.session.get(Council, council.id).retention_until = date(2099, 12, 31)
        db.session.commit()
        assert plan_purge().members == []


def test_purge_deletes_expired_roster_previews(app, make, council, runner):
    with app.app_context():
        db.session.add(
            PendingImport(
                council_id=council.id,
                filename="roster.csv",
                rows=[{"number": 1, "name": "A", "email": "a@example.dk", "role": "", "language": ""}],
                created_at=datetime(2026, 1, 1, tzinfo=UTC),
                expires_at=datetime(2026, 1, 1, 1, tzinfo=UTC),
            )
        )
        db.session.commit()
    assert "1 expired import preview(s)" in runner.invoke(args=["purge", "--dry-run"]).output
    with app.app_context():
        assert db.session.execute(select(PendingImport)).first() is not None
    runner.invoke(args=["purge"])
    with app.app_context():
        assert db.session.execute(select(PendingImport)).first() is None


def test_purge_of_an_unknown_council_fails(runner):
    result = runner.invoke(args=["purge", "--council", "nowhere"])
    assert result.exit_code == 1
    assert "no council with the slug 'nowhere'" in result.output
