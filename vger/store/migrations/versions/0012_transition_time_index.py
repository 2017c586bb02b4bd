"""index on transition (board_id, at, issue_id) for range reads of the moves

Revision ID: 0012_transition_time_index
Revises: 0011_pr_issue_links
Create Date: 2026-11-27 20:00:00
"""

from alembic import op

revision = "0012_transition_time_index"
down_revision = "0011_pr_issue_links"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The cumulative flow of a range reads the moves made since its first day
    # (vger.store.flow_reads.flow_changes): without this index SQLite scans every transition
    # of the board (1,000,000 on a 100,000-issue board) to find a 13-week range's few.
    # issue_id makes it cover the first step, which issues moved since the range began
    # (0.1 CPU-s of table lookups less for the 126,000 moves of 13 weeks).
    op.create_index("ix_transition_board_at", "transition", ["board_id", "at", "issue_id"])


def downgrade() -> None:
    op.drop_index("ix_transition_board_at", table_name="transition")
