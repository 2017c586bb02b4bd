"""issue_quality: the history-based data-quality checks, stored per issue

The checks that read an issue's status history (reopened, moved backwards, skipped the
interval, …) are computed from the stored issues, not at request time, so the quality
report no longer reads every transition. Issues saved since their hits were computed are
listed in ``quality_pending`` (all of them for a store from before this revision): ``vger
db upgrade`` (vger.store.db.upgrade) and the end of every sync run compute their hits in
one batch; until then the report computes theirs from their own history when read.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 16:20:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'issue_quality',
        sa.Column('board_id', sa.Integer(), nullable=False),
        sa.Column('issue_id', sa.String(length=64), nullable=False),
        sa.Column('check_id', sa.String(length=64), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('detail', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ['board_id', 'issue_id'], ['issue.board_id', 'issue.issue_id'],
            name=op.f('fk_issue_quality_board_id_issue'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('board_id', 'issue_id', 'check_id', 'seq', name=op.f('pk_issue_quality')),
    )
    op.create_table(
        'quality_pending',
        sa.Column('board_id', sa.Integer(), nullable=False),
        sa.Column('issue_id', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ['board_id', 'issue_id'], ['issue.board_id', 'issue.issue_id'],
            name=op.f('fk_quality_pending_board_id_issue'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('board_id', 'issue_id', name=op.f('pk_quality_pending')),
    )
    # Every stored issue's hits are still to be computed (by vger db upgrade right after).
    op.execute('INSERT INTO quality_pending (board_id, issue_id) SELECT board_id, issue_id FROM issue')


def downgrade() -> None:
    op.drop_table('quality_pending')
    op.drop_table('issue_quality')
