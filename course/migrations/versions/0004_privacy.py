"""Privacy: erased members and the councils' retention date

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 10:02:31.114210

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("council", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retention_until", sa.Date(), nullable=True))
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
    with op.batch_alter_table("council", schema=None) as batch_op:
        batch_op.drop_column("retention_until")
