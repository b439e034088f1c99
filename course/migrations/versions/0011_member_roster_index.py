"""A council's roster indexed by who takes the course and who is still on it

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 19:10:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    # The new index begins with the council, so it serves every look-up the old one did.
    op.create_index("ix_member_council_roster", "member", ["council_id", "takes_course", "removed_at"])
    op.drop_index("ix_member_council_id", table_name="member")


def downgrade():
    op.create_index("ix_member_council_id", "member", ["council_id"])
    op.drop_index("ix_member_council_roster", table_name="member")
