"""Certificates, seminar completions, and the councils' certificate settings

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 18:44:11.630595

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "seminar_completion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("content_version", sa.String(length=40), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(reason) > 0", name=op.f("ck_seminar_completion_reason")),
        sa.ForeignKeyConstraint(
            ["council_id"],
            ["council.id"],
            name=op.f("fk_seminar_completion_council_id_council"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_seminar_completion_member_id_member"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["member.id"],
            name=op.f("fk_seminar_completion_recorded_by_id_member"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seminar_completion")),
        sa.UniqueConstraint("member_id", name=op.f("uq_seminar_completion_member_id")),
    )
    with op.batch_alter_table("seminar_completion", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_seminar_completion_council_id"), ["council_id"], unique=False)

    op.create_table(
        "certificate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("course_completion_id", sa.Integer(), nullable=True),
        sa.Column("seminar_completion_id", sa.Integer(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=15), nullable=False),
        sa.Column("member_name", sa.String(length=200), nullable=False),
        sa.Column("council_name", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("course_id", sa.String(length=63), nullable=False),
        sa.Column("module_ids", sa.JSON(), nullable=False),
        sa.Column("content_version", sa.String(length=40), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("correction", sa.String(length=500), nullable=True),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.Column("revoke_reason", sa.String(length=500), nullable=True),
        sa.CheckConstraint(
            "(course_completion_id IS NULL) <> (seminar_completion_id IS NULL)",
            name=op.f("ck_certificate_one_completion"),
        ),
        sa.CheckConstraint(
            "(revoked_at IS NULL AND revoke_reason IS NULL) OR "
            "(revoked_at IS NOT NULL AND revoke_reason IS NOT NULL)",
            name=op.f("ck_certificate_revoke_reason"),
        ),
        sa.CheckConstraint("length(code) = 15", name=op.f("ck_certificate_code")),
        sa.CheckConstraint("revision >= 1", name=op.f("ck_certificate_revision")),
        sa.CheckConstraint("valid_until >= completed_on", name=op.f("ck_certificate_valid_after_completion")),
        sa.ForeignKeyConstraint(
            ["council_id"], ["council.id"], name=op.f("fk_certificate_council_id_council"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["course_completion_id"],
            ["course_completion.id"],
            name=op.f("fk_certificate_course_completion_id_course_completion"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"],
            ["member.id"],
            name=op.f("fk_certificate_issued_by_id_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_certificate_member_id_member"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"],
            ["member.id"],
            name=op.f("fk_certificate_revoked_by_id_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["seminar_completion_id"],
            ["seminar_completion.id"],
            name=op.f("fk_certificate_seminar_completion_id_seminar_completion"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate")),
        sa.UniqueConstraint("code", name=op.f("uq_certificate_code")),
        sa.UniqueConstraint(
            "course_completion_id", "revision", name=op.f("uq_certificate_course_completion_id_revision")
        ),
        sa.UniqueConstraint(
            "seminar_completion_id", "revision", name=op.f("uq_certificate_seminar_completion_id_revision")
        ),
    )
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certificate_council_id"), ["council_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_certificate_member_id"), ["member_id"], unique=False)

    with op.batch_alter_table("council", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("has_automatic_certificates", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("has_certificate_email", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(sa.Column("certificate_valid_until", sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table("council", schema=None) as batch_op:
        batch_op.drop_column("certificate_valid_until")
        batch_op.drop_column("has_certificate_email")
        batch_op.drop_column("has_automatic_certificates")

    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_member_id"))
        batch_op.drop_index(batch_op.f("ix_certificate_council_id"))

    op.drop_table("certificate")
    with op.batch_alter_table("seminar_completion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_seminar_completion_council_id"))

    op.drop_table("seminar_completion")
