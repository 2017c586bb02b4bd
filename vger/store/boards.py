"""Teams, boards and their configuration: work states, work types, repositories."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Connection, delete, func, insert, select, update

from vger.errors import ConfigError, NotFoundError
from vger.metrics.events import DEFAULT_ABANDONED, Workflow, WorkState
from vger.store import schema as s
from vger.store import working


@dataclass(frozen=True)
class Board:
    """A board and the team settings its numbers depend on."""

    id: int
    slug: str
    name: str
    team_id: int
    team_slug: str
    team_name: str
    tz: str
    fiscal_start_month: int
    jql: str
    jira_board_id: int | None
    include_subtasks: bool
    rolling_weeks: int
    working_days: bool
    abandoned: tuple[str, ...]
    interval_start: int | None
    interval_end: int | None
    browse_url: str | None


SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
REPO = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")
MAX_NAME = 200


def validate_slug(slug: str, what: str = "slug") -> str:
    """A slug as it appears in URLs: 1-64 lower-case letters, digits, '-' or '_'."""
    slug = (slug or "").strip()
    if not SLUG.match(slug):
        raise ConfigError(
            f"the {what} {slug!r} is not valid: use 1-64 lower-case letters, digits, '-' or '_', starting with a letter or digit"
        )
    return slug


def validate_name(name: str, what: str = "name") -> str:
    """A display name: at most 200 characters, no control characters."""
    name = (name or "").strip()
    if len(name) > MAX_NAME:
        raise ConfigError(f"the {what} is longer than {MAX_NAME} characters")
    if any(ord(c) < 32 for c in name):
        raise ConfigError(f"the {what} contains control characters")
    return name


def validate_tz(tz: str) -> str:
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"unknown time zone {tz!r}: use an IANA name such as Europe/Berlin"
        ) from None
    return tz


def add_team(
    conn: Connection,
    slug: str,
    name: str | None = None,
    tz: str = "UTC",
    fiscal_start_month: int = 1,
) -> int:
    """Create a team; returns its id."""
    slug = validate_slug(slug, "team slug")
    name = validate_name(name or "", "team name") or slug
    if not 1 <= int(fiscal_start_month) <= 12:
        raise ConfigError("the fiscal-year start month must be between 1 and 12")
    if conn.execute(select(s.team.c.id).where(s.team.c.slug == slug)).first():
        raise ConfigError(f"a team {slug!r} already exists")
    result = conn.execute(
        insert(s.team).values(
            slug=slug,
            name=name or slug,
            tz=validate_tz(tz),
            fiscal_start_month=int(fiscal_start_month),
        )
    )
    return int(result.inserted_primary_key[0])


def team_id(conn: Connection, slug: str) -> int:
    row = conn.execute(select(s.team.c.id).where(s.team.c.slug == slug)).first()
    if row is None:
        raise NotFoundError(f"no team {slug!r}")
    return int(row[0])


def add_board(
    conn: Connection,
    slug: str,
    team: str,
    *,
    name: str | None = None,
    jql: str = "",
    jira_board_id: int | None = None,
    include_subtasks: bool = False,
    rolling_weeks: int = 12,
    working_days: bool = False,
    abandoned: Sequence[str] | None = None,
    browse_url: str | None = None,
) -> int:
    """Create a board of ``team``; returns its id."""
    slug = validate_slug(slug, "board slug")
    name = validate_name(name or "", "board name") or slug
    if conn.execute(select(s.board.c.id).where(s.board.c.slug == slug)).first():
        raise ConfigError(f"a board {slug!r} already exists")
    if not 1 <= rolling_weeks <= 104:
        raise ConfigError("the rolling window must be between 1 and 104 weeks")
    result = conn.execute(
        insert(s.board).values(
            slug=slug,
            team_id=team_id(conn, team),
            name=name or slug,
            jql=jql,
            jira_board_id=jira_board_id,
            include_subtasks=include_subtasks,
            rolling_weeks=rolling_weeks,
            working_days=working_days,
            abandoned_resolutions=json.dumps(list(abandoned)) if abandoned is not None else None,
            browse_url=browse_url,
        )
    )
    return int(result.inserted_primary_key[0])


_BOARD_COLUMNS = (
    s.board.c.id,
    s.board.c.slug,
    s.board.c.name,
    s.board.c.team_id,
    s.team.c.slug.label("team_slug"),
    s.team.c.name.label("team_name"),
    s.team.c.tz,
    s.team.c.fiscal_start_month,
    s.board.c.jql,
    s.board.c.jira_board_id,
    s.board.c.include_subtasks,
    s.board.c.rolling_weeks,
    s.board.c.working_days,
    s.board.c.abandoned_resolutions,
    s.board.c.interval_start,
    s.board.c.interval_end,
    s.board.c.browse_url,
)


def _board(row) -> Board:
    data = dict(row._mapping)
    raw = data.pop("abandoned_resolutions")
    data["abandoned"] = tuple(json.loads(raw)) if raw else DEFAULT_ABANDONED
    return Board(**data)


def list_boards(conn: Connection) -> list[Board]:
    """Every board, by team then board name."""
    stmt = (
        select(*_BOARD_COLUMNS)
        .join(s.team, s.team.c.id == s.board.c.team_id)
        .order_by(s.team.c.name, s.board.c.name)
    )
    return [_board(row) for row in conn.execute(stmt)]


def get_board(conn: Connection, slug: str) -> Board:
    stmt = (
        select(*_BOARD_COLUMNS)
        .join(s.team, s.team.c.id == s.board.c.team_id)
        .where(s.board.c.slug == slug)
    )
    row = conn.execute(stmt).first()
    if row is None:
        raise NotFoundError(f"no board {slug!r}")
    return _board(row)


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


def get_workflow(conn: Connection, board_id: int) -> Workflow | None:
    """The board's work states and interval, or None while none are configured."""
    names = conn.execute(
        select(s.work_state.c.position, s.work_state.c.name)
        .where(s.work_state.c.board_id == board_id)
        .order_by(s.work_state.c.position)
    ).all()
    if not names:
        return None
    members: dict[int, set[str]] = {p: set() for p, _ in names}
    for position, status_id in conn.execute(
        select(s.work_state_status.c.position, s.work_state_status.c.status_id).where(
            s.work_state_status.c.board_id == board_id
        )
    ):
        members.setdefault(position, set()).add(status_id)
    bounds = conn.execute(
        select(s.board.c.interval_start, s.board.c.interval_end).where(s.board.c.id == board_id)
    ).one()
    return Workflow(
        tuple(WorkState(n, frozenset(members[p])) for p, n in names), bounds[0], bounds[1]
    )


def upsert_statuses(
    conn: Connection, board_id: int, statuses: Iterable[Mapping[str, str | None]]
) -> None:
    """Remember status names (and categories) seen for the board."""
    from vger.store.db import upsert

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


def add_repo(conn: Connection, board_id: int, full_name: str) -> int:
    """Attach a GitHub repository (``owner/name``) to the board; returns its id."""
    full_name = full_name.strip()
    if not REPO.match(full_name):
        raise ConfigError(f"repository {full_name!r} is not of the form owner/name")
    existing = conn.execute(
        select(s.repo.c.id).where(s.repo.c.board_id == board_id, s.repo.c.full_name == full_name)
    ).first()
    if existing:
        return int(existing[0])
    return int(
        conn.execute(
            insert(s.repo).values(board_id=board_id, full_name=full_name)
        ).inserted_primary_key[0]
    )


def repos(conn: Connection, board_id: int) -> dict[str, int]:
    """Repository full name -> id, for the board."""
    rows = conn.execute(
        select(s.repo.c.full_name, s.repo.c.id)
        .where(s.repo.c.board_id == board_id)
        .order_by(s.repo.c.full_name)
    )
    return {name: rid for name, rid in rows}


def issue_count(conn: Connection, board_id: int) -> int:
    return int(
        conn.execute(
            select(func.count()).select_from(s.issue).where(s.issue.c.board_id == board_id)
        ).scalar_one()
    )
