"""Writing issues: upsert rows, replace their status history, and derive start, done,
outcome, lead time and time per work state once, when the issue is stored."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, delete, select

from vger.metrics.events import Workflow, derive_events
from vger.store import schema as s
from vger.store.bulk import insert_columns, utc_ns
from vger.store.db import update_rows
from vger.store.quality_hits import mark_pending, replace_board_hits
from vger.store.workflows import get_workflow

if TYPE_CHECKING:
    from vger.store.boards import Board

CHUNK = 500
DERIVED = ("start", "done", "outcome", "lead_time_days", "lead_time_working_days", "state_days")
MOVE_COLUMNS = ("from_status_id", "to_status_id", "from_status", "to_status")
STATE_COLUMNS = ["issue_id", "state", "position", "days", "working_days"]


@dataclass
class SaveCounts:
    added: int = 0
    updated: int = 0


def save_issues(
    conn: Connection,
    board: Board,
    issues: Sequence[dict[str, Any]],
    transitions: Sequence[dict[str, Any]],
    workflow: Workflow | None = None,
    *,
    flags: Sequence[dict[str, Any]] = (),
) -> SaveCounts:
    """Upsert ``issues`` (dicts of ``issue`` columns, UTC-aware datetimes) and replace
    their ``transitions`` (dicts: issue_id, seq, at, from/to status id and name) and
    ``flags`` (Jira's Flagged changes: issue_id, seq, at, flagged).
    Runs inside the caller's transaction; each table gets one bulk write
    (:mod:`vger.store.bulk`), rows built column by column."""
    if not issues:
        return SaveCounts()
    workflow = workflow or get_workflow(conn, board.id)
    ids = [str(row["issue_id"]) for row in issues]
    existing = _existing_ids(conn, board.id, ids)
    issue_frame, transition_frame = _frames(issues, transitions)
    derived = _derive(board, issue_frame, transition_frame, workflow)
    n = len(ids)
    columns: dict[str, Any] = {c: [row.get(c) for row in issues] for c in issues[0]}
    # set by the ETL when Jira answered part of the history
    columns["history_cut"] = [row.get("history_cut", False) for row in issues]
    columns.update(
        board_id=[board.id] * n,
        issue_id=ids,
        created=issue_frame["created"].to_numpy(dtype="datetime64[ns]"),
        **derived.issue_columns(),
    )
    insert_columns(conn, s.issue, columns, keys=["board_id", "issue_id"])
    for chunk in _chunks(sorted(existing)):  # new issues have no history to replace
        for table in (s.transition, s.issue_state_time, s.issue_flag):
            conn.execute(
                delete(table).where(table.c.board_id == board.id, table.c.issue_id.in_(chunk))
            )
    m = len(transitions)
    insert_columns(
        conn,
        s.transition,
        {
            "board_id": [board.id] * m,
            "issue_id": transition_frame["issue_id"].tolist(),
            "seq": [t.get("seq") for t in transitions],
            "at": transition_frame["at"].to_numpy(dtype="datetime64[ns]"),
            **{c: [t.get(c) for t in transitions] for c in MOVE_COLUMNS},
        },
    )
    insert_columns(conn, s.issue_state_time, derived.state_columns(board.id))
    insert_columns(
        conn,
        s.issue_flag,
        {
            "board_id": [board.id] * len(flags),
            "issue_id": [str(f["issue_id"]) for f in flags],
            "seq": [int(f["seq"]) for f in flags],
            "at": [f["at"] for f in flags],
            "flagged": [bool(f["flagged"]) for f in flags],
        },
    )
    mark_pending(conn, board.id, ids, existing)  # their quality hits: vger.store.quality_hits
    return SaveCounts(added=len(set(ids) - existing), updated=len(set(ids) & existing))


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
    derived = _derive(board, issues, transitions, workflow)
    values = derived.issue_columns()
    values["start"], values["done"] = _py_times(values["start"]), _py_times(values["done"])
    ids = issues["issue_id"].astype(str).tolist()
    rows = [
        {"board_id": board.id, "issue_id": i, **dict(zip(values, v, strict=True))}
        for i, v in zip(ids, zip(*values.values(), strict=True), strict=True)
    ]
    update_rows(conn, s.issue, rows, ["board_id", "issue_id"])
    conn.execute(delete(s.issue_state_time).where(s.issue_state_time.c.board_id == board.id))
    insert_columns(conn, s.issue_state_time, derived.state_columns(board.id))
    replace_board_hits(conn, board.id, issues, transitions, workflow)
    return len(rows)


def _frames(
    issues: Sequence[dict], transitions: Sequence[dict]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The issues and their moves as the metrics read them (times: UTC ``datetime64``)."""
    issue_frame = pd.DataFrame(
        {
            "issue_id": [str(r["issue_id"]) for r in issues],
            "key": [r.get("key") for r in issues],
            "created": _utc(utc_ns([r["created"] for r in issues])),
            "status_id": [r.get("status_id") for r in issues],
            "resolution": [r.get("resolution") for r in issues],
        }
    )
    transition_frame = pd.DataFrame(
        {
            "issue_id": [str(t["issue_id"]) for t in transitions],
            "seq": [t["seq"] for t in transitions],
            "at": _utc(utc_ns([t["at"] for t in transitions])),
            "from_status_id": [t.get("from_status_id") for t in transitions],
            "to_status_id": [t.get("to_status_id") for t in transitions],
        }
    )
    return issue_frame, transition_frame


def _utc(ns: np.ndarray) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(ns).tz_localize("UTC")


@dataclass
class _Derived:
    """What :func:`~vger.metrics.events.derive_events` gives, as store columns."""

    events: pd.DataFrame | None  # None: the board has no workflow yet
    state_times: pd.DataFrame
    n: int

    def issue_columns(self) -> dict[str, Any]:
        """start, done (``datetime64``), outcome, lead times, state_days per issue."""
        if self.events is None:
            return {c: [None] * self.n for c in DERIVED}
        ev = self.events
        return {
            "start": _naive(ev["start"]),
            "done": _naive(ev["done"]),
            "outcome": ev["outcome"].tolist(),
            "lead_time_days": _floats(ev["lead_time_days"]),
            "lead_time_working_days": _floats(ev["lead_time_working_days"]),
            "state_days": self._packed(ev["issue_id"].to_numpy()),
        }

    def state_columns(self, board_id: int) -> dict[str, Any]:
        st = self.state_times
        return {
            "board_id": [board_id] * len(st),
            "issue_id": st["issue_id"].tolist(),
            "position": st["position"].astype("int64").tolist(),
            "state": st["state"].tolist(),
            "days": st["days"].astype(float).tolist(),
            "working_days": st["working_days"].astype(float).tolist(),
        }

    def _packed(self, issue_ids: np.ndarray) -> list[bytes | None]:
        """Each issue's (position, days, working_days) triples, packed
        (:func:`vger.store.statepack.pack`), in state-time row order."""
        st = self.state_times
        out: list[bytes | None] = [None] * len(issue_ids)
        if not len(st):
            return out
        row = pd.Index(issue_ids).get_indexer(st["issue_id"].to_numpy())
        order = np.argsort(row, kind="stable")
        triples = np.column_stack(
            [
                st["position"].to_numpy(dtype="<f8"),
                st["days"].to_numpy(),
                st["working_days"].to_numpy(),
            ]
        )[order]
        blob = np.ascontiguousarray(triples, dtype="<f8").tobytes()
        rows, first, count = np.unique(row[order], return_index=True, return_counts=True)
        size = 3 * 8
        for r, f, c in zip(rows.tolist(), first.tolist(), count.tolist(), strict=True):
            out[r] = blob[f * size : (f + c) * size]
        return out


def _derive(
    board: Board, issues: pd.DataFrame, transitions: pd.DataFrame, workflow: Workflow | None
) -> _Derived:
    if workflow is None:
        return _Derived(None, pd.DataFrame(columns=STATE_COLUMNS), len(issues))
    result = derive_events(issues, transitions, workflow, tz=board.tz, abandoned=board.abandoned)
    return _Derived(result.events, result.state_times, len(issues))


def _naive(values: pd.Series) -> np.ndarray:
    return pd.DatetimeIndex(values).tz_convert(None).to_numpy(dtype="datetime64[ns]")


def _py_times(values: np.ndarray) -> list:
    """datetime64 (naive UTC) as UTC-aware datetimes; NaT as None."""
    out = pd.DatetimeIndex(values).tz_localize("UTC").to_pydatetime().astype(object)
    out[np.isnat(values)] = None
    return out.tolist()


def _floats(values: pd.Series) -> list:
    """Floats with NaN as None."""
    x = values.to_numpy(dtype=float)
    out = x.astype(object)
    out[np.isnan(x)] = None
    return out.tolist()


def _existing_ids(conn: Connection, board_id: int, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(ids):
        found |= set(
            conn.execute(
                select(s.issue.c.issue_id).where(
                    s.issue.c.board_id == board_id, s.issue.c.issue_id.in_(chunk)
                )
            ).scalars()
        )
    return found


def _chunks(values: list[str], size: int = CHUNK):
    for k in range(0, len(values), size):
        yield values[k : k + size]


def delete_issues(conn: Connection, board_id: int, issue_ids: Sequence[str]) -> int:
    """Remove issues (deleted in Jira or gone from the JQL) with their history."""
    removed = 0
    for chunk in _chunks([str(i) for i in issue_ids]):
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
