"""Sessions: when each was last used, and on which browser and system

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 19:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("login_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("browser", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("platform", sa.String(length=40), nullable=True))
    # A session open before the upgrade was last seen, as far as anyone knows, when it began.
    op.execute("UPDATE login_session SET last_seen_at = created_at")
    with op.batch_alter_table("login_session", schema=None) as batch_op:
        batch_op.alter_column("last_seen_at", existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade():
    with op.batch_alter_table("login_session", schema=None) as batch_op:
        batch_op.drop_column("platform")
        batch_op.drop_column("browser")
        batch_op.drop_column("last_seen_at")
