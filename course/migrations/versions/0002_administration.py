"""Administration: one-time sign-in links, roster imports, reminders, due date, removed members

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 17:33:55.584402

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "auth_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=10), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("purpose IN ('invite', 'login', 'reset')", name=op.f("ck_auth_token_purpose")),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_auth_token_member_id_member"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_auth_token_token_hash")),
    )
    with op.batch_alter_table("auth_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auth_token_member_id"), ["member_id"], unique=False)

    op.create_table(
        "pending_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["council_id"],
            ["council.id"],
            name=op.f("fk_pending_import_council_id_council"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["member.id"],
            name=op.f("fk_pending_import_uploaded_by_id_member"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_import")),
    )
    with op.batch_alter_table("pending_import", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pending_import_council_id"), ["council_id"], unique=False)

    op.create_table(
        "reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("sent_by_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('manual', 'scheduled', 'due_soon', 'overdue')", name=op.f("ck_reminder_kind")
        ),
        sa.ForeignKeyConstraint(
            ["council_id"], ["council.id"], name=op.f("fk_reminder_council_id_council"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_reminder_member_id_member"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["sent_by_id"], ["member.id"], name=op.f("fk_reminder_sent_by_id_member"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder")),
    )
    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reminder_council_id"), ["council_id"], unique=False)
        batch_op.create_index("ix_reminder_member_sent", ["member_id", "sent_at"], unique=False)

    with op.batch_alter_table("council", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due_date", sa.Date(), nullable=True))

    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.add_column(sa.Column("invited_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("joined_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_column("removed_at")
        batch_op.drop_column("joined_at")
        batch_op.drop_column("invited_at")

    with op.batch_alter_table("council", schema=None) as batch_op:
        batch_op.drop_column("due_date")

    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.drop_index("ix_reminder_member_sent")
        batch_op.drop_index(batch_op.f("ix_reminder_council_id"))

    op.drop_table("reminder")
    with op.batch_alter_table("pending_import", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pending_import_council_id"))

    op.drop_table("pending_import")
    with op.batch_alter_table("auth_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_token_member_id"))

    op.drop_table("auth_token")
