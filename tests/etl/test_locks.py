"""Locks that hold: a sync longer than the lock's staleness keeps its lock (heartbeat),
a board or team is not deleted while one of its boards syncs, and runs and locks share
one scope name."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from etl.jira_sync import sync_board
from etl.lease import Lease
from tests.etl.conftest import serve_example, settings_for
from tests.etl.test_jira_etl import make_board
from vger.errors import LockedError
from vger.store import boards, sync, teams
from vger.store import schema as s


def test_a_sync_longer_than_the_staleness_keeps_its_lock(sqlite_engine, fake_dc):
    """Staleness 1 s; the sync hangs on its search page for 3 s. Without the heartbeat a
    second run would take the lock over after 1 s and both would write the board."""
    engine = sqlite_engine
    serve_example(fake_dc)
    board = make_board(engine)
    settings = settings_for(fake_dc, jira_timeout=20.0, lock_stale_seconds=1.0)
    fake_dc.hang_after_search = 0  # the first search page waits for release
    result = {}
    first = threading.Thread(target=lambda: result.update(r=sync_board(engine, board, settings)))
    first.start()
    try:
        deadline = time.monotonic() + 10
        while fake_dc.search_pages == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(3.0)  # three times the staleness
        second = sync_board(engine, board, settings)
        assert not second.ok and "another sync is running" in second.error
        with engine.connect() as conn:
            assert sync.held_locks(conn, ["jira:ex"], timedelta(seconds=1)) == ["jira:ex"]
    finally:
        fake_dc.hang_after_search = None
        fake_dc.release.set()
        first.join(30)
    assert result["r"].ok, result["r"].error
    with engine.connect() as conn:
        assert conn.execute(select(s.sync_lock)).first() is None  # released at the end
        (run,) = sync.runs(conn, "jira", "jira:ex", limit=5)[:1]
    assert run["status"] == "ok" and run["scope"] == "jira:ex"  # the lock's name


def test_a_lease_taken_over_is_noticed(sqlite_engine):
    with Lease(sqlite_engine, "jira:x", timedelta(seconds=0.3)) as lease:
        with sqlite_engine.begin() as conn:
            sync.break_lock(conn, "jira:x", lease.owner)
        time.sleep(0.5)
        assert lease.lost


@pytest.mark.parametrize("what", ["board", "team"])
def test_no_deletion_while_a_board_syncs(engine, what):
    with engine.begin() as conn:
        teams.add_team(conn, "t")
        board_id = boards.add_board(conn, "ex", "t", jql="project = EX")
        boards.add_repo(conn, board_id, "o/r")
    with Lease(engine, "github:o/r", timedelta(seconds=60)):
        with pytest.raises(LockedError, match="while board ex syncs \\(github:o/r\\)"):
            with engine.begin() as conn:
                if what == "board":
                    boards.delete_board(conn, "ex")
                else:
                    teams.delete_team(conn, "t")
        with engine.connect() as conn:
            assert boards.get_board(conn, "ex").id == board_id  # nothing deleted
    with engine.begin() as conn:  # the sync ended: deletion goes through
        if what == "board":
            boards.delete_board(conn, "ex")
        else:
            teams.delete_team(conn, "t")
        assert conn.execute(select(s.board)).first() is None
