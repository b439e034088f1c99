"""Indexes for counting every council's members, administrators and certificates

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 19:10:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    # The roster index begins with the council, so it serves every look-up the old one did.
    op.create_index("ix_member_council_roster", "member", ["council_id", "takes_course", "removed_at"])
    op.drop_index("ix_member_council_id", table_name="member")
    op.create_index(
        "ix_member_council_admins",
        "member",
        ["council_id", "removed_at"],
        sqlite_where=sa.text("is_admin IS 1"),
        postgresql_where=sa.text("is_admin IS true"),
    )
    op.create_index(
        "ix_certificate_council_in_force",
        "certificate",
        ["council_id"],
        sqlite_where=sa.text("replaced_at IS NULL AND revoked_at IS NULL"),
        postgresql_where=sa.text("replaced_at IS NULL AND revoked_at IS NULL"),
    )


def downgrade():
    op.drop_index("ix_certificate_council_in_force", table_name="certificate")
    op.drop_index("ix_member_council_admins", table_name="member")
    op.create_index("ix_member_council_id", "member", ["council_id"])
    op.drop_index("ix_member_council_roster", table_name="member")
