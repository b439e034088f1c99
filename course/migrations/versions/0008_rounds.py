"""Rounds: the course once per council term, and who takes it

Every completion, attempt, certificate and reminder belongs to a round: one council's course in one council
term. Existing data goes into the round of the term in which it happened: a member's progress, attempts and
online completion into the term of their completion (or, without one, of their last activity), so that a
member's record stays whole; a seminar completion into the term of its date; a certificate into its
completion's round; a reminder into the term it was sent in. Every council gets a round for its current
term, which becomes its current round, and its due date moves into the round whose term it falls in.

Downgrading keeps each council's current round only.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 19:50:00.000000

"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# The council calendar as it stands at this revision (course.people.calendar may change later; a migration
# must not).
TIMEZONES = {"dk": "Europe/Copenhagen", "se": "Europe/Stockholm"}
ELECTION_YEAR = {"dk": 2025, "se": 2026}
TERM_LAST_DAY = {"dk": (12, 31), "se": (10, 14)}

ROUND_TABLES = (
    "video_progress",
    "module_progress",
    "quiz_attempt",
    "course_completion",
    "seminar_completion",
    "certificate",
    "reminder",
)


def _term(country: str, on: date) -> tuple[date, date]:
    year = on.year + (ELECTION_YEAR[country] - on.year) % 4
    month, day = TERM_LAST_DAY[country]
    end = date(year, month, day)
    if end < on:
        end = date(year + 4, month, day)
    return end.replace(year=end.year - 4) + timedelta(days=1), end


def _local_date(country: str, moment: datetime | date | str) -> date:
    if isinstance(moment, str):  # SQLite hands back text
        moment = datetime.fromisoformat(moment) if len(moment) > 10 else date.fromisoformat(moment)
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(ZoneInfo(TIMEZONES.get(country, "Europe/Copenhagen"))).date()
    return moment


def upgrade():
    op.create_table(
        "course_round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("term_start", sa.Date(), nullable=False),
        sa.Column("term_end", sa.Date(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_by_id", sa.Integer(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("carries_over", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.CheckConstraint("term_end > term_start", name=op.f("ck_course_round_term")),
        sa.ForeignKeyConstraint(
            ["council_id"],
            ["council.id"],
            name=op.f("fk_course_round_council_id_council"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["started_by_id"],
            ["member.id"],
            name=op.f("fk_course_round_started_by_id_member"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_round")),
        sa.UniqueConstraint("council_id", "term_start", name=op.f("uq_course_round_council_id_term_start")),
    )
    with op.batch_alter_table("course_round", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_course_round_council_id"), ["council_id"], unique=False)

    with op.batch_alter_table("council", schema=None) as batch_op:
        batch_op.add_column(sa.Column("current_round_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_council_current_round_id", "course_round", ["current_round_id"], ["id"], ondelete="SET NULL"
        )
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.add_column(sa.Column("takes_course", sa.Boolean(), server_default=sa.true(), nullable=False))
    op.execute("UPDATE member SET takes_course = false WHERE role = 'staff'")

    for table in ROUND_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("round_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("module_progress", schema=None) as batch_op:
        batch_op.add_column(sa.Column("video_coverage", sa.Double(), server_default="0", nullable=False))
    with op.batch_alter_table("course_completion", schema=None) as batch_op:
        batch_op.add_column(sa.Column("carried_from_id", sa.Integer(), nullable=True))

    _move_existing_data_into_rounds()

    for table in ROUND_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("round_id", existing_type=sa.Integer(), nullable=False)
            batch_op.create_foreign_key(
                op.f(f"fk_{table}_round_id_course_round"),
                "course_round",
                ["round_id"],
                ["id"],
                ondelete="CASCADE",
            )
            if table != "quiz_attempt":
                batch_op.create_index(batch_op.f(f"ix_{table}_round_id"), ["round_id"], unique=False)

    with op.batch_alter_table("video_progress", schema=None) as batch_op:
        batch_op.drop_constraint("uq_video_progress_member_id_module_id_language", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_video_progress_round_id_member_id_module_id_language"),
            ["round_id", "member_id", "module_id", "language"],
        )
    with op.batch_alter_table("module_progress", schema=None) as batch_op:
        batch_op.drop_constraint("uq_module_progress_member_id_module_id", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_module_progress_round_id_member_id_module_id"),
            ["round_id", "member_id", "module_id"],
        )
        batch_op.create_check_constraint("video_coverage", "video_coverage >= 0 AND video_coverage <= 1")
    with op.batch_alter_table("quiz_attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_quiz_attempt_member_quiz")
        batch_op.create_index(
            "ix_quiz_attempt_round_member_quiz", ["round_id", "member_id", "quiz_id"], unique=False
        )
    with op.batch_alter_table("course_completion", schema=None) as batch_op:
        batch_op.drop_constraint("uq_course_completion_member_id", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_course_completion_round_id_member_id"), ["round_id", "member_id"]
        )
        batch_op.create_index(batch_op.f("ix_course_completion_member_id"), ["member_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_course_completion_carried_from_id_course_completion"),
            "course_completion",
            ["carried_from_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("seminar_completion", schema=None) as batch_op:
        batch_op.drop_constraint("uq_seminar_completion_member_id", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_seminar_completion_round_id_member_id"), ["round_id", "member_id"]
        )
        batch_op.create_index(batch_op.f("ix_seminar_completion_member_id"), ["member_id"], unique=False)

    with op.batch_alter_table("council", schema=None) as batch_op:
        batch_op.drop_column("due_date")


def _move_existing_data_into_rounds() -> None:
    connection = op.get_bind()
    now = datetime.now(UTC)
    councils = connection.execute(sa.text("SELECT id, country, due_date FROM council")).all()
    country_of = {council_id: country for council_id, country, _ in councils}
    rounds: dict[tuple[int, date], int] = {}

    def round_for(council_id: int, on: date) -> int:
        start, end = _term(country_of[council_id], on)
        key = (council_id, start)
        if key not in rounds:
            started = datetime.combine(start, time(0), ZoneInfo(TIMEZONES[country_of[council_id]]))
            rounds[key] = connection.execute(
                sa.text(
                    "INSERT INTO course_round (council_id, term_start, term_end, started_at, carries_over) "
                    "VALUES (:council_id, :start, :end, :started_at, false) RETURNING id"
                ),
                {"council_id": council_id, "start": start, "end": end, "started_at": min(started, now)},
            ).scalar_one()
        return rounds[key]

    for council_id, country, due_date in councils:
        current = round_for(council_id, _local_date(country, now))
        connection.execute(
            sa.text("UPDATE council SET current_round_id = :round WHERE id = :id"),
            {"round": current, "id": council_id},
        )
        if due_date is not None:
            # The round of the term the date falls in; a date beyond the current term is the current round's.
            due = _local_date(country, due_date)
            beyond = due > _term(country, _local_date(country, now))[1]
            target = current if beyond else round_for(council_id, due)
            connection.execute(
                sa.text("UPDATE course_round SET due_date = :due WHERE id = :id"), {"due": due, "id": target}
            )

    # Each member's learning record goes whole into one round: that of their online completion, else that
    # of their last activity.
    moments: dict[int, tuple[int, object]] = {}
    for member_id, council_id, completed_at, last_activity, last_attempt in connection.execute(
        sa.text(
            "SELECT m.id, m.council_id, "
            "(SELECT completed_at FROM course_completion c WHERE c.member_id = m.id), "
            "(SELECT max(last_activity_at) FROM module_progress p WHERE p.member_id = m.id), "
            "(SELECT max(started_at) FROM quiz_attempt q WHERE q.member_id = m.id) "
            "FROM member m"
        )
    ):
        moment = completed_at or last_activity or last_attempt
        if moment is not None:
            moments[member_id] = (council_id, moment)
    for member_id, (council_id, moment) in moments.items():
        round_id = round_for(council_id, _local_date(country_of[council_id], moment))
        for table in ("video_progress", "module_progress", "quiz_attempt", "course_completion"):
            connection.execute(
                sa.text(f"UPDATE {table} SET round_id = :round WHERE member_id = :member"),  # noqa: S608
                {"round": round_id, "member": member_id},
            )
    # Rows of members with neither activity nor completion (watched nothing yet) go to the current round.
    for table in ("video_progress", "module_progress", "quiz_attempt", "course_completion"):
        connection.execute(
            sa.text(
                f"UPDATE {table} SET round_id = (SELECT c.current_round_id FROM council c "  # noqa: S608
                f"JOIN member m ON m.council_id = c.id WHERE m.id = {table}.member_id) WHERE round_id IS NULL"
            )
        )
    # The watched share of each module, as it was read before: the best language.
    connection.execute(
        sa.text(
            "UPDATE module_progress SET video_coverage = coalesce((SELECT max(CASE WHEN v.duration > 0 THEN "
            "min(v.seconds_watched / v.duration, 1.0) ELSE 0 END) FROM video_progress v "
            "WHERE v.member_id = module_progress.member_id AND v.module_id = module_progress.module_id), 0)"
        )
        if connection.dialect.name == "sqlite"
        else sa.text(
            "UPDATE module_progress SET video_coverage = coalesce((SELECT max(CASE WHEN v.duration > 0 THEN "
            "least(v.seconds_watched / v.duration, 1.0) ELSE 0 END) FROM video_progress v "
            "WHERE v.member_id = module_progress.member_id AND v.module_id = module_progress.module_id), 0)"
        )
    )

    for completion_id, council_id, completed_on in connection.execute(
        sa.text("SELECT id, council_id, completed_on FROM seminar_completion")
    ):
        connection.execute(
            sa.text("UPDATE seminar_completion SET round_id = :round WHERE id = :id"),
            {
                "round": round_for(council_id, _local_date(country_of[council_id], completed_on)),
                "id": completion_id,
            },
        )
    connection.execute(
        sa.text(
            "UPDATE certificate SET round_id = coalesce("
            "(SELECT c.round_id FROM course_completion c WHERE c.id = certificate.course_completion_id), "
            "(SELECT s.round_id FROM seminar_completion s WHERE s.id = certificate.seminar_completion_id))"
        )
    )
    for reminder_id, council_id, sent_at in connection.execute(
        sa.text("SELECT id, council_id, sent_at FROM reminder")
    ):
        connection.execute(
            sa.text("UPDATE reminder SET round_id = :round WHERE id = :id"),
            {"round": round_for(council_id, _local_date(country_of[council_id], sent_at)), "id": reminder_id},
        )


def downgrade():
    connection = op.get_bind()
    with op.batch_alter_table("council", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due_date", sa.Date(), nullable=True))
    connection.execute(
        sa.text(
            "UPDATE council SET due_date = (SELECT r.due_date FROM course_round r "
            "WHERE r.id = council.current_round_id)"
        )
    )
    for table in (
        "certificate",
        "reminder",
        "seminar_completion",
        "course_completion",
        "quiz_attempt",
        "module_progress",
        "video_progress",
    ):
        connection.execute(
            sa.text(
                f"DELETE FROM {table} WHERE round_id NOT IN "  # noqa: S608
                "(SELECT current_round_id FROM council WHERE current_round_id IS NOT NULL)"
            )
        )

    with op.batch_alter_table("seminar_completion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_seminar_completion_member_id"))
        batch_op.drop_constraint(batch_op.f("uq_seminar_completion_round_id_member_id"), type_="unique")
        batch_op.create_unique_constraint("uq_seminar_completion_member_id", ["member_id"])
    with op.batch_alter_table("course_completion", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_course_completion_carried_from_id_course_completion"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_course_completion_member_id"))
        batch_op.drop_constraint(batch_op.f("uq_course_completion_round_id_member_id"), type_="unique")
        batch_op.create_unique_constraint("uq_course_completion_member_id", ["member_id"])
        batch_op.drop_column("carried_from_id")
    with op.batch_alter_table("quiz_attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_quiz_attempt_round_member_quiz")
        batch_op.create_index("ix_quiz_attempt_member_quiz", ["member_id", "quiz_id"], unique=False)
    with op.batch_alter_table("module_progress", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_module_progress_video_coverage"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("uq_module_progress_round_id_member_id_module_id"), type_="unique"
        )
        batch_op.create_unique_constraint(
            "uq_module_progress_member_id_module_id", ["member_id", "module_id"]
        )
        batch_op.drop_column("video_coverage")
    with op.batch_alter_table("video_progress", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_video_progress_round_id_member_id_module_id_language"), type_="unique"
        )
        batch_op.create_unique_constraint(
            "uq_video_progress_member_id_module_id_language", ["member_id", "module_id", "language"]
        )
    for table in ROUND_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            if table != "quiz_attempt":
                batch_op.drop_index(batch_op.f(f"ix_{table}_round_id"))
            batch_op.drop_constraint(op.f(f"fk_{table}_round_id_course_round"), type_="foreignkey")
            batch_op.drop_column("round_id")
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_column("takes_course")
    with op.batch_alter_table("council", schema=None) as batch_op:
        batch_op.drop_constraint("fk_council_current_round_id", type_="foreignkey")
        batch_op.drop_column("current_round_id")
    with op.batch_alter_table("course_round", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_course_round_council_id"))
    op.drop_table("course_round")
