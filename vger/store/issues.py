"""Writing issues: upsert rows, replace their status history, and derive start, done,
outcome, lead time and time per work state once, when the issue is stored."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import Connection, delete, select

from vger.metrics.events import Workflow, derive_events
from vger.store import schema as s
from vger.store.db import bulk_insert, update_rows, upsert
from vger.store.links import apply_review_lead_times
from vger.store.quality_hits import mark_pending, replace_board_hits
from vger.store.statepack import pack
from vger.store.workflows import get_workflow

if TYPE_CHECKING:
    from vger.store.boards import Board

CHUNK = 500
DERIVED = ("start", "done", "outcome", "lead_time_days", "lead_time_working_days", "state_days")


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
    Runs inside the caller's transaction."""
    if not issues:
        return SaveCounts()
    workflow = workflow or get_workflow(conn, board.id)
    ids = [str(row["issue_id"]) for row in issues]
    existing = _existing_ids(conn, board.id, ids)
    issue_frame, transition_frame = _frames(issues, transitions)
    derived, state_rows = _derive_frames(board, issue_frame, transition_frame, workflow)
    rows = [
        {
            "history_cut": False,  # set by the ETL when Jira answered part of the history
            **row,
            "board_id": board.id,
            "issue_id": str(row["issue_id"]),
            **derived.get(str(row["issue_id"]), {}),
        }
        for row in issues
    ]
    upsert(conn, s.issue, rows, ["board_id", "issue_id"])
    for chunk in _chunks(sorted(existing)):  # new issues have no history to replace
        conn.execute(
            delete(s.transition).where(
                s.transition.c.board_id == board.id, s.transition.c.issue_id.in_(chunk)
            )
        )
        conn.execute(
            delete(s.issue_state_time).where(
                s.issue_state_time.c.board_id == board.id, s.issue_state_time.c.issue_id.in_(chunk)
            )
        )
        conn.execute(
            delete(s.issue_flag).where(
                s.issue_flag.c.board_id == board.id, s.issue_flag.c.issue_id.in_(chunk)
            )
        )
    columns = ("seq", "at", "from_status_id", "to_status_id", "from_status", "to_status")
    bulk_insert(
        conn,
        s.transition,
        [
            {"board_id": board.id, "issue_id": str(t["issue_id"]), **{c: t.get(c) for c in columns}}
            for t in transitions
        ],
    )
    bulk_insert(conn, s.issue_state_time, state_rows)
    bulk_insert(
        conn,
        s.issue_flag,
        [
            {
                "board_id": board.id,
                "issue_id": str(f["issue_id"]),
                "seq": int(f["seq"]),
                "at": f["at"],
                "flagged": bool(f["flagged"]),
            }
            for f in flags
        ],
    )
    mark_pending(conn, board.id, ids, existing)  # their quality hits: vger.store.quality_hits
    if board.review_lead_time:  # lead time from the first linked PR (vger.store.links)
        apply_review_lead_times(conn, board, issue_ids=ids)
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
    derived, state_rows = _derive_frames(board, issues, transitions, workflow)
    rows = [
        {"board_id": board.id, "issue_id": issue_id, **values}
        for issue_id, values in derived.items()
    ]
    update_rows(conn, s.issue, rows, ["board_id", "issue_id"])
    conn.execute(delete(s.issue_state_time).where(s.issue_state_time.c.board_id == board.id))
    if state_rows:
        bulk_insert(conn, s.issue_state_time, state_rows)
    replace_board_hits(conn, board.id, issues, transitions, workflow)
    if board.review_lead_time:
        apply_review_lead_times(conn, board)
    return len(rows)


def _frames(
    issues: Sequence[dict], transitions: Sequence[dict]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The issues and their moves as the metrics read them."""
    issue_frame = pd.DataFrame(
        {
            "issue_id": [str(r["issue_id"]) for r in issues],
            "key": [r.get("key") for r in issues],
            "created": pd.to_datetime([r["created"] for r in issues], utc=True),
            "status_id": [r.get("status_id") for r in issues],
            "resolution": [r.get("resolution") for r in issues],
        }
    )
    transition_frame = pd.DataFrame(
        {
            "issue_id": [str(t["issue_id"]) for t in transitions],
            "seq": [t["seq"] for t in transitions],
            "at": pd.to_datetime([t["at"] for t in transitions], utc=True),
            "from_status_id": [t.get("from_status_id") for t in transitions],
            "to_status_id": [t.get("to_status_id") for t in transitions],
        }
    )
    return issue_frame, transition_frame


def _derive_frames(
    board: Board, issues: pd.DataFrame, transitions: pd.DataFrame, workflow: Workflow | None
):
    if workflow is None:
        empty = dict.fromkeys(DERIVED)
        return {str(i): dict(empty) for i in issues["issue_id"]}, []
    result = derive_events(issues, transitions, workflow, tz=board.tz, abandoned=board.abandoned)
    ev = result.events
    derived = {}
    starts = _py_times(ev["start"])
    dones = _py_times(ev["done"])
    outcomes = ev["outcome"].tolist()
    leads = ev["lead_time_days"].tolist()
    leads_wd = ev["lead_time_working_days"].tolist()
    for k, issue_id in enumerate(ev["issue_id"].tolist()):
        derived[issue_id] = {
            "start": starts[k],
            "done": dones[k],
            "outcome": outcomes[k],
            "lead_time_days": _float(leads[k]),
            "lead_time_working_days": _float(leads_wd[k]),
            "state_days": None,
        }
    st = result.state_times
    state_rows = [
        {
            "board_id": board.id,
            "issue_id": i,
            "position": int(p),
            "state": n,
            "days": float(d),
            "working_days": float(w),
        }
        for i, n, p, d, w in zip(
            st["issue_id"], st["state"], st["position"], st["days"], st["working_days"], strict=True
        )
    ]
    triples: dict[str, list[tuple[int, float, float]]] = {}
    for row in state_rows:
        triples.setdefault(row["issue_id"], []).append(
            (row["position"], row["days"], row["working_days"])
        )
    for issue_id, values in triples.items():
        derived[issue_id]["state_days"] = pack(values)
    return derived, state_rows


def _py_times(values: pd.Series) -> list:
    values = pd.to_datetime(values, utc=True)
    out = values.dt.to_pydatetime().tolist() if len(values) else []
    return [None if v is None or v is pd.NaT or pd.isna(v) else v for v in out]


def _float(value) -> float | None:
    if value is None or value != value:  # None or NaN
        return None
    return float(value)


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
