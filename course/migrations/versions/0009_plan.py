"""The council's plan against threats and harassment: one draft per council and its adopted versions

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 15:00:19.754966

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "plan_draft",
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("review_on", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["council_id"], ["council.id"], name=op.f("fk_plan_draft_council_id_council"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["member.id"],
            name=op.f("fk_plan_draft_updated_by_id_member"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("council_id", name=op.f("pk_plan_draft")),
    )
    op.create_table(
        "plan_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("adopted_on", sa.Date(), nullable=False),
        sa.Column("decision_reference", sa.String(length=300), nullable=False),
        sa.Column("next_review_on", sa.Date(), nullable=False),
        sa.Column("adopted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("adopted_by_id", sa.Integer(), nullable=True),
        sa.Column("review_reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("length(decision_reference) > 0", name=op.f("ck_plan_version_decision_reference")),
        sa.CheckConstraint("number > 0", name=op.f("ck_plan_version_number")),
        sa.ForeignKeyConstraint(
            ["adopted_by_id"],
            ["member.id"],
            name=op.f("fk_plan_version_adopted_by_id_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["council_id"],
            ["council.id"],
            name=op.f("fk_plan_version_council_id_council"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_version")),
        sa.UniqueConstraint("council_id", "number", name=op.f("uq_plan_version_council_id_number")),
    )
    with op.batch_alter_table("plan_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_version_council_id"), ["council_id"], unique=False)


def downgrade():
    with op.batch_alter_table("plan_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_version_council_id"))

    op.drop_table("plan_version")
    op.drop_table("plan_draft")
