"""pull_issue_link: the Jira keys each pull request names (issues linked to PRs);
board.review_lead_time: the option "lead time includes code review" (off)

Keys found in a pull request's title, branch name or body link it to the issue of that
key (vger.metrics.links); they are written when the PR is saved. The stored PRs keep
only their titles, so this revision links them from their titles (the same pattern,
upper-case keys only); their branches and bodies are read by the next full GitHub sync
(``vger etl --full``).

Revision ID: 0011_pr_issue_links
Revises: 0010_issue_aging_marks
Create Date: 2026-11-27 19:40:00
"""
import re

from alembic import op
import sqlalchemy as sa

revision = '0011_pr_issue_links'
down_revision = '0010_issue_aging_marks'
branch_labels = None
depends_on = None

_KEY = re.compile(r"(?<![A-Za-z0-9_])([A-Z][A-Z0-9_]+)-([0-9]+)(?![A-Za-z0-9_])")


def upgrade() -> None:
    op.create_table(
        'pull_issue_link',
        sa.Column('repo_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('issue_key', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ['repo_id', 'number'], ['pull_request.repo_id', 'pull_request.number'],
            name=op.f('fk_pull_issue_link_repo_id_pull_request'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('repo_id', 'number', 'issue_key', name=op.f('pk_pull_issue_link')),
    )
    op.create_index('ix_pull_issue_link_issue_key', 'pull_issue_link', ['issue_key'])
    with op.batch_alter_table('board') as batch:
        batch.add_column(
            sa.Column('review_lead_time', sa.Boolean(), nullable=False, server_default=sa.false())
        )
    conn = op.get_bind()
    rows = []
    for repo_id, number, title in conn.execute(sa.text('SELECT repo_id, number, title FROM pull_request')):
        keys = {f'{p}-{int(n)}' for p, n in _KEY.findall(title or '') if int(n) > 0}
        rows += [{'repo_id': repo_id, 'number': number, 'issue_key': k} for k in sorted(keys)]
    if rows:
        conn.execute(
            sa.text('INSERT INTO pull_issue_link (repo_id, number, issue_key) VALUES (:repo_id, :number, :issue_key)'),
            rows,
        )


def downgrade() -> None:
    with op.batch_alter_table('board') as batch:
        batch.drop_column('review_lead_time')
    op.drop_index('ix_pull_issue_link_issue_key', table_name='pull_issue_link')
    op.drop_table('pull_issue_link')
