"""Revision 0011: a store with pull requests from before links gets its PRs linked from
their titles (upper-case keys standing alone, as vger.metrics.links reads titles), and
the board option "lead time includes code review" off."""

from __future__ import annotations

from alembic import command
from sqlalchemy import select

from tests.factories import example_board
from tests.pr_links import store_example_prs
from vger.store import boards
from vger.store import schema as s
from vger.store.db import alembic_config, upgrade


def test_upgrade_links_stored_prs_from_their_titles(engine):
    board = example_board(engine)
    store_example_prs(engine, board)  # titles: "[EX-1] Fix login", "Bump deps", "EX-2b tweak"
    command.downgrade(alembic_config(engine), "0010_issue_aging_marks")
    upgrade(engine)
    with engine.connect() as conn:
        rows = conn.execute(select(s.pull_issue_link.c.number, s.pull_issue_link.c.issue_key)).all()
        assert sorted(map(tuple, rows)) == [(1, "EX-1")]  # branch and body wait for a full sync
        assert boards.get_board(conn, "example").review_lead_time is False
