"""The data-quality checks that read status histories, computed from the stored issues.

Reopened, moved backwards, skipped the interval, entered late, moves before creation,
history out of order and unmapped statuses in the history depend on one issue's own
history and the board's work states only, so :func:`hit_rows` computes them over stored
issues (:mod:`vger.metrics.history_hits`: the history checks over arrays, same issues and
text as :mod:`vger.metrics.quality_history`) and ``issue_quality`` keeps their hits. The
report (:func:`stored_checks`) hands those rows to :func:`vger.metrics.quality.report`
instead of the board's whole history; the checks over issue rows and board-wide
thresholds (long lead times, stuck, …) run there at request time, the stuck check over
each open issue's latest move read by primary key.

``save_issues`` replaces the saved issues' hits in the page's own transaction
(:func:`replace_hits`, from the arrays the page was derived from: no history is read
back), so the hits are right after any page, a killed run's included; a re-derive
recomputes the whole board. Issues stored before the hits were kept (revision 0008)
wait in ``quality_pending``: :func:`refresh_pending` computes theirs on ``vger db
upgrade`` (and at the end of a sync run), and until then :func:`stored_checks` computes
them from their own history, so the report is always the one the whole history gives.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sqlalchemy import BigInteger, Connection, and_, cast, delete, func, select

from vger.metrics import quality, quality_history
from vger.metrics.event_arrays import FlatVisits, MoveArrays
from vger.metrics.events import Workflow
from vger.metrics.history_hits import history_hits
from vger.metrics.quality_history import HISTORY_CHECKS
from vger.metrics.quality_rows import keyed, with_key_rank
from vger.store import schema as s
from vger.store.bulk import insert_columns
from vger.store.derived import naive_utc
from vger.store.frames import _utc, read_frame, stamp
from vger.store.workflows import get_workflow

if TYPE_CHECKING:  # boards -> sync -> quality_hits: the type only
    from vger.store.boards import Board

UNMAPPED = "unmapped_statuses"  # stored as the issue's unmapped visits, named when read
STORED = (UNMAPPED, *HISTORY_CHECKS)
TRANSITION_COLUMNS = ["issue_id", "seq", "at", "from_status_id", "to_status_id"]
HIT_COLUMNS = ["board_id", "issue_id", "check_id", "seq", "detail"]
CHUNK = 500


def hit_rows(
    board_id: int, issues: pd.DataFrame, transitions: pd.DataFrame, workflow: Workflow | None
) -> list[dict]:
    """``issue_quality`` rows for ``issues`` (issue_id, key, created, status_id) and their
    whole ``transitions`` (issue_id, seq, at, from/to status id)."""
    columns = hit_columns(board_id, issues, transitions, workflow)
    return [dict(zip(HIT_COLUMNS, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def hit_columns(
    board_id: int, issues: pd.DataFrame, transitions: pd.DataFrame, workflow: Workflow | None
) -> dict[str, list]:
    """:func:`hit_rows` column-wise, by :func:`vger.metrics.history_hits.history_hits`
    (the checks of :mod:`vger.metrics.quality` over arrays: same issues, same text)."""
    if workflow is None or issues.empty:
        return {c: [] for c in HIT_COLUMNS}
    return page_hit_columns(
        board_id,
        issues["issue_id"].astype(str).to_numpy(),
        naive_utc(issues["created"]),
        issues["status_id"].to_numpy(dtype=object),
        MoveArrays.of_frame(transitions),
        workflow,
    )


def page_hit_columns(
    board_id: int,
    ids: np.ndarray,
    created: np.ndarray,
    status_ids: np.ndarray,
    moves: MoveArrays,
    workflow: Workflow | None,
    *,
    visits: FlatVisits | None = None,
) -> dict[str, list]:
    """:func:`hit_columns` of issues given as the arrays the load path holds (``ids``
    unique, ``created`` naive UTC ``datetime64[ns]``) and, when already built, their
    flat ``visits``."""
    if workflow is None or not len(ids):
        return {c: [] for c in HIT_COLUMNS}
    hits = history_hits(ids, created, status_ids, moves, workflow, visits=visits)
    return {
        "board_id": [board_id] * len(hits.check),
        "issue_id": ids[hits.issue].tolist(),
        "check_id": hits.check,
        "seq": hits.seq,
        "detail": hits.detail,
    }


def replace_hits(
    conn: Connection, board_id: int, existing: Iterable[str], hits: Mapping[str, list]
) -> None:
    """Store a saved page's ``hits`` (:func:`page_hit_columns`) in place of the hits of
    its issues stored before (``existing``), which wait for nothing any more (caller's
    transaction)."""
    old = sorted(str(i) for i in existing)
    for k in range(0, len(old), CHUNK):
        for table in (s.issue_quality, s.quality_pending):
            conn.execute(
                delete(table).where(
                    table.c.board_id == board_id, table.c.issue_id.in_(old[k : k + CHUNK])
                )
            )
    insert_columns(conn, s.issue_quality, hits)


def replace_board_hits(
    conn: Connection,
    board_id: int,
    issues: pd.DataFrame,
    transitions: pd.DataFrame,
    workflow: Workflow | None,
) -> None:
    """Every hit of the board, from all its issues and history; nothing is pending."""
    for table in (s.issue_quality, s.quality_pending):
        conn.execute(delete(table).where(table.c.board_id == board_id))
    insert_columns(conn, s.issue_quality, hit_columns(board_id, issues, transitions, workflow))


def refresh_pending(conn: Connection, board_id: int) -> int:
    """Compute the hits of the board's pending issues in one batch; returns how many
    issues were pending."""
    p = s.quality_pending
    if conn.execute(select(p.c.issue_id).where(p.c.board_id == board_id).limit(1)).first() is None:
        return 0  # the usual case: saves keep their hits themselves
    issues, transitions = _pending_history(conn, board_id)
    if issues.empty:
        return 0
    workflow = get_workflow(conn, board_id)
    insert_columns(conn, s.issue_quality, hit_columns(board_id, issues, transitions, workflow))
    conn.execute(delete(s.quality_pending).where(s.quality_pending.c.board_id == board_id))
    return len(issues)


def pending_boards(conn: Connection) -> list[int]:
    """Boards with issues whose hits are still to be computed."""
    return list(conn.execute(select(s.quality_pending.c.board_id).distinct()).scalars())


def _pending_history(conn: Connection, board_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The pending issues (issue_id, key, created, status_id) and their moves."""
    i, t, p = s.issue, s.transition, s.quality_pending
    pg = conn.dialect.name == "postgresql"
    issues = read_frame(
        conn,
        select(i.c.issue_id, i.c.key, _stamp(i.c.created, pg), i.c.status_id)
        .join(p, and_(p.c.board_id == i.c.board_id, p.c.issue_id == i.c.issue_id))
        .where(i.c.board_id == board_id),
    )
    moves = read_frame(
        conn,
        select(*[_stamp(t.c[c], pg) if c == "at" else t.c[c] for c in TRANSITION_COLUMNS])
        .join(p, and_(p.c.board_id == t.c.board_id, p.c.issue_id == t.c.issue_id))
        .where(t.c.board_id == board_id),
    )
    issues["issue_id"] = issues["issue_id"].astype(str)
    moves["issue_id"] = moves["issue_id"].astype(str)
    issues["created"] = _utc_times(issues["created"], pg)
    moves["at"] = _utc_times(moves["at"], pg)
    return issues, moves


def _stamp(column, pg: bool):
    """A NOT NULL timestamp column as read for :func:`_utc_times`: on PostgreSQL its
    microseconds since the epoch (exact: ``extract`` is numeric), which spares the driver
    a datetime per value and pandas converting them (0.1 CPU-s a 50,000-move read)."""
    if not pg:
        return column
    return cast(func.extract("epoch", column) * 1_000_000, BigInteger).label(column.name)


def _utc_times(values: pd.Series, pg: bool) -> pd.Series:
    """Timestamps read by :func:`_stamp` as UTC microseconds, as
    ``pd.to_datetime(values, utc=True, format="ISO8601")`` reads the stored values. SQLite
    text (``YYYY-MM-DD HH:MM:SS.ffffff``, naive UTC) is parsed by numpy in one call; any
    other text (an offset, a shape numpy refuses) goes through pandas."""
    if pg:
        us = np.asarray(values.to_numpy(), dtype=np.int64).view("datetime64[us]")
        return pd.Series(pd.DatetimeIndex(us).tz_localize("UTC"), index=values.index)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # numpy only warns on a zone offset
            us = np.array(values.to_numpy(), dtype="datetime64[us]")
    except (ValueError, TypeError, DeprecationWarning, UserWarning):
        return pd.to_datetime(values, utc=True, format="ISO8601")
    return pd.Series(pd.DatetimeIndex(us).tz_localize("UTC"), index=values.index)


def _stored(conn: Connection, board: Board) -> pd.DataFrame:
    q = s.issue_quality
    return read_frame(
        conn,
        select(q.c.issue_id, q.c.check_id, q.c.seq, q.c.detail).where(q.c.board_id == board.id),
    )


def _last_moves(conn: Connection, board: Board, workflow: Workflow) -> pd.DataFrame:
    """The latest move of each open issue now in the lead-time interval (the only ones
    the stuck check ages), through the transition table's primary key."""
    t, i = s.transition, s.issue
    interval = sorted(
        str(status)
        for state in workflow.states[workflow.interval_start : workflow.interval_end + 1]
        for status in state.status_ids
    )
    latest = (
        select(func.max(t.c.at))
        .where(t.c.board_id == i.c.board_id, t.c.issue_id == i.c.issue_id)
        .scalar_subquery()
    )
    # raw rows, the instants as numbers on PostgreSQL (frames.stamp): no datetime per
    # row, nor a list of Rows pandas inspects one by one (0.41 -> 0.05 CPU-s, 13,000 rows)
    stmt = select(i.c.issue_id, stamp(latest, "at")).where(
        i.c.board_id == board.id, i.c.outcome.is_(None), i.c.status_id.in_(interval)
    )
    return _utc(read_frame(conn, stmt), "at").dropna()


def stored_checks(
    conn: Connection,
    board: Board,
    issues: pd.DataFrame,
    workflow: Workflow,
    *,
    now: pd.Timestamp,
    names: Mapping[str, str] | None = None,
    unit: str = "days",
    **options,
) -> list[quality.Check]:
    """The data-quality report (:func:`~vger.metrics.quality.report`) of ``issues`` (the
    board's filtered issue rows), with the history checks' stored hits instead of the
    history; ``options``: the report's other keywords (Jira flags, time zone, working
    days)."""
    issues = with_key_rank(issues)  # the key order once, for every check's rows
    index = pd.Index(issues["issue_id"].astype(str).to_numpy())
    hits = _stored(conn, board)
    pending, moves = _pending_history(conn, board.id)
    if len(pending):  # saved since the last batch: their hits from their own history
        found = pd.DataFrame(hit_columns(board.id, pending, moves, workflow), columns=HIT_COLUMNS)
        hits = pd.concat([hits, found[hits.columns]], ignore_index=True)
    hits["issue"] = index.get_indexer(hits["issue_id"].astype(str).to_numpy())
    hits = hits[hits["issue"].to_numpy() >= 0]  # the work-type filter
    # each check's hits in one pass (not a text comparison per check), in stored order
    by_check = dict(tuple(hits.groupby("check_id", sort=False)))
    none = hits.iloc[0:0]
    stored = quality_history.History(
        hits={c: _history_rows(issues, by_check.get(c, none)) for c in HISTORY_CHECKS},
        unmapped=_unmapped_visits(by_check.get(UNMAPPED, none)),
        last_move=quality_history.last_moves(
            _latest_visits(issues, index, _last_moves(conn, board, workflow))
        ),
    )
    return quality.report(issues, workflow, stored, now=now, names=names, unit=unit, **options)


def _history_rows(issues: pd.DataFrame, hits: pd.DataFrame) -> pd.DataFrame:
    """The check's rows as the check itself builds them (key order, same types)."""
    detail = pd.Series(
        hits["detail"].to_numpy(dtype=object), index=hits["issue"].to_numpy(dtype=np.int64)
    )
    return keyed(issues, detail)


def _unmapped_visits(hits: pd.DataFrame) -> pd.DataFrame:
    """The stored unmapped visits as the rows of :func:`~vger.metrics.quality_history.visits`
    that :func:`~vger.metrics.quality_history.unmapped_in_history` reads (``hits``: the
    unmapped-status check's)."""
    v = pd.DataFrame(
        {
            "issue": hits["issue"].to_numpy(dtype=np.int64),
            "n": hits["seq"].to_numpy(dtype=np.int64),
            "status_id": hits["detail"].to_numpy(dtype=object),
            "position": np.full(len(hits), -1, dtype=np.int64),
        }
    )
    return v.sort_values(["issue", "n"], kind="stable").reset_index(drop=True)


def _latest_visits(issues: pd.DataFrame, index: pd.Index, last: pd.DataFrame) -> pd.DataFrame:
    """Visits enough for the stuck check: each issue's creation and latest move."""
    row = index.get_indexer(last["issue_id"].astype(str).to_numpy())
    keep = row >= 0
    at = np.concatenate([naive_utc(issues["created"]), naive_utc(last["at"])[keep]])
    return pd.DataFrame(
        {
            "issue": np.concatenate([np.arange(len(issues)), row[keep]]),
            "at": pd.to_datetime(at, utc=True),
        }
    )
