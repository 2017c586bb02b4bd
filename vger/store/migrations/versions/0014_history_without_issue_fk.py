"""transition, issue_state_time, issue_flag: no foreign key to issue

Every row a load inserts into these tables had its issue looked up by the foreign key's
check: on PostgreSQL a trigger and an index probe per row, the largest part of the
server's CPU per stored issue (10 moves and ~5 state times each). Nothing relies on the
constraint: every path that removes issues deletes their history itself, by board and
issue id (vger.store.issues.save_issues / delete_issues, vger.store.boards.delete_board,
and so vger.store.teams.delete_team), and the tests check that none leaves a row behind.
The primary keys (board_id, issue_id, ...) and ix_transition_board_at stay.

SQLite cannot drop a constraint: the three tables are recreated (batch mode, foreign keys
off for the migration, see migrations/env.py), their rows copied.

Revision ID: 0014_history_without_issue_fk
Revises: 0013_flow_day_counts
Create Date: 2026-11-28 07:00:00
"""

from alembic import op

revision = "0014_history_without_issue_fk"
down_revision = "0013_flow_day_counts"
branch_labels = None
depends_on = None

TABLES = ("transition", "issue_state_time", "issue_flag")


def _name(table: str) -> str:
    return f"fk_{table}_board_id_issue"  # the schema's naming convention


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(_name(table), type_="foreignkey")


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.create_foreign_key(
                _name(table),
                "issue",
                ["board_id", "issue_id"],
                ["board_id", "issue_id"],
                ondelete="CASCADE",
            )
