"""pull_request_stage: each pull request's review stages, derived when it is saved

Time to first review, first review -> last approval, approval -> merge (days, draft time
excluded), review rounds, draft days and a ``cut`` mark, one row per pull request, so the
pull-request stages view reads one row per PR. A store from before this revision has no
rows: the next GitHub sync of each repository re-reads every pull request once (it finds
pull requests without a stage row) and fills them.

Revision ID: 0009_pr_review_stages
Revises: 0008
Create Date: 2026-11-27 19:20:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0009_pr_review_stages'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'pull_request_stage',
        sa.Column('repo_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('first_review', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_approval', sa.DateTime(timezone=True), nullable=True),
        sa.Column('wait_days', sa.Float(), nullable=True),
        sa.Column('review_days', sa.Float(), nullable=True),
        sa.Column('merge_days', sa.Float(), nullable=True),
        sa.Column('rounds', sa.Integer(), nullable=False),
        sa.Column('draft_days', sa.Float(), nullable=False),
        sa.Column('cut', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ['repo_id', 'number'], ['pull_request.repo_id', 'pull_request.number'],
            name=op.f('fk_pull_request_stage_repo_id_pull_request'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('repo_id', 'number', name=op.f('pk_pull_request_stage')),
    )


def downgrade() -> None:
    op.drop_table('pull_request_stage')
