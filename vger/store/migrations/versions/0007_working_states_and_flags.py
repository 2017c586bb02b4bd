"""working/waiting work states and Jira's Flagged history

work_state.working: whether time in the state is working time (flow efficiency).
Existing boards get the default of Jira board columns: working, except the first and
the last state. issue_flag: the "Flagged" (impediment) changes of each issue's changelog.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 16:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('work_state', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('working', sa.Boolean(), nullable=False, server_default=sa.true())
        )
    bind = op.get_bind()
    bind.execute(sa.text(
        "UPDATE work_state SET working = :no WHERE position = 0 OR position = "
        "(SELECT MAX(w.position) FROM work_state w WHERE w.board_id = work_state.board_id)"
    ), {"no": False})
    op.create_table(
        'issue_flag',
        sa.Column('board_id', sa.Integer(), nullable=False),
        sa.Column('issue_id', sa.String(length=64), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('flagged', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ['board_id', 'issue_id'], ['issue.board_id', 'issue.issue_id'],
            name=op.f('fk_issue_flag_board_id_issue'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('board_id', 'issue_id', 'seq', name=op.f('pk_issue_flag')),
    )


def downgrade() -> None:
    op.drop_table('issue_flag')
    with op.batch_alter_table('work_state', schema=None) as batch_op:
        batch_op.drop_column('working')
