"""issue: aging marks (leave ages, current work state and since when)

The aging view placed open items and drew its bands from every move of the open and
completed items on each request (2.2 CPU-s for a 100,000-issue board). The marks are now
derived once when an issue is stored (vger.metrics.aging.aging_marks) and kept on its
row: ``leave_days`` (the age at leaving each state, packed as ``state_days``),
``state_position`` and ``state_since``. ``vger db upgrade`` re-derives the boards whose
issues predate this revision (vger.store.db.upgrade).

Revision ID: 0010_issue_aging_marks
Revises: 0009_pr_review_stages
Create Date: 2026-11-27 19:45:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0010_issue_aging_marks'
down_revision = '0009_pr_review_stages'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('issue') as batch_op:
        batch_op.add_column(sa.Column('leave_days', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('state_position', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('state_since', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('issue') as batch_op:
        batch_op.drop_column('state_since')
        batch_op.drop_column('state_position')
        batch_op.drop_column('leave_days')
