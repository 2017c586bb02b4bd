"""Jira runs use the scope name of their lock: jira:<board slug>

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 13:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.get_bind().execute(sa.text(
        "UPDATE sync SET scope = 'jira:' || scope WHERE source = 'jira' AND scope NOT LIKE 'jira:%'"
    ))


def downgrade() -> None:
    op.get_bind().execute(sa.text(
        "UPDATE sync SET scope = substr(scope, 6) WHERE source = 'jira' AND scope LIKE 'jira:%'"
    ))
