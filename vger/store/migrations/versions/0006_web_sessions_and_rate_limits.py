"""web sessions and rate limits

Server-side login sessions (revoked on logout and when the admin password changes) and
login-attempt counters shared by every worker, for stores without Redis.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 13:10:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'web_session',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('user_name', sa.String(length=200), nullable=False),
        sa.Column('password_tag', sa.String(length=64), nullable=False),
        sa.Column('created', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_web_session')),
    )
    op.create_index('ix_web_session_last_seen', 'web_session', ['last_seen'], unique=False)
    op.create_table(
        'rate_limit',
        sa.Column('key', sa.String(length=250), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('expires', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_limit')),
    )


def downgrade() -> None:
    op.drop_table('rate_limit')
    op.drop_index('ix_web_session_last_seen', table_name='web_session')
    op.drop_table('web_session')
