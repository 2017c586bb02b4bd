"""A quadrant view of a board with three years of history reads only the issues its range
needs (created or done from the first week of its rolling window), plus two aggregates,
and its numbers equal those computed from the whole history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import event

from tests.factories import example_board, issue, moves
from vger.config import Settings
from vger.metrics.headlines import quadrant_headlines
from vger.metrics.quadrant import QuadrantOptions, issue_quadrant
from vger.store import boards, queries
from vger.store.db import make_engine, upgrade
from vger.store.issues import save_issues
from vger.web import cache
from vger.web.params import parse
from vger.web.views.common import choose_board
from vger.web.views.quadrant.data import quadrant_data

NOW = datetime(2024, 12, 18, 15, 0, tzinfo=UTC)  # a Wednesday
WEEKS, PER_WEEK = 156, 6
FIRST = datetime(2022, 1, 3, 9, 0, tzinfo=UTC)


def _history() -> tuple[list[dict], list[dict], list[tuple[datetime, datetime | None]]]:
    """PER_WEEK issues a week for WEEKS weeks: most done 2-9 days after creation, every
    5th abandoned, every 7th still in progress. Returns issues, moves and (created, done)."""
    rows, steps, spans = [], [], []
    for n in range(WEEKS * PER_WEEK):
        created = FIRST + timedelta(days=7 * (n // PER_WEEK), hours=17 * (n % PER_WEEK))
        issue_id, key = str(10_000 + n), f"BIG-{n + 1}"
        kind = "Story" if n % 2 else "Bug"
        fmt = "%Y-%m-%d %H:%M"
        start = (created + timedelta(days=1)).strftime(fmt)
        if n % 7 == 3:  # still in progress
            rows.append(issue(issue_id, key, kind, created.strftime(fmt), "In Progress", None))
            steps += moves(issue_id, ("To Do", "In Progress", start))
            spans.append((created, None))
            continue
        done = created + timedelta(days=2 + n % 8, hours=n % 5)
        resolution = "Won't Do" if n % 5 == 0 else "Done"
        rows.append(issue(issue_id, key, kind, created.strftime(fmt), "Done", resolution))
        steps += moves(
            issue_id, ("To Do", "In Progress", start), ("In Progress", "Done", done.strftime(fmt))
        )
        spans.append((created, done))
    return rows, steps, spans


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """The example board plus three years of history, on SQLite, and a Flask app."""
    from vger.web import create_app

    path = tmp_path_factory.mktemp("range") / "range.db"
    settings = Settings(_env_file=None, database_url=f"sqlite:///{path}", secret_key="k")
    engine = make_engine(settings.database_url)
    upgrade(engine)
    board = example_board(engine)
    rows, steps, spans = _history()
    with engine.begin() as conn:
        save_issues(conn, board, rows, steps)
    app = create_app(settings, engine=engine)
    app.server.config["VGER_NOW"] = NOW
    return app, engine, spans


def _view(app, engine, query: dict):
    params = parse(query).params
    with app.server.test_request_context(), engine.connect() as conn:
        choice = choose_board(conn, params)
        return quadrant_data(conn, choice, NOW)


def _from_whole_history(engine, data) -> tuple:
    """The quadrant computed by the metrics from every stored issue of the filter."""
    p = data.choice.params
    with engine.connect() as conn:
        board = boards.get_board(conn, "example")
        items = queries.issue_items(conn, board, p.types or None, lean=True, state_days=True)
        states = queries.completed_state_times_of(conn, board, items)
    opts = QuadrantOptions(
        first_day=pd.Timestamp(data.first_day),
        last_day=pd.Timestamp(data.last_day),
        tz=board.tz,
        now=pd.Timestamp(NOW),
        window=data.window,
        rolling=p.lines == "rolling",
        relative_backlog=p.backlog == "relative",
    )
    quadrant, by_state = issue_quadrant(items.drop(columns="state_days"), states, opts)
    headlines = quadrant_headlines(items, quadrant.grid, board.tz, pd.Timestamp(NOW), noun="issues")
    return quadrant, by_state, headlines


@pytest.mark.parametrize(
    "query",
    [
        {"board": "example", "from": "2024-09-16", "to": "2024-12-18"},
        {"board": "example", "from": "2024-09-16", "to": "2024-12-18", "backlog": "relative"},
        {"board": "example", "from": "2024-09-16", "to": "2024-12-18", "lines": "straight"},
        {"board": "example", "from": "2024-09-16", "to": "2024-12-18", "types": "Defect"},
        {"board": "example", "from": "2024-09-16", "to": "2024-12-18", "leadtime": "states"},
        {"board": "example", "from": "2023-01-02", "to": "2024-12-18", "window": "4"},
        {"board": "example", "from": "2021-06-07", "to": "2022-03-06"},  # reaches the start
    ],
)
def test_range_read_gives_the_numbers_of_the_whole_history(big, query):
    app, engine, _ = big
    data = _view(app, engine, query)
    expected, by_state, headlines = _from_whole_history(engine, data)
    if query["from"] == "2024-09-16":  # data began long before the previous period
        assert data.headlines.previous is not None
    assert data.headlines == headlines  # the comparison period is read too
    q = data.quadrant
    assert q.throughput["count"].sum() > 0
    pd.testing.assert_index_equal(q.grid.labels, expected.grid.labels)
    for name in ("throughput", "backlog", "lead_time"):
        pd.testing.assert_frame_equal(getattr(q, name), getattr(expected, name))
    pd.testing.assert_series_equal(q.variation, expected.variation)
    assert q.lead_time_overall == pytest.approx(expected.lead_time_overall, nan_ok=True)
    if query.get("leadtime") == "states":
        pd.testing.assert_frame_equal(
            data.by_state.reset_index(drop=True), by_state.reset_index(drop=True)
        )


def test_a_13_week_view_reads_a_bounded_number_of_rows(big):
    app, engine, spans = big
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with app.server.app_context():
        cache.clear()  # measure a cold view
    event.listen(engine, "before_cursor_execute", seen)
    try:
        data = _view(app, engine, {"board": "example", "from": "2024-09-16", "to": "2024-12-18"})
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    # The read reaches back over the rolling window (11 weeks before the range's first
    # Monday) and over the previous period of the range's 14 weeks, which the headlines
    # compare with: the longer of the two.
    weeks = len(data.quadrant.grid)
    assert weeks == 14
    since = datetime(2024, 9, 16, tzinfo=UTC) - timedelta(weeks=max(data.window - 1, weeks))
    needed = sum(1 for c, d in spans if c >= since or (d is not None and d >= since))
    stored = len(spans) + 4  # and the example's four issues, all from January 2024
    assert len(data.items) == needed  # exactly the issues the range and its window need
    assert needed < stored / 5  # three years stored, not read
    assert data.stored == stored
    # choose_board counts the board's issues for the per-request issue-days budget (one
    # indexed count, no rows); the view itself makes one aggregate and one range read.
    counts = [s for s in statements if s.startswith("SELECT count(*)") and "FROM issue" in s]
    assert len(counts) <= 1
    reads = [s for s in statements if "FROM issue" in s and s not in counts]
    assert len(reads) == 2  # one aggregate (first creation, counts before), the rows


@pytest.mark.parametrize(
    "query",
    [
        {"board": "example", "from": "2024-09-16", "to": "2024-12-18"},
        {"board": "example", "from": "2024-09-18", "to": "2024-12-17", "types": "Defect"},
        {"board": "example", "from": "2021-06-07", "to": "2022-03-06"},  # reaches the start
        {"board": "example", "from": "2025-01-06", "to": "2025-02-06"},  # in the future
    ],
)
def test_the_lead_time_rows_are_the_quadrants_completed_issues(big, query):
    """The lead-time CSV reads its rows on its own (one range read, no charts): the
    quadrant's completed issues of the range, with the details it merged onto them."""
    from vger.web.views.quadrant.data import completed_with_details, leadtime_rows

    app, engine, _ = big
    data = _view(app, engine, query)
    with app.server.test_request_context(), engine.connect() as conn:
        choice = choose_board(conn, parse(query).params)
        expected = completed_with_details(conn, data)
        got = leadtime_rows(conn, choice, NOW)
    assert (got.first_day, got.last_day, got.source) == (data.first_day, data.last_day, "jira")
    future = query["from"] == "2025-01-06"
    assert (len(expected) == 0) if future else (len(expected) > 20)
    order = ["done", "key"]
    expected = expected.sort_values(order).reset_index(drop=True)
    got_rows = got.completed.sort_values(order).reset_index(drop=True)[list(expected.columns)]
    pd.testing.assert_frame_equal(got_rows, expected, check_dtype=not future)
