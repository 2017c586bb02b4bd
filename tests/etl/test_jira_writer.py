"""One store connection per board run (``etl.run_writer``): the pages' reads and writes
go through the writer's connection, checked out once a run whatever the number of pages,
and the board's statuses are written only when a page changes them; real HTTP to the fake
Jira, SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

from sqlalchemy import event

from etl.jira_sync import sync_board
from tests.etl.conftest import settings_for
from tests.etl.test_jira_etl import T0, make_board, many
from vger.store import workflows


def _watch(engine) -> tuple[Counter, list[str]]:
    """Pool checkouts per thread kind (``jira-writer``, ``jira-page``, ...) and the
    statements writing the ``status`` table."""
    checkouts: Counter = Counter()
    writes: list[str] = []

    def checkout(*_args) -> None:
        checkouts[threading.current_thread().name.split("_")[0]] += 1

    def statement(_conn, _cursor, sql, *_args) -> None:
        if sql.lstrip().upper().startswith("INSERT INTO STATUS "):
            writes.append(sql)

    event.listen(engine.pool, "checkout", checkout)
    event.listen(engine, "before_cursor_execute", statement)
    return checkouts, writes


def test_a_runs_pages_share_one_connection_and_write_statuses_once(engine, fake_jira):
    many(fake_jira, 350)  # 4 pages of 100, each naming the same statuses
    board = make_board(engine, jira_board_id=None)
    settings = settings_for(fake_jira)
    checkouts, writes = _watch(engine)
    report = sync_board(engine, board, settings)
    assert report.ok, report.error
    assert report.added == 350
    assert checkouts["jira-writer"] == 1  # every page's reads and writes
    assert checkouts["jira-page"] == 0  # the pages' completion reads through the writer
    assert len(writes) == 1  # the first page's statuses; the next pages name no new one
    with engine.connect() as conn:
        assert workflows.statuses(conn, board.id) == {"1": "To Do", "2": "Doing"}

    # Jira renames a status: the next run's page naming it stores the new name.
    fake_jira.add_status("1", "Open", "new")
    fake_jira.move("EX-7", T0 + timedelta(days=400), "1")
    writes.clear()
    report = sync_board(engine, board, settings)
    assert report.ok, report.error
    assert report.updated == 1 and len(writes) == 1
    with engine.connect() as conn:
        assert workflows.statuses(conn, board.id)["1"] == "Open"
