"""A board's workflow: its work states (ordered groups of Jira status ids, the lead-time
interval), the status names it has seen, and its work types (groups of issue types).
SQL through SQLAlchemy Core only (bound parameters)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import Connection, and_, bindparam, delete, insert, select, update

from vger.errors import ConfigError
from vger.metrics.events import Workflow, WorkState
from vger.store import schema as s
from vger.store import working
from vger.store.db import driver_rows, upsert


def set_workflow(
    conn: Connection,
    board_id: int,
    states: Sequence[tuple[str, Iterable[str]]],
    interval: tuple[int, int],
) -> None:
    """Replace the board's work states (name, status ids) and lead-time interval
    (inclusive positions). Validates as :class:`Workflow` does."""
    workflow = Workflow(
        tuple(WorkState(n, frozenset(map(str, ids))) for n, ids in states), interval[0], interval[1]
    )
    seen: dict[str, str] = {}
    for state in workflow.states:
        for status_id in state.status_ids:
            if status_id in seen:
                raise ConfigError(
                    f"status {status_id} is in both {seen[status_id]!r} and {state.name!r}"
                )
            seen[status_id] = state.name
    kept = working.working_by_name(conn, board_id)
    conn.execute(delete(s.work_state_status).where(s.work_state_status.c.board_id == board_id))
    conn.execute(delete(s.work_state).where(s.work_state.c.board_id == board_id))
    conn.execute(
        insert(s.work_state),
        [
            {"board_id": board_id, "position": k, "name": st.name}
            for k, st in enumerate(workflow.states)
        ],
    )
    rows = [
        {"board_id": board_id, "status_id": sid, "position": k}
        for k, st in enumerate(workflow.states)
        for sid in sorted(st.status_ids)
    ]
    if rows:
        conn.execute(insert(s.work_state_status), rows)
    conn.execute(
        update(s.board)
        .where(s.board.c.id == board_id)
        .values(interval_start=interval[0], interval_end=interval[1])
    )
    working.apply_defaults(conn, board_id, kept)


def _workflow_select():
    ws, wss, b = s.work_state, s.work_state_status, s.board
    return (
        select(ws.c.position, ws.c.name, wss.c.status_id, b.c.interval_start, b.c.interval_end)
        .select_from(
            b.join(ws, ws.c.board_id == b.c.id).outerjoin(
                wss, and_(wss.c.board_id == ws.c.board_id, wss.c.position == ws.c.position)
            )
        )
        .where(b.c.id == bindparam("board_id"))
        .order_by(ws.c.position)
    )


#: Built once: constructing the join per call cost more than running it (every page).
_WORKFLOW = _workflow_select()


def get_workflow(conn: Connection, board_id: int) -> Workflow | None:
    """The board's work states and interval, or None while none are configured (one
    query: the load path reads it for every page)."""
    rows = driver_rows(conn, _WORKFLOW, {"board_id": board_id})
    if not rows:
        return None
    members: dict[int, set[str]] = {}
    names: dict[int, str] = {}
    for position, name, status_id, _, _ in rows:
        names[position] = name
        statuses = members.setdefault(position, set())
        if status_id is not None:
            statuses.add(status_id)
    start, end = rows[0][3], rows[0][4]
    return Workflow(tuple(WorkState(names[p], frozenset(members[p])) for p in names), start, end)


def upsert_statuses(
    conn: Connection, board_id: int, statuses: Iterable[Mapping[str, str | None]]
) -> None:
    """Remember status names (and categories) seen for the board."""
    rows = [
        {
            "board_id": board_id,
            "status_id": str(x["status_id"]),
            "name": x["name"],
            "category": x.get("category"),
        }
        for x in statuses
    ]
    unique = list({r["status_id"]: r for r in rows}.values())
    upsert(conn, s.status, unique, ["board_id", "status_id"])


def statuses(conn: Connection, board_id: int) -> dict[str, str]:
    """Known status names of the board by status id."""
    rows = conn.execute(
        select(s.status.c.status_id, s.status.c.name).where(s.status.c.board_id == board_id)
    )
    return {sid: name for sid, name in rows}


def unmapped_statuses(conn: Connection, board_id: int) -> dict[str, str]:
    """Statuses seen on the board's issues (or known) that belong to no work state."""
    mapped = select(s.work_state_status.c.status_id).where(
        s.work_state_status.c.board_id == board_id
    )
    seen = set(
        conn.execute(
            select(s.issue.c.status_id).where(s.issue.c.board_id == board_id).distinct()
        ).scalars()
    )
    seen |= set(
        conn.execute(
            select(s.transition.c.to_status_id)
            .where(s.transition.c.board_id == board_id)
            .distinct()
        ).scalars()
    )
    known = statuses(conn, board_id)
    seen |= set(known)
    seen -= set(conn.execute(mapped).scalars())
    seen.discard(None)
    return {sid: known.get(sid, sid) for sid in sorted(seen)}


def set_work_types(conn: Connection, board_id: int, groups: Mapping[str, Iterable[str]]) -> None:
    """Replace the board's work types: name -> issue types."""
    conn.execute(delete(s.work_type).where(s.work_type.c.board_id == board_id))
    rows = [
        {"board_id": board_id, "name": name, "issue_type": t}
        for name, types in groups.items()
        for t in sorted(set(types))
    ]
    if rows:
        conn.execute(insert(s.work_type), rows)


def work_types(conn: Connection, board_id: int) -> dict[str, list[str]]:
    """Work type name -> issue types, by name."""
    out: dict[str, list[str]] = {}
    rows = conn.execute(
        select(s.work_type.c.name, s.work_type.c.issue_type)
        .where(s.work_type.c.board_id == board_id)
        .order_by(s.work_type.c.name, s.work_type.c.issue_type)
    )
    for name, issue_type in rows:
        out.setdefault(name, []).append(issue_type)
    return out
