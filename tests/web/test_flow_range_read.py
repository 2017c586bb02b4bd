"""The cumulative flow's range read (vger.store.flow_reads) on generated histories: the
same counts as the definition over the whole history, and a read whose size follows the
statuses and days of the range, not the number of issues or moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import event

from tests.factories import NAMES, example_board
from vger.metrics.calendar import local_midnight_to_utc
from vger.metrics.flow import cumulative_flow, flow_from_changes
from vger.store import queries, workflows
from vger.store.db import make_engine, upgrade
from vger.store.flow_reads import flow_changes
from vger.store.issues import save_issues

T0 = datetime(2024, 1, 1, tzinfo=UTC)
STATUSES = [*NAMES, "7"]  # "7" is in no work state: the (unmapped) line


def _issue(issue_id: str, created: datetime, status: str, issue_type: str) -> dict:
    return {
        "issue_id": issue_id,
        "key": f"G-{issue_id}",
        "issue_type": issue_type,
        "is_subtask": False,
        "parent_key": None,
        "summary": f"generated {issue_id}",
        "status_id": status,
        "status_name": NAMES.get(status, "Limbo"),
        "resolution": "Done" if status in ("5", "6") else None,
        "created": created,
        "updated": created,
    }


def _move(issue_id: str, seq: int, at: datetime, a: str | None, b: str) -> dict:
    return {
        "issue_id": issue_id,
        "seq": seq,
        "at": at,
        "from_status_id": a,
        "to_status_id": b,
        "from_status": NAMES.get(a or "", a),
        "to_status": NAMES.get(b, "Limbo"),
    }


def _generated(rng: np.random.Generator, n: int, consistent: bool) -> tuple[list, list]:
    """``n`` issues over 60 days from 2024-01-01, up to 6 moves each (some at the same
    instant), statuses including an unmapped one, a blank ``from`` on some first moves;
    unless ``consistent``, some moves leave a status the issue was not in."""
    issues, moves = [], []
    for k in range(n):
        iid = f"g{k}"
        created = T0 + timedelta(hours=float(rng.uniform(0, 60 * 24)))
        at, status = created, str(rng.choice(STATUSES))
        for seq in range(int(rng.integers(0, 7))):
            at += timedelta(hours=float(rng.choice([0.0, rng.exponential(60.0)])))
            to = str(rng.choice(STATUSES))
            leaves = status
            if seq == 0 and rng.random() < 0.2:
                leaves = rng.choice([None, "", " "])
            elif not consistent and rng.random() < 0.3:
                leaves = str(rng.choice(STATUSES))
            moves.append(_move(iid, seq, at, leaves, to))
            status = to
        issues.append(_issue(iid, created, status, str(rng.choice(["Story", "Bug"]))))
    return issues, moves


def _board(tmp_path, tz: str, issues: list, moves: list):
    engine = make_engine(f"sqlite:///{tmp_path / 'g.db'}")
    upgrade(engine)
    board = example_board(engine, tz=tz)
    with engine.begin() as conn:
        save_issues(conn, board, issues, moves)
    return engine, board


def _bounds(days: pd.DatetimeIndex, tz: str) -> tuple[datetime, list[datetime]]:
    ends = local_midnight_to_utc(days + pd.Timedelta(days=1), tz)
    begin = local_midnight_to_utc(days[:1], tz)[0]
    return begin.to_pydatetime(), [e.to_pydatetime() for e in ends]


def _range_flow(conn, board, workflow, days, tz, types=None) -> pd.DataFrame:
    begin, ends = _bounds(days, tz)
    read = flow_changes(conn, board, types, begin, ends)
    return flow_from_changes(read.baseline, read.changes, read.seen, workflow, days)


RANGES = [("2024-01-01", "2024-03-31"), ("2024-01-20", "2024-02-10"), ("2024-02-14", "2024-02-14")]


@pytest.mark.parametrize("tz", ["UTC", "America/New_York", "Asia/Kolkata"])
def test_range_read_equals_the_whole_history(tmp_path, tz):
    issues, moves = _generated(np.random.default_rng(5), 150, consistent=True)
    engine, board = _board(tmp_path, tz, issues, moves)
    with engine.connect() as conn:
        workflow = workflows.get_workflow(conn, board.id)
        for types in (None, ["Defect"]):
            everything = queries.quality_rows(conn, board, types)
            history = queries.issue_transitions(conn, board, types)
            for first, last in RANGES:
                days = pd.date_range(first, last, freq="D")
                expected = cumulative_flow(everything, history, workflow, days, tz)
                got = _range_flow(conn, board, workflow, days, tz, types)
                assert "(unmapped)" in got
                pd.testing.assert_frame_equal(got, expected.astype("int64"), check_names=False)


@pytest.mark.parametrize("tz", ["UTC", "Asia/Kolkata"])
def test_inconsistent_histories_start_where_the_first_move_read_leaves(tmp_path, tz):
    """A move may leave a status the history never entered: the range's flow then counts
    an issue created before the range in the status its first move in or after the range
    leaves (or its current one when it never moves again), i.e. the definition over just
    the moves since the first day."""
    issues, moves = _generated(np.random.default_rng(9), 150, consistent=False)
    engine, board = _board(tmp_path, tz, issues, moves)
    with engine.connect() as conn:
        workflow = workflows.get_workflow(conn, board.id)
        everything = queries.quality_rows(conn, board)
        history = queries.issue_transitions(conn, board)
        for first, last in RANGES:
            days = pd.date_range(first, last, freq="D")
            begin, ends = _bounds(days, tz)
            mine = everything[everything["created"] < pd.Timestamp(ends[-1])]
            since = history[
                (history["at"] >= pd.Timestamp(begin)) & history["issue_id"].isin(mine["issue_id"])
            ]
            expected = cumulative_flow(mine, since, workflow, days, tz)
            got = _range_flow(conn, board, workflow, days, tz)
            pd.testing.assert_frame_equal(got, expected.astype("int64"), check_names=False)


def _same_pattern(start: int, n: int) -> tuple[list, list]:
    """``n`` issues created one a day for 300 days before 2024-10-01, each walking To Do
    -> Selected -> In Progress -> In Review -> Done over four days."""
    issues, moves = [], []
    path = ["1", "2", "3", "4", "5"]
    for k in range(n):
        iid = f"p{start + k}"
        created = datetime(2024, 10, 1, 9, tzinfo=UTC) - timedelta(days=k % 300)
        for seq, (a, b) in enumerate(zip(path, path[1:], strict=False)):
            moves.append(_move(iid, seq, created + timedelta(days=seq, hours=1), a, b))
        issues.append(_issue(iid, created, "5", "Story"))
    return issues, moves


def test_the_read_grows_with_statuses_and_days_not_with_moves(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'big.db'}")
    upgrade(engine)
    board = example_board(engine)
    days = pd.date_range("2024-07-01", "2024-09-29", freq="D")  # 13 weeks
    begin, ends = _bounds(days, "UTC")
    statements: list[tuple[str, object]] = []
    ran_sql: list[tuple[str, object]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _seen(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    def read() -> tuple[int, int, int, pd.DataFrame]:
        """Statements the flow read runs, rows they return, moves in the range, flow."""
        with engine.connect() as conn:
            workflow = workflows.get_workflow(conn, board.id)
            statements.clear()
            got = flow_changes(conn, board, None, begin, ends)
            ran = list(statements)
            ran_sql[:] = ran
            history = queries.issue_transitions(conn, board)
        raw = engine.raw_connection()
        try:
            rows = sum(len(raw.cursor().execute(sql, p).fetchall()) for sql, p in ran)
        finally:
            raw.close()
        in_range = int((history["at"] >= pd.Timestamp(begin)).sum())
        flow = flow_from_changes(got.baseline, got.changes, got.seen, workflow, days)
        return len(ran), rows, in_range, flow

    for batch in (0, 1):  # the second batch doubles every issue and move of the first
        issues, moves = _same_pattern(1000 * batch, 900)
        with engine.begin() as conn:
            save_issues(conn, board, issues, moves)
        count, rows, in_range, flow = read()
        if batch == 0:
            first = (rows, in_range, flow)
    # the board's counts row, then the counts before the range and per day of it
    # (vger.store.flow_days): not one move read
    assert count == 3 and not any("transition" in sql for sql, _ in ran_sql)
    assert in_range == 2 * first[1] > 1000  # twice the moves in the range ...
    assert rows == first[0] < in_range / 4  # ... and not one row more read
    assert (flow.iloc[:, 1:4] == 2 * first[2].iloc[:, 1:4]).all().all()  # doubled work
