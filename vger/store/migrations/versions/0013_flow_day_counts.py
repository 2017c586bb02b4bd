"""flow_day: the cumulative flow's per-day counts, kept when issues are saved

A 13-week flow of a 100,000-issue board read its 126,000 moves (0.6 CPU-s on SQLite);
it now reads the counts per status and day (vger.store.flow_days). The tables start
empty: ``vger db upgrade`` (vger.store.db.upgrade) counts every board that has no
``flow_day_board`` row, right after this revision.

Revision ID: 0013_flow_day_counts
Revises: 0012_transition_time_index
Create Date: 2026-11-28 01:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_flow_day_counts"
down_revision = "0012_transition_time_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "flow_day",
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.Column("issue_type", sa.String(length=100), nullable=False),
        sa.Column("is_subtask", sa.Boolean(), nullable=False),
        sa.Column("status_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.Column("entered", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["board_id"], ["board.id"], name=op.f("fk_flow_day_board_id_board"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint(
            "board_id", "issue_type", "is_subtask", "status_id", "day", name=op.f("pk_flow_day")
        ),
    )
    op.create_table(
        "flow_day_board",
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.Column("tz", sa.String(length=64), nullable=False),
        sa.Column("odd", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["board_id"],
            ["board.id"],
            name=op.f("fk_flow_day_board_board_id_board"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("board_id", name=op.f("pk_flow_day_board")),
    )


def downgrade() -> None:
    op.drop_table("flow_day_board")
    op.drop_table("flow_day")
