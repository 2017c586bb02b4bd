"""Item 4 of issue 13: every page says how fresh the board's data is and its tab names
board and page."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import update

from tests.web.conftest import NOW
from vger.store import boards
from vger.store import schema as s
from vger.store.sync import finish_run, start_run
from vger.web.freshness import freshness_line


def _synced(app, hours_ago: float) -> None:
    engine = app.server.extensions["vger"]["engine"]
    with engine.begin() as conn:
        board = boards.get_board(conn, "example")
        run = start_run(conn, "jira", "board:example", board.id)
        finish_run(conn, run, "ok")
        finished = NOW - timedelta(hours=hours_ago)
        conn.execute(update(s.sync).where(s.sync.c.id == run).values(finished=finished))


def _text(component) -> str:
    return str(component.children)


def test_freshness_line_names_the_last_sync_and_its_age(example_app):
    _synced(example_app, 5.5)
    with example_app.server.test_request_context():
        line = freshness_line("?board=example")
    assert type(line).__name__ == "P"
    assert re.fullmatch(r"Data as of 2024-02-01 \d\d:30 \(.+\), 5 hours ago\.", _text(line))


def test_older_than_two_days_is_a_warning(example_app):
    _synced(example_app, 50)
    with example_app.server.test_request_context():
        line = freshness_line("?board=example")
    assert type(line).__name__ == "Alert"
    assert "50 hours ago" in _text(line) and "more than two days" in _text(line)


def test_never_synced_says_so_and_unknown_boards_say_nothing(example_app):
    with example_app.server.test_request_context():
        assert "No successful sync" in _text(freshness_line("?board=example"))
        assert freshness_line("?board=nope") == ""
