"""Reads for the aging and WIP views, bounded by the range: what they cost grows with
the range and the work in progress, not with the board's whole history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pandas as pd
from sqlalchemy import Connection, and_, or_, select

from vger.store import schema as s
from vger.store.boards import Board
from vger.store.queries import _utc, read_frame, type_filter


def aging_rows(
    conn: Connection,
    board: Board,
    begin: datetime,
    end: datetime,
    types: Sequence[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The issues the aging view needs and their status history: every issue started
    and not done (the work in progress), and the issues completed with a start in
    [begin, end) (UTC; the bands' history). Issues: ``issue_id``, ``key``, ``summary``,
    ``issue_type``, ``created``, ``status_id``, ``start``, ``done``, ``outcome``;
    transitions: ``issue_id``, ``seq``, ``at``, ``from_status_id``, ``to_status_id``."""
    i, t = s.issue, s.transition
    wanted = and_(
        i.c.board_id == board.id,
        type_filter(board, types),
        i.c.start.is_not(None),
        or_(
            i.c.done.is_(None),
            and_(i.c.outcome == "completed", i.c.done >= begin, i.c.done < end),
        ),
    )
    issues = read_frame(
        conn,
        select(
            i.c.issue_id,
            i.c.key,
            i.c.summary,
            i.c.issue_type,
            i.c.created,
            i.c.status_id,
            i.c.start,
            i.c.done,
            i.c.outcome,
        ).where(wanted),
    )
    moves = read_frame(
        conn,
        select(t.c.issue_id, t.c.seq, t.c.at, t.c.from_status_id, t.c.to_status_id)
        .join(i, and_(i.c.board_id == t.c.board_id, i.c.issue_id == t.c.issue_id))
        .where(t.c.board_id == board.id, wanted),
    )
    issues = _utc(issues, "created", "start", "done")
    issues["summary"] = issues["summary"].fillna("").astype(str)
    return issues, _utc(moves, "at")


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
    stmt = select(i.c.issue_id, i.c.key, i.c.start, i.c.done).where(
        i.c.board_id == board.id,
        type_filter(board, types),
        i.c.start.is_not(None),
        i.c.start < end,
        or_(i.c.done.is_(None), i.c.done >= begin),
    )
    return _utc(read_frame(conn, stmt), "start", "done")
