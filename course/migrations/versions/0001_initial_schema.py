"""Councils, members, sessions, learning state and audit log

Revision ID: 0001
Revises:
Create Date: 2026-11-21 16:50:40.070966

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "council",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("default_locale", sa.String(length=2), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("country IN ('dk', 'se')", name=op.f("ck_council_country")),
        sa.CheckConstraint("default_locale IN ('da', 'sv', 'en')", name=op.f("ck_council_default_locale")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council")),
        sa.UniqueConstraint("slug", name=op.f("uq_council_slug")),
    )
    op.create_table(
        "member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("is_platform_admin", sa.Boolean(), nullable=False),
        sa.Column("locale", sa.String(length=2), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("locale IS NULL OR locale IN ('da', 'sv', 'en')", name=op.f("ck_member_locale")),
        sa.CheckConstraint("role IN ('councillor', 'substitute', 'staff')", name=op.f("ck_member_role")),
        sa.ForeignKeyConstraint(
            ["council_id"], ["council.id"], name=op.f("fk_member_council_id_council"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member")),
        sa.UniqueConstraint("email", name=op.f("uq_member_email")),
    )
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_member_council_id"), ["council_id"], unique=False)

    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("council_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["member.id"], name=op.f("fk_audit_event_actor_id_member"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["council_id"],
            ["council.id"],
            name=op.f("fk_audit_event_council_id_council"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_audit_event_member_id_member"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index("ix_audit_event_council_created", ["council_id", "created_at"], unique=False)

    op.create_table(
        "course_completion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content_version", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_course_completion_member_id_member"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_completion")),
        sa.UniqueConstraint("member_id", name=op.f("uq_course_completion_member_id")),
    )
    op.create_table(
        "login_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_login_session_member_id_member"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_login_session_token_hash")),
    )
    with op.batch_alter_table("login_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_session_member_id"), ["member_id"], unique=False)

    op.create_table(
        "module_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.String(length=63), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("video_completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("video_route", sa.String(length=10), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "video_route IS NULL OR video_route IN ('video', 'transcript')",
            name=op.f("ck_module_progress_video_route"),
        ),
        sa.CheckConstraint(
            "completed_at IS NULL OR video_completed_at IS NOT NULL",
            name=op.f("ck_module_progress_completed_after_video"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_module_progress_member_id_member"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_module_progress")),
        sa.UniqueConstraint("member_id", "module_id", name=op.f("uq_module_progress_member_id_module_id")),
    )
    op.create_table(
        "quiz_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.String(length=63), nullable=False),
        sa.Column("quiz_id", sa.String(length=63), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content_version", sa.String(length=40), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("correct_count", sa.Integer(), nullable=True),
        sa.Column("score", sa.Double(), nullable=True),
        sa.Column("is_passed", sa.Boolean(), nullable=True),
        sa.CheckConstraint("number >= 1", name=op.f("ck_quiz_attempt_number")),
        sa.CheckConstraint(
            "score IS NULL OR (score >= 0 AND score <= 1)", name=op.f("ck_quiz_attempt_score")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_quiz_attempt_member_id_member"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_attempt")),
    )
    with op.batch_alter_table("quiz_attempt", schema=None) as batch_op:
        batch_op.create_index("ix_quiz_attempt_member_quiz", ["member_id", "quiz_id"], unique=False)

    op.create_table(
        "video_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.String(length=63), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("intervals", sa.JSON(), nullable=False),
        sa.Column("seconds_watched", sa.Double(), nullable=False),
        sa.Column("duration", sa.Double(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_report_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("seconds_watched >= 0", name=op.f("ck_video_progress_seconds_watched")),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_video_progress_member_id_member"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_video_progress")),
        sa.UniqueConstraint(
            "member_id", "module_id", "language", name=op.f("uq_video_progress_member_id_module_id_language")
        ),
    )
    op.create_table(
        "attempt_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(length=63), nullable=False),
        sa.Column("option_order", sa.JSON(), nullable=False),
        sa.Column("chosen", sa.JSON(), nullable=True),
        sa.Column("is_correct", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["quiz_attempt.id"],
            name=op.f("fk_attempt_question_attempt_id_quiz_attempt"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attempt_question")),
        sa.UniqueConstraint("attempt_id", "position", name=op.f("uq_attempt_question_attempt_id_position")),
    )
    with op.batch_alter_table("attempt_question", schema=None) as batch_op:
        batch_op.create_index("ix_attempt_question_question", ["question_id"], unique=False)


def downgrade():
    with op.batch_alter_table("attempt_question", schema=None) as batch_op:
        batch_op.drop_index("ix_attempt_question_question")

    op.drop_table("attempt_question")
    op.drop_table("video_progress")
    with op.batch_alter_table("quiz_attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_quiz_attempt_member_quiz")

    op.drop_table("quiz_attempt")
    op.drop_table("module_progress")
    with op.batch_alter_table("login_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_session_member_id"))

    op.drop_table("login_session")
    op.drop_table("course_completion")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_council_created")

    op.drop_table("audit_event")
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_council_id"))

    op.drop_table("member")
    op.drop_table("council")
