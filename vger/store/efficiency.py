"""Reads of the efficiency view: the completed issues of a range with their packed
per-state days (:mod:`vger.store.statepack`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pandas as pd
from sqlalchemy import Connection, select

from vger.store import schema as s
from vger.store.boards import Board
from vger.store.frames import _utc, read_frame, stamp
from vger.store.queries import _completed_in


def completed_items(
    conn: Connection,
    board: Board,
    start: datetime,
    end: datetime,
    types: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Issues completed in [start, end) (UTC) with a lead time: ``issue_id``, ``key``,
    ``summary``, ``issue_type``, ``start``, ``done`` (UTC), ``lead_time`` (calendar or
    working days per the board option) and ``state_days`` (packed), by ``done``."""
    i = s.issue
    lead = i.c.lead_time_working_days if board.working_days else i.c.lead_time_days
    stmt = (
        select(
            i.c.issue_id,
            i.c.key,
            i.c.summary,
            i.c.issue_type,
            stamp(i.c.start),
            stamp(i.c.done),
            lead.label("lead_time"),
            i.c.state_days,
        )
        .where(*_completed_in(board, start, end, types), lead.is_not(None))
        .order_by(i.c.done, i.c.key)
    )
    return _utc(read_frame(conn, stmt), "start", "done")
