"""The cumulative flow's counts, kept as issues are saved (tables ``flow_day`` and
``flow_day_board``): per issue type, sub-task flag, status and local day of the board,
the issues entering the status minus those leaving it, and those entering it. A flow over
a range then reads rows per status and day, however many issues and moves the board holds
(a 13-week flow of a 100,000-issue board read its 126,000 moves: 0.6 CPU-s on SQLite).

The counts follow each issue's history as :func:`vger.metrics.flow.cumulative_flow`
does: created in :func:`vger.metrics.events.created_status`, then each move enters its
``to`` status and leaves the one the previous move entered. An issue whose history the
counts cannot follow exactly as the range read of the moves does (a move leaving a status
the history never entered, a current status other than the last move's, a move before
its creation, a blank status) is counted as ``odd`` instead: while a board has one, its
flow reads the moves (:mod:`vger.store.flow_reads`).

The counting itself: :mod:`vger.store.flow_counts`. Writes: :func:`forget` before
save_issues replaces issues (their stored counts out), :func:`count` after (theirs in),
:func:`rebuild` when the board is re-derived (a new time zone) and by ``vger db upgrade``
for a board never counted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd
from sqlalchemy import (
    Connection,
    and_,
    bindparam,
    case,
    delete,
    func,
    inspect,
    literal,
    select,
    true,
)

from vger.metrics.calendar import local_midnight_to_utc
from vger.store import schema as s
from vger.store.db import driver_rows
from vger.store.flags import _among
from vger.store.flow_counts import _EPOCH, Counts, counts_of, local_days
from vger.store.frames import _utc, read_frame, stamp

if TYPE_CHECKING:  # boards imports issues, which imports this module
    from vger.store.boards import Board

CHUNK = 5_000  # issues per read when forgetting or rebuilding
_KEYS = ["issue_type", "is_subtask", "status_id", "day"]


#: built once: constructing the select cost more than running it (every saved page)
_META = select(s.flow_day_board.c.tz, s.flow_day_board.c.odd).where(
    s.flow_day_board.c.board_id == bindparam("board_id")
)


class _Meta(NamedTuple):
    tz: str
    odd: int


def _meta(conn: Connection, board_id: int) -> _Meta | None:
    rows = driver_rows(conn, _META, {"board_id": board_id})  # every saved page: no Result
    return _Meta(*rows[0]) if rows else None


_UPSERT = (
    "INSERT INTO flow_day (board_id, issue_type, is_subtask, status_id, day, delta, entered)"
    " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (board_id, issue_type, is_subtask, status_id,"
    " day) DO UPDATE SET delta = flow_day.delta + excluded.delta,"
    " entered = flow_day.entered + excluded.entered"
)
# PostgreSQL: the page's rows as six bound arrays, one statement and one round trip (an
# executemany of a page's ~1,000 rows cost more than saving the page's issues)
_UPSERT_ARRAYS = (
    "INSERT INTO flow_day (board_id, issue_type, is_subtask, status_id, day, delta, entered)"
    " SELECT %s, * FROM unnest(%s::varchar[], %s::boolean[], %s::varchar[], %s::integer[],"
    " %s::integer[], %s::integer[]) ON CONFLICT (board_id, issue_type, is_subtask, status_id,"
    " day) DO UPDATE SET delta = flow_day.delta + excluded.delta,"
    " entered = flow_day.entered + excluded.entered"
)


def _add(conn: Connection, board_id: int, counts: Counts, sign: int) -> None:
    """Add (``sign`` 1) or take away (-1) ``counts`` from the board's stored ones."""
    rows = counts.rows
    if len(rows["day"]):
        columns = (
            np.asarray(rows["issue_type"]).astype(str).tolist(),
            np.asarray(rows["is_subtask"], dtype=bool).tolist(),
            np.asarray(rows["status_id"]).astype(str).tolist(),
            np.asarray(rows["day"], dtype=np.int64).tolist(),
            (sign * np.asarray(rows["delta"], dtype=np.int64)).tolist(),
            (sign * np.asarray(rows["entered"], dtype=np.int64)).tolist(),
        )
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(_UPSERT_ARRAYS, (board_id, *columns))
        else:  # one executemany through the driver (SQLAlchemy's insert() with
            # on_conflict_do_update cost 0.2 CPU-s for the 1,000 rows of a 3,000-issue save)
            conn.exec_driver_sql(_UPSERT, list(zip(repeat(board_id), *columns)))
    if counts.odd:
        m = s.flow_day_board
        conn.execute(
            m.update().where(m.c.board_id == board_id).values(odd=m.c.odd + sign * counts.odd)
        )


def _read(conn: Connection, board_id: int, tz: str, ids=None, lo=None, hi=None) -> Counts:
    """The counts of the stored issues ``ids``, or of those whose ids lie in ``lo..hi``."""
    i, t = s.issue, s.transition
    issue_cols = [i.c.issue_id, i.c.issue_type, i.c.is_subtask, i.c.created, i.c.status_id]
    move_cols = [t.c.issue_id, t.c.seq, t.c.at, t.c.from_status_id, t.c.to_status_id]
    frames = []
    for table, cols in ((i, issue_cols), (t, move_cols)):
        which = (  # the ids as one bound value, not one parameter each (compiling those cost more)
            _among(table.c.issue_id, list(ids), conn.dialect.name)
            if ids is not None
            else table.c.issue_id.between(lo, hi)
        )
        stmt = select(*[stamp(c) if c.name in ("created", "at") else c for c in cols])
        # read_frame: raw rows, no per-value processing (10 CPU-s for a 100k board's
        # rebuild through Row objects, most in SQLAlchemy's key lookups)
        frames.append(read_frame(conn, stmt.where(table.c.board_id == board_id, which)))
    issues, moves = frames
    for frame, column in ((issues, "created"), (moves, "at")):
        frame[column] = _utc(frame, column)[column].dt.tz_localize(None)
    issues["is_subtask"] = issues["is_subtask"].astype(bool)
    return counts_of(issues, moves, tz)


def forget(conn: Connection, board: Board, existing: Sequence[str]) -> str | None:
    """Before save_issues replaces them: take the stored issues ``existing`` out of the
    counts. A board without counts gets them here when it has no issue yet. Returns the
    time zone the board's counts are kept in, None when it has none (for :func:`count`)."""
    meta = _meta(conn, board.id)
    if meta is None:
        if (
            conn.execute(
                select(s.issue.c.issue_id).where(s.issue.c.board_id == board.id).limit(1)
            ).first()
            is None
        ):
            conn.execute(s.flow_day_board.insert().values(board_id=board.id, tz=board.tz, odd=0))
            return board.tz
        return None
    for k in range(0, len(existing), CHUNK):
        _add(conn, board.id, _read(conn, board.id, meta.tz, ids=list(existing[k : k + CHUNK])), -1)
    return meta.tz


def count(
    conn: Connection,
    board: Board,
    issues: Mapping[str, Sequence],
    moves: Mapping[str, Sequence],
    tz: str | None,
) -> None:
    """After save_issues stored them: add the saved ``issues`` (columns: issue_id,
    issue_type, is_subtask, created as naive UTC ``datetime64[ns]``, status_id) and their
    ``moves`` (issue_id, seq, at, from_status_id, to_status_id) to the counts kept in
    ``tz`` (what :func:`forget` returned: nothing when None)."""
    if tz is None:
        return
    n = len(issues["issue_id"])
    page = {c: issues.get(c, [None] * n) for c in ("issue_id", "issue_type", "status_id")}
    page.update(is_subtask=issues.get("is_subtask"), created=issues["created"])
    _add(conn, board.id, counts_of(page, moves, tz), 1)


def forget_deleted(conn: Connection, board_id: int, issue_ids: Sequence[str]) -> None:
    """Before delete_issues removes them: take ``issue_ids`` out of the counts."""
    meta = _meta(conn, board_id)
    if meta is not None:
        for k in range(0, len(issue_ids), CHUNK):
            _add(
                conn,
                board_id,
                _read(conn, board_id, meta.tz, ids=list(issue_ids[k : k + CHUNK])),
                -1,
            )


def rebuild(conn: Connection, board: Board) -> None:
    """Count every issue of the board afresh, in its time zone, a page of issues at a
    time (nothing on a store migrated to a revision before 0013)."""
    if not inspect(conn).has_table("flow_day_board"):
        return
    conn.execute(delete(s.flow_day).where(s.flow_day.c.board_id == board.id))
    conn.execute(delete(s.flow_day_board).where(s.flow_day_board.c.board_id == board.id))
    conn.execute(s.flow_day_board.insert().values(board_id=board.id, tz=board.tz, odd=0))
    i = s.issue
    ids = (
        conn.execute(select(i.c.issue_id).where(i.c.board_id == board.id).order_by(i.c.issue_id))
        .scalars()
        .all()
    )
    pages = [ids[k : k + CHUNK * 4] for k in range(0, len(ids), CHUNK * 4)]
    total = None
    odd = 0
    for page in pages:
        part = _read(conn, board.id, board.tz, lo=page[0], hi=page[-1])
        odd += part.odd
        frame = pd.DataFrame(part.rows)
        total = frame if total is None else pd.concat([total, frame])
    if total is not None:
        total = total.groupby(_KEYS, as_index=False, sort=False)[["delta", "entered"]].sum()
        _add(conn, board.id, Counts(total, odd), 1)


def uncounted_boards(conn: Connection) -> list[int]:
    """Boards with no counts yet (every board right after revision 0013)."""
    m = s.flow_day_board
    return list(
        conn.execute(select(s.board.c.id).where(~s.board.c.id.in_(select(m.c.board_id)))).scalars()
    )


# --- the read ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DayCounts:
    """What the flow over ``n`` days from local day ``first`` needs (as
    :class:`vger.store.flow_reads.FlowChanges`)."""

    baseline: dict[object, int]
    changes: pd.DataFrame
    seen: frozenset


def _kinds(board: Board, types: Sequence[str] | None):
    """SQL on ``flow_day``: sub-tasks per the board, work types when given (as
    :func:`vger.store.queries.type_filter` on ``issue``)."""
    d = s.flow_day
    cond = true() if board.include_subtasks else d.c.is_subtask.is_(False)
    if types:
        members = select(s.work_type.c.issue_type).where(
            s.work_type.c.board_id == board.id, s.work_type.c.name.in_(list(types))
        )
        cond = and_(cond, d.c.issue_type.in_(members))
    return cond


def read_counts(
    conn: Connection, board: Board, types: Sequence[str] | None, begin, ends: Sequence
) -> DayCounts | None:
    """The flow's counts for the days ending at ``ends`` (UTC; the first day begins at
    ``begin``) of the issues of ``types``, or None when the
    board's counts cannot answer (never counted, counted in another time zone, an odd
    history, or days that are not the board's consecutive local days)."""
    meta = _meta(conn, board.id)
    if meta is None or meta.odd or meta.tz != board.tz or not len(ends):
        return None
    first = int(local_days(np.array([pd.Timestamp(begin).tz_convert(None).asm8]), board.tz)[0])
    n = len(ends)
    labels = pd.DatetimeIndex(_EPOCH + np.arange(first, first + n + 1).astype("timedelta64[D]"))
    bounds = local_midnight_to_utc(labels, board.tz)
    asked = pd.DatetimeIndex([begin, *ends])
    asked = asked.tz_localize("UTC") if asked.tz is None else asked.tz_convert("UTC")
    if not bounds.equals(asked):
        return None
    d = s.flow_day
    base = and_(d.c.board_id == board.id, _kinds(board, types))
    baseline = dict(
        conn.execute(
            select(d.c.status_id, func.sum(d.c.delta))
            .where(base, d.c.day < first)
            .group_by(d.c.status_id)
        ).all()
    )
    day = case((d.c.day >= first + n, literal(n)), else_=d.c.day - first)
    rows = conn.execute(
        select(d.c.status_id, day.label("day"), func.sum(d.c.delta), func.sum(d.c.entered))
        .where(base, d.c.day >= first)
        .group_by(d.c.status_id, day)
    ).all()
    changes = pd.DataFrame(
        [(r[0], int(r[1]), int(r[2])) for r in rows if r[2]], columns=["status_id", "day", "delta"]
    )
    baseline = {k: int(v) for k, v in baseline.items()}
    seen = {k for k, v in baseline.items() if v} | {r[0] for r in rows if r[3] or r[2]}
    return DayCounts(baseline, changes, frozenset(seen))
