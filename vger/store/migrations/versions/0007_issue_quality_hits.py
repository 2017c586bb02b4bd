"""issue_quality: the history-based data-quality checks, stored per issue

The checks that read an issue's status history (reopened, moved backwards, skipped the
interval, …) run when the issue is stored, so the quality report no longer reads every
transition. Boards stored before this revision are listed in ``quality_stale``: ``vger db
upgrade`` (vger.store.db.upgrade) computes their hits right after migrating, and until
then the report reads the whole history as before.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 16:20:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0006'
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
        'quality_stale',
        sa.Column('board_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['board_id'], ['board.id'],
            name=op.f('fk_quality_stale_board_id_board'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('board_id', name=op.f('pk_quality_stale')),
    )
    # Every existing board's hits are still to be computed (by vger db upgrade).
    op.execute('INSERT INTO quality_stale (board_id) SELECT id FROM board')


def downgrade() -> None:
    op.drop_table('quality_stale')
    op.drop_table('issue_quality')
