"""Revision 0007: a store configured before it gets the Jira-column defaults of the
working/waiting flags (first and last state waiting), and its data survive."""

from __future__ import annotations

from alembic import command
from sqlalchemy import func, select

from tests.factories import example_board
from vger.store import schema as s
from vger.store import working
from vger.store.db import alembic_config, upgrade


def test_upgrade_backfills_default_flags_and_keeps_issues(engine):
    board = example_board(engine)
    with engine.connect() as conn:
        issues = conn.execute(select(func.count()).select_from(s.issue)).scalar_one()
    command.downgrade(alembic_config(engine), "0006")
    upgrade(engine)
    with engine.connect() as conn:
        assert working.working_flags(conn, board.id) == {
            0: False,
            1: True,
            2: True,
            3: True,
            4: False,
        }
        assert conn.execute(select(func.count()).select_from(s.issue)).scalar_one() == issues
        assert conn.execute(select(func.count()).select_from(s.issue_flag)).scalar_one() == 0
