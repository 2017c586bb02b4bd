"""index on (board_id, created) for range reads

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 13:30:00
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A range's issues are those created or done in it: with this index beside
    # ix_issue_board_done the store reads just them (SQLite: a MULTI-INDEX OR).
    op.create_index("ix_issue_board_created", "issue", ["board_id", "created"])


def downgrade() -> None:
    op.drop_index("ix_issue_board_created", table_name="issue")
