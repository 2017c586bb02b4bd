"""Writing issues: upsert rows, replace their status history, and derive start, done,
outcome, lead time and time per work state once, when the issue is stored."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, delete, select

from vger.metrics.event_arrays import MoveArrays
from vger.metrics.events import Workflow
from vger.store import flow_days
from vger.store import schema as s
from vger.store.bulk import insert_columns, utc_ns
from vger.store.db import analyze_if_grown, driver_rows, update_rows
from vger.store.derived import columns_of, derive, naive_utc
from vger.store.links import apply_review_lead_times
from vger.store.quality_hits import page_hit_columns, replace_board_hits, replace_hits
from vger.store.workflows import get_workflow

if TYPE_CHECKING:
    from vger.store.boards import Board

CHUNK = 500
MOVE_COLUMNS = (
    "issue_id",
    "seq",
    "at",
    "from_status_id",
    "to_status_id",
    "from_status",
    "to_status",
)


@dataclass
class SaveCounts:
    added: int = 0
    updated: int = 0


def save_issues(
    conn: Connection,
    board: Board,
    issues: Sequence[dict[str, Any]],
    transitions: Sequence[dict[str, Any]] | Mapping[str, Sequence[Any]],
    workflow: Workflow | None = None,
    *,
    flags: Sequence[dict[str, Any]] = (),
) -> SaveCounts:
    """Upsert ``issues`` (dicts of ``issue`` columns, UTC-aware datetimes) and replace
    their ``transitions`` (dicts: issue_id, seq, at, from/to status id and name; or
    those columns, one sequence each, as the ETL's pages hold them) and ``flags``
    (Jira's Flagged changes: issue_id, seq, at, flagged).
    Runs inside the caller's transaction; each table gets one bulk write
    (:mod:`vger.store.bulk`), rows built column by column."""
    if not issues:
        return SaveCounts()
    workflow = workflow or get_workflow(conn, board.id)
    columns = columns_of(issues, list(issues[0]))
    ids = [str(i) for i in columns["issue_id"]]
    existing = _existing_ids(conn, board.id, ids)
    counted_in = flow_days.forget(conn, board, sorted(existing))  # flow day counts: theirs out
    created = utc_ns(columns["created"])
    if isinstance(transitions, Mapping):
        moves = {c: transitions[c] for c in MOVE_COLUMNS}
    else:
        moves = columns_of(transitions, MOVE_COLUMNS)
    move_ids = list(map(str, moves["issue_id"]))
    at = utc_ns(moves["at"])
    id_array = np.array(ids, dtype=object)
    status_ids = np.asarray(columns.get("status_id", [None] * len(ids)), dtype=object)
    move_arrays = MoveArrays(
        np.array(move_ids, dtype=object),
        np.array(moves["seq"]),
        at,
        np.array(moves["from_status_id"], dtype=object),
        np.array(moves["to_status_id"], dtype=object),
    )
    derived = derive(
        board,
        workflow,
        id_array,
        created,
        status_ids,
        columns.get("resolution", [None] * len(ids)),
        move_arrays,
    )
    visits = derived.arrays.visits if derived.arrays is not None else None
    hits = page_hit_columns(
        board.id, id_array, created, status_ids, move_arrays, workflow, visits=visits
    )
    n = len(ids)
    # set by the ETL when Jira answered part of the history
    columns["history_cut"] = [row.get("history_cut", False) for row in issues]
    columns.update(board_id=[board.id] * n, issue_id=ids, created=created)
    columns.update(derived.issue_columns())
    _write_issues(conn, columns, existing)
    analyze_if_grown(conn, "issue")  # PostgreSQL: the hits' foreign-key checks re-planned
    for chunk in _chunks(sorted(existing)):  # new issues have no history to replace
        for table in (s.transition, s.issue_state_time, s.issue_flag):
            conn.execute(
                delete(table).where(table.c.board_id == board.id, table.c.issue_id.in_(chunk))
            )
    moves.update(board_id=[board.id] * len(move_ids), issue_id=move_ids, at=at)
    insert_columns(conn, s.transition, moves)
    flow_days.count(conn, board, columns, moves, counted_in)  # ... and in again
    insert_columns(conn, s.issue_state_time, derived.state_columns(board.id))
    flag = columns_of(flags, ("issue_id", "seq", "at", "flagged"))
    flag.update(
        board_id=[board.id] * len(flags),
        issue_id=[str(i) for i in flag["issue_id"]],
        seq=[int(x) for x in flag["seq"]],
        flagged=[bool(x) for x in flag["flagged"]],
    )
    insert_columns(conn, s.issue_flag, flag)
    replace_hits(conn, board.id, existing, hits)  # their quality hits: vger.store.quality_hits
    if board.review_lead_time:  # lead time from the first linked PR (vger.store.links)
        apply_review_lead_times(conn, board, issue_ids=ids)
    return SaveCounts(added=len(set(ids) - existing), updated=len(set(ids) & existing))


def _write_issues(conn: Connection, columns: dict[str, Any], existing: set[str]) -> None:
    """Upsert the page's issue rows. PostgreSQL: the new ones are COPYed, only those
    stored before are upserted (a repeated id fails either way: ON CONFLICT cannot update
    a row it inserted)."""
    keys = ["board_id", "issue_id"]
    if conn.dialect.name != "postgresql":
        insert_columns(conn, s.issue, columns, keys=keys)
        return
    if not existing:  # a first sync's page
        insert_columns(conn, s.issue, columns)
        return
    old = np.array([i in existing for i in columns["issue_id"]], dtype=bool)
    if not old.all():
        insert_columns(conn, s.issue, _take(columns, ~old))
    insert_columns(conn, s.issue, _take(columns, old), keys=keys)


def _take(columns: dict[str, Any], mask: np.ndarray) -> dict[str, Any]:
    """The rows of ``mask`` of columns given as lists or numpy arrays."""
    rows = np.flatnonzero(mask).tolist()
    return {
        c: v[mask] if isinstance(v, np.ndarray) else [v[k] for k in rows]
        for c, v in columns.items()
    }


def rederive_board(conn: Connection, board: Board) -> int:
    """Re-derive every issue of the board after its work states, interval, abandoned
    resolutions, working-days flag or time zone changed. Returns the issue count."""
    workflow = get_workflow(conn, board.id)
    issues = pd.read_sql(
        select(
            s.issue.c.issue_id,
            s.issue.c.key,
            s.issue.c.created,
            s.issue.c.status_id,
            s.issue.c.resolution,
        ).where(s.issue.c.board_id == board.id),
        conn,
    )
    if issues.empty:
        return 0
    transitions = pd.read_sql(
        select(
            s.transition.c.issue_id,
            s.transition.c.seq,
            s.transition.c.at,
            s.transition.c.from_status_id,
            s.transition.c.to_status_id,
        ).where(s.transition.c.board_id == board.id),
        conn,
    )
    issues["created"] = pd.to_datetime(issues["created"], utc=True)
    transitions["at"] = pd.to_datetime(transitions["at"], utc=True)
    ids = issues["issue_id"].astype(str).to_numpy()
    derived = derive(
        board,
        workflow,
        ids,
        naive_utc(issues["created"]),
        issues["status_id"].to_numpy(dtype=object),
        issues["resolution"].to_numpy(dtype=object),
        MoveArrays.of_frame(transitions),
    )
    values = derived.issue_columns()
    for column in ("start", "done", "state_since"):
        values[column] = _py_times(values[column])
    rows = [
        {"board_id": board.id, "issue_id": i, **dict(zip(values, v, strict=True))}
        for i, v in zip(ids.tolist(), zip(*values.values(), strict=True), strict=True)
    ]
    update_rows(conn, s.issue, rows, ["board_id", "issue_id"])
    conn.execute(delete(s.issue_state_time).where(s.issue_state_time.c.board_id == board.id))
    insert_columns(conn, s.issue_state_time, derived.state_columns(board.id))
    replace_board_hits(conn, board.id, issues, transitions, workflow)
    flow_days.rebuild(conn, board)  # counted in the (new) time zone
    if board.review_lead_time:
        apply_review_lead_times(conn, board)
    return len(rows)


def _py_times(values: np.ndarray | list) -> list:
    """datetime64 (naive UTC) as UTC-aware datetimes; NaT as None."""
    if not isinstance(values, np.ndarray):
        return list(values)
    out = pd.DatetimeIndex(values).tz_localize("UTC").to_pydatetime().astype(object)
    out[np.isnat(values)] = None
    return out.tolist()


def _existing_ids(conn: Connection, board_id: int, ids: list[str]) -> set[str]:
    if conn.dialect.name == "postgresql":  # one array parameter, not one per id
        rows = driver_rows(
            conn,
            "SELECT issue_id FROM issue WHERE board_id = %s AND issue_id = ANY(%s)",
            (board_id, ids),
        )
        return {r[0] for r in rows}
    found: set[str] = set()
    for chunk in _chunks(ids):  # plain SQL: the select construct cost more than the query
        marks = ", ".join("?" * len(chunk))
        rows = driver_rows(
            conn,
            f"SELECT issue_id FROM issue WHERE board_id = ? AND issue_id IN ({marks})",  # noqa: S608 - placeholders only
            (board_id, *chunk),
        )
        found.update(r[0] for r in rows)
    return found


def _chunks(values: list[str], size: int = CHUNK):
    for k in range(0, len(values), size):
        yield values[k : k + size]


def delete_issues(conn: Connection, board_id: int, issue_ids: Sequence[str]) -> int:
    """Remove issues (deleted in Jira or gone from the JQL) with their history, table by
    table: no foreign key cascades from ``issue`` to its history (revision 0014)."""
    removed = 0
    for chunk in _chunks([str(i) for i in issue_ids]):
        flow_days.forget_deleted(conn, board_id, chunk)
        for table in (s.issue_quality, s.quality_pending):
            conn.execute(
                delete(table).where(table.c.board_id == board_id, table.c.issue_id.in_(chunk))
            )
        conn.execute(
            delete(s.issue_flag).where(
                s.issue_flag.c.board_id == board_id, s.issue_flag.c.issue_id.in_(chunk)
            )
        )
        conn.execute(
            delete(s.issue_state_time).where(
                s.issue_state_time.c.board_id == board_id, s.issue_state_time.c.issue_id.in_(chunk)
            )
        )
        conn.execute(
            delete(s.transition).where(
                s.transition.c.board_id == board_id, s.transition.c.issue_id.in_(chunk)
            )
        )
        removed += conn.execute(
            delete(s.issue).where(s.issue.c.board_id == board_id, s.issue.c.issue_id.in_(chunk))
        ).rowcount
    return removed


def stored_updated(conn: Connection, board_id: int, issue_ids: Sequence[str]) -> dict[str, Any]:
    """issue id -> stored ``updated`` (UTC) of those of ``issue_ids`` the board has."""
    out: dict[str, Any] = {}
    for chunk in _chunks([str(i) for i in issue_ids]):
        out.update(
            conn.execute(
                select(s.issue.c.issue_id, s.issue.c.updated).where(
                    s.issue.c.board_id == board_id, s.issue.c.issue_id.in_(chunk)
                )
            ).all()
        )
    return out


def issue_ids(conn: Connection, board_id: int) -> set[str]:
    """Every stored issue id of the board."""
    return set(
        conn.execute(select(s.issue.c.issue_id).where(s.issue.c.board_id == board_id)).scalars()
    )


def issue_types(conn: Connection, board_id: int) -> list[str]:
    """Issue types seen on the board's issues, sorted."""
    rows = conn.execute(
        select(s.issue.c.issue_type)
        .where(s.issue.c.board_id == board_id)
        .distinct()
        .order_by(s.issue.c.issue_type)
    ).scalars()
    return [t for t in rows if t]
