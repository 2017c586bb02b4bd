"""The cumulative flow's day counts (vger.store.flow_days) as the store keeps them: after
saves that replace issues' histories, deletions, a time-zone change and ``vger db
upgrade`` on a store never counted, the stored counts are what counting every issue
afresh gives, and the flow they answer is the definition over the whole history; an odd
history sends the flow back to the moves until it is replaced."""

from __future__ import annotations

import numpy as np
import pandas as pd
import sqlalchemy as sa

from tests.factories import example_board
from tests.web.test_flow_range_read import _bounds, _generated
from vger.metrics.flow import cumulative_flow, flow_from_changes
from vger.store import flow_days, queries, teams, workflows
from vger.store import schema as s
from vger.store.boards import get_board
from vger.store.db import upgrade
from vger.store.flow_reads import flow_changes
from vger.store.issues import delete_issues, save_issues


def _stored(conn, board_id: int) -> pd.DataFrame:
    d = s.flow_day
    rows = conn.execute(
        sa.select(d.c.issue_type, d.c.is_subtask, d.c.status_id, d.c.day, d.c.delta, d.c.entered)
        .where(d.c.board_id == board_id, (d.c.delta != 0) | (d.c.entered != 0))
        .order_by(d.c.issue_type, d.c.is_subtask, d.c.status_id, d.c.day)
    ).all()
    return pd.DataFrame([tuple(r) for r in rows])


def _afresh(engine, board) -> tuple[pd.DataFrame, tuple]:
    """The stored counts and board row as a rebuild leaves them (rolled back)."""
    with engine.connect() as conn:
        with conn.begin() as tx:
            flow_days.rebuild(conn, board)
            fresh = _stored(conn, board.id)
            meta = tuple(conn.execute(sa.select(s.flow_day_board)).one())
            tx.rollback()
    return fresh, meta


def _assert_flow_is_the_definition(engine, board, tz: str) -> None:
    with engine.connect() as conn:
        workflow = workflows.get_workflow(conn, board.id)
        everything = queries.quality_rows(conn, board)
        history = queries.issue_transitions(conn, board)
        for first, last in [("2024-01-01", "2024-03-31"), ("2024-01-25", "2024-02-12")]:
            days = pd.date_range(first, last, freq="D")
            begin, ends = _bounds(days, tz)
            assert flow_days.read_counts(conn, board, None, begin, ends) is not None
            read = flow_changes(conn, board, None, begin, ends)
            got = flow_from_changes(read.baseline, read.changes, read.seen, workflow, days)
            want = cumulative_flow(everything, history, workflow, days, tz)
            pd.testing.assert_frame_equal(got, want.astype("int64"), check_names=False)


def test_saves_and_deletions_keep_the_counts_of_a_fresh_count(engine):
    board = example_board(engine, tz="America/New_York")
    issues, moves = _generated(np.random.default_rng(3), 120, consistent=True)
    with engine.begin() as conn:
        save_issues(conn, board, issues[:80], [m for m in moves if int(m["issue_id"][1:]) < 80])
        # the second batch re-saves 40 of the first with other histories (the generator's
        # issues g40..g79 of another seed), and adds 40 new ones
        again, again_moves = _generated(np.random.default_rng(4), 80, consistent=True)
        save_issues(
            conn,
            board,
            again[40:] + issues[80:],
            [m for m in again_moves if int(m["issue_id"][1:]) >= 40]
            + [m for m in moves if int(m["issue_id"][1:]) >= 80],
        )
        delete_issues(conn, board.id, ["g3", "g50", "g99"])
    with engine.connect() as conn:
        kept = _stored(conn, board.id)
        meta = tuple(conn.execute(sa.select(s.flow_day_board)).one())
    fresh, fresh_meta = _afresh(engine, board)
    assert len(kept) > 100
    pd.testing.assert_frame_equal(kept, fresh)
    assert meta == fresh_meta == (board.id, "America/New_York", 0)
    _assert_flow_is_the_definition(engine, board, "America/New_York")


def test_an_odd_history_reads_the_moves_until_it_is_replaced(engine):
    board = example_board(engine)
    issues, moves = _generated(np.random.default_rng(5), 60, consistent=True)
    with engine.begin() as conn:
        save_issues(conn, board, issues, moves)
    counts = pd.Series([m["issue_id"] for m in moves]).value_counts()
    iid = str(counts[counts >= 2].index[0])  # an issue that moved at least twice
    odd = [dict(m) for m in moves if m["issue_id"] == iid]
    odd[-1]["from_status_id"] = "not-where-it-was"  # leaves a status it never entered
    days = pd.date_range("2024-01-01", "2024-03-31", freq="D")
    begin, ends = _bounds(days, "UTC")
    with engine.begin() as conn:
        save_issues(conn, board, [i for i in issues if i["issue_id"] == iid], odd)
        assert flow_days.read_counts(conn, board, None, begin, ends) is None  # the moves
        save_issues(conn, board, [i for i in issues if i["issue_id"] == iid], odd[:-1])
        assert flow_days.read_counts(conn, board, None, begin, ends) is None  # current != last
        fixed = [m for m in moves if m["issue_id"] == iid]
        save_issues(conn, board, [i for i in issues if i["issue_id"] == iid], fixed)
    _assert_flow_is_the_definition(engine, board, "UTC")


def test_a_new_time_zone_recounts_and_upgrade_counts_a_board_never_counted(engine):
    board = example_board(engine, tz="UTC")
    issues, moves = _generated(np.random.default_rng(6), 80, consistent=True)
    with engine.begin() as conn:
        save_issues(conn, board, issues, moves)
        teams.update_team(
            conn, "ex-team", name="Example team", tz="Asia/Kolkata", fiscal_start_month=1
        )
        board = get_board(conn, board.slug)
        assert conn.execute(sa.select(s.flow_day_board.c.tz)).scalar() == "Asia/Kolkata"
    _assert_flow_is_the_definition(engine, board, "Asia/Kolkata")
    with engine.begin() as conn:  # a store from before revision 0013
        conn.execute(sa.delete(s.flow_day))
        conn.execute(sa.delete(s.flow_day_board))
        days = pd.date_range("2024-01-01", "2024-01-31", freq="D")
        begin, ends = _bounds(days, "Asia/Kolkata")
        assert flow_days.read_counts(conn, board, None, begin, ends) is None
    upgrade(engine)
    _assert_flow_is_the_definition(engine, board, "Asia/Kolkata")
