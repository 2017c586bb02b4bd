"""The cumulative flow's read, bounded by the range: counts per status and day from SQL
aggregates, so a 13-week flow of a 100,000-issue board fetches a few hundred rows
instead of its 126,000 moves (:func:`vger.metrics.flow.flow_from_changes` adds them up).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from sqlalchemy import BigInteger, Connection, and_, case, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement

from vger.store import flow_days
from vger.store import schema as s
from vger.store.boards import Board
from vger.store.queries import type_filter


@dataclass(frozen=True)
class FlowChanges:
    """What the flow over the days ending at ``ends`` needs, per status id (the values
    the store holds, None for a missing one):

    - ``baseline``: issues created before the first day, counted in the status they were
      in when it began (their current status, or the status their first later move
      leaves from);
    - ``changes``: ``status_id``, ``day`` (index into ``ends``: the first day whose end
      counts the change; ``len(ends)`` when it comes after the last), ``delta`` (issues
      entering minus issues leaving);
    - ``seen``: every status some issue is in, during or after the range, by the
      history read (the flow names an unmapped one)."""

    baseline: dict[object, int]
    changes: pd.DataFrame
    seen: frozenset


class _EpochSeconds(ColumnElement):
    """SQL: a stored UTC timestamp as whole seconds since 1970 (floored). SQLite reads
    the text's first 19 characters (its ``%s`` would round the fraction to the nearest
    millisecond); PostgreSQL floors the exact epoch."""

    type = BigInteger()
    inherit_cache = True

    def __init__(self, column) -> None:
        self.column = column


@compiles(_EpochSeconds)
def _epoch_default(element, compiler, **kw) -> str:
    return f"CAST(floor(extract(epoch from {compiler.process(element.column, **kw)})) AS BIGINT)"


@compiles(_EpochSeconds, "sqlite")
def _epoch_sqlite(element, compiler, **kw) -> str:
    text = compiler.process(element.column, **kw)
    return f"CAST(strftime('%s', substr({text}, 1, 19)) AS INTEGER)"


def _seconds(moment: datetime) -> float:
    return moment.timestamp() if moment.tzinfo else moment.replace(tzinfo=UTC).timestamp()


def _day(column, ends: Sequence[datetime], lo: int = 0, hi: int | None = None, secs=None):
    """SQL: the index of the first of ``ends`` after ``column`` (``len(ends)`` when none
    is), knowing it lies in ``lo..hi``. Where the ends ``lo..hi-1`` are evenly spaced in
    whole seconds (days without a clock change) by arithmetic on the epoch seconds;
    elsewhere a binary search that splits at a clock change, so the statement has a few
    nodes per clock change, not per day (a CASE per day made compiling a ten-year range
    cost about a CPU-second)."""
    hi = len(ends) if hi is None else hi
    secs = np.array([_seconds(e) for e in ends]) if secs is None else secs
    if lo == hi:
        return literal(lo)
    part = secs[lo:hi]
    steps = np.diff(part)
    whole = bool((part == np.floor(part)).all())
    if whole and len(steps) and (steps == steps[0]).all():
        after_first = literal(lo + 1) + (_EpochSeconds(column) - int(part[0])) // int(steps[0])
        return case(
            (column < ends[lo], literal(lo)),
            (column >= ends[hi - 1], literal(hi)),
            else_=after_first,
        )
    mid = (lo + hi) // 2
    if whole and len(steps):
        values, counts = np.unique(steps, return_counts=True)
        odd = np.flatnonzero(steps != values[counts.argmax()])  # the clock changes
        mid = min(hi - 1, lo + 1 + int(odd[np.abs(odd - (hi - lo) / 2).argmin()]))
    return case(
        (column < ends[mid], _day(column, ends, lo, mid, secs)),
        else_=_day(column, ends, mid + 1, hi, secs),
    )


def flow_changes(
    conn: Connection,
    board: Board,
    types: Sequence[str] | None,
    begin: datetime,
    ends: Sequence[datetime],
) -> FlowChanges:
    """:class:`FlowChanges` for the days ending at ``ends`` (UTC, ascending; the first
    day begins at ``begin``), from two aggregates: the moves at or after ``begin`` of the
    (filtered) issues created before the last end, each with the status it leaves (the
    one the previous move entered; for the first move read, its ``from`` status, or the
    issue's current status when that is blank, as
    :func:`vger.metrics.events.created_status`), and the issues per current status and
    creation day. Reads rows per status and day, not per issue or move; from the counts
    kept per status and day (:mod:`vger.store.flow_days`) when they can answer."""
    counted = flow_days.read_counts(conn, board, types, begin, ends)
    if counted is not None:
        return FlowChanges(counted.baseline, counted.changes, counted.seen)
    i, t = s.issue, s.transition
    end = ends[-1]
    base = and_(i.c.board_id == board.id, type_filter(board, types), i.c.created < end)
    # The issues that moved since ``begin`` and pass the filters, looked up once each
    # (not once per move: a 13-week range of a 100k board has 126,000 moves).
    moved = select(t.c.issue_id).where(t.c.board_id == board.id, t.c.at >= begin)
    kept = (
        select(i.c.issue_id, i.c.status_id, i.c.created)
        .where(base, i.c.issue_id.in_(moved))
        .cte("kept")
        .prefix_with("MATERIALIZED")
    )
    order = {"partition_by": t.c.issue_id, "order_by": (t.c.at, t.c.seq)}
    first = func.row_number().over(**order) == 1
    moves = (
        select(
            t.c.issue_id,
            t.c.at,
            t.c.to_status_id.label("into"),
            case((first, t.c.from_status_id), else_=func.lag(t.c.to_status_id).over(**order)).label(
                "out"
            ),
            case((first, 1), else_=0).label("first"),
        )
        .where(t.c.board_id == board.id, t.c.at >= begin, t.c.issue_id.in_(select(kept.c.issue_id)))
        .subquery()
    )
    m = moves.c
    blank = and_(m.first == 1, func.trim(func.coalesce(m.out, "")) == "")
    new_first = and_(m.first == 1, kept.c.created >= begin)
    keys = [
        m.into,
        case((blank, kept.c.status_id), else_=m.out).label("out"),
        _day(m.at, ends).label("day"),
        m.first,
        case((kept.c.created < begin, 1), else_=0).label("old"),
        kept.c.status_id,
        case((new_first, _day(kept.c.created, ends)), else_=literal(-1)).label("created_day"),
    ]
    joined = moves.outerjoin(kept, and_(m.first == 1, kept.c.issue_id == m.issue_id))
    move_rows = conn.execute(select(*keys, func.count()).select_from(joined).group_by(*keys)).all()
    # Every issue of the board, bounded by the day it was created in, not by a WHERE
    # on ``created``: SQLite would then read the table through ix_issue_board_created
    # row by row (0.19 CPU-s on 100,000 issues) rather than scan it (0.05).
    created_day = case((i.c.created < begin, literal(-1)), else_=_day(i.c.created, ends))
    issue_rows = conn.execute(
        select(i.c.status_id, created_day, func.count())
        .where(i.c.board_id == board.id, type_filter(board, types))
        .group_by(i.c.status_id, created_day)
    ).all()
    later = len(ends)  # created after the last day: not on the chart
    return _changes(move_rows, [r for r in issue_rows if r[1] != later])


def _changes(move_rows: list, issue_rows: list) -> FlowChanges:
    """Fold the two aggregates into baseline counts and per-day deltas."""
    baseline: dict[object, int] = {}
    deltas: dict[tuple[object, int], int] = {}
    seen: set = set()

    def add(table: dict, key, n: int) -> None:
        table[key] = table.get(key, 0) + n

    for status, day, n in issue_rows:
        if day < 0:  # created before the range: in its current status (moves adjust)
            add(baseline, status, n)
        else:  # created in the range: enters its current status (moves adjust)
            add(deltas, (status, day), n)
    for into, out, day, first, old, status, created_day, n in move_rows:
        add(deltas, (into, day), n)
        add(deltas, (out, day), -n)
        seen.add(into)
        if first and old:  # at the range's start it was where its first move leaves
            add(baseline, status, -n)
            add(baseline, out, n)
            seen.add(out)
        elif first:  # created in the range where its first move leaves
            add(deltas, (status, created_day), -n)
            add(deltas, (out, created_day), n)
            seen.add(out)
    seen.update(k for k, n in baseline.items() if n)
    seen.update(k for (k, _), n in deltas.items() if n)
    changes = pd.DataFrame(
        [(k, day, n) for (k, day), n in deltas.items() if n],
        columns=["status_id", "day", "delta"],
    )
    return FlowChanges(baseline, changes, frozenset(seen))
