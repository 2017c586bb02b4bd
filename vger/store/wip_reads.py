"""Reads for the aging and WIP views, bounded by the range: what they cost grows with
the range and the work in progress, not with the board's whole history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pandas as pd
from sqlalchemy import Connection, and_, or_, select

from vger.store import schema as s
from vger.store.boards import Board
from vger.store.frames import _utc, read_frame, stamp
from vger.store.queries import type_filter


def aging_rows(
    conn: Connection,
    board: Board,
    begin: datetime,
    end: datetime,
    types: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The issues the aging view needs, with their aging marks (no history): every issue
    started and not done (the work in progress), and the issues completed with a done in
    [begin, end) (UTC; the bands' history). Columns: ``issue_id``, ``key``, ``summary``,
    ``issue_type``, ``created``, ``start``, ``done``, ``outcome``, ``state_position``,
    ``state_since`` and ``leave_days`` (packed, :mod:`vger.store.statepack`)."""
    i = s.issue
    base = and_(i.c.board_id == board.id, type_filter(board, types), i.c.start.is_not(None))
    # Two reads, each driven by the index on (board_id, done): the open issues, and the
    # issues completed in the range.
    parts = [
        and_(base, i.c.done.is_(None)),
        and_(base, i.c.outcome == "completed", i.c.done >= begin, i.c.done < end),
    ]
    issues = [
        read_frame(
            conn,
            select(
                i.c.issue_id,
                i.c.key,
                i.c.summary,
                i.c.issue_type,
                stamp(i.c.created),
                stamp(i.c.start),
                stamp(i.c.done),
                i.c.outcome,
                i.c.state_position,
                stamp(i.c.state_since),
                i.c.leave_days,
            ).where(wanted),
        )
        for wanted in parts
    ]
    frame = _utc(pd.concat(issues, ignore_index=True), "created", "start", "done", "state_since")
    frame["summary"] = frame["summary"].fillna("").astype(str)
    return frame


def wip_rows(
    conn: Connection,
    board: Board,
    begin: datetime,
    end: datetime,
    types: Sequence[str] | None = None,
) -> pd.DataFrame:
    """``issue_id``, ``key``, ``start``, ``done`` (UTC) of the issues in progress at some
    time of [begin, end): started before ``end`` and not done before ``begin``. Those are
    all the daily WIP and the weekly net flow of the range count."""
    i = s.issue
    stmt = select(i.c.issue_id, i.c.key, stamp(i.c.start), stamp(i.c.done)).where(
        i.c.board_id == board.id,
        type_filter(board, types),
        i.c.start.is_not(None),
        i.c.start < end,
        or_(i.c.done.is_(None), i.c.done >= begin),
    )
    return _utc(read_frame(conn, stmt), "start", "done")
