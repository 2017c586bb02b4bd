"""Boards: create, read, update and delete, with their GitHub repositories. A board's
work states and work types are :mod:`vger.store.workflows`; its team is
:mod:`vger.store.teams`. SQL through SQLAlchemy Core only (bound parameters)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, delete, func, insert, select, update

from vger.errors import ConfigError, LockedError, NotFoundError
from vger.metrics.events import DEFAULT_ABANDONED
from vger.store import schema as s
from vger.store import sync
from vger.store.issues import rederive_board
from vger.store.links import apply_review_lead_times
from vger.store.validate import (
    REPO,
    validate_jql,
    validate_name,
    validate_repos,
    validate_rolling,
    validate_slug,
)


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
    review_lead_time: bool = False  # lead time from the first linked PR when earlier


def team_id(conn: Connection, slug: str) -> int:
    """The id of the team ``slug`` (the team a board is created in or moved to)."""
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
    review_lead_time: bool = False,
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
            review_lead_time=bool(review_lead_time),
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
    s.board.c.review_lead_time,
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


def update_board(
    conn: Connection,
    slug: str,
    *,
    name: str,
    team: str,
    jql: str,
    jira_board_id: int | None,
    include_subtasks: bool,
    rolling_weeks,
    working_days: bool,
    abandoned: Sequence[str] | None,
    repos: Sequence[str],
    review_lead_time: bool | None = None,
) -> bool:
    """Change a board (and its repositories); re-derives its issues when a rule they
    depend on changed (``review_lead_time`` None: unchanged). Returns True when
    re-derived."""
    board = get_board(conn, slug)
    new_team = team_id(conn, team)
    new_abandoned = tuple(abandoned) if abandoned is not None else board.abandoned
    values = {
        "name": validate_name(name, "board name") or slug,
        "team_id": new_team,
        "jql": validate_jql(jql),
        "jira_board_id": jira_board_id,
        "include_subtasks": bool(include_subtasks),
        "rolling_weeks": validate_rolling(rolling_weeks),
        "working_days": bool(working_days),
        "abandoned_resolutions": json.dumps(list(new_abandoned)),
        "review_lead_time": board.review_lead_time
        if review_lead_time is None
        else bool(review_lead_time),
    }
    wanted = validate_repos(repos)
    conn.execute(update(s.board).where(s.board.c.id == board.id).values(**values))
    current = _repo_ids(conn, board.id)
    for full_name, repo_id in current.items():
        if full_name not in wanted:
            conn.execute(delete(s.repo).where(s.repo.c.id == repo_id))
    for full_name in wanted:
        add_repo(conn, board.id, full_name)
    after = get_board(conn, slug)
    if (
        after.tz != board.tz
        or after.working_days != board.working_days
        or tuple(after.abandoned) != tuple(board.abandoned)
    ):
        rederive_board(conn, after)
        return True
    if after.review_lead_time != board.review_lead_time:
        apply_review_lead_times(conn, after)  # start and done stay: lead times only
        return True
    return False


def set_review_lead_time(conn: Connection, slug: str, on: bool) -> int:
    """Turn the board's option "lead time includes code review" on or off and recompute
    its stored lead times (vger.store.links.apply_review_lead_times); returns how many
    changed."""
    board = get_board(conn, slug)
    conn.execute(update(s.board).where(s.board.c.id == board.id).values(review_lead_time=bool(on)))
    return apply_review_lead_times(conn, get_board(conn, slug))


def board_counts(conn: Connection, board_id: int) -> dict[str, int]:
    """What deleting the board removes."""

    def count(table, *where) -> int:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())

    repo_ids = select(s.repo.c.id).where(s.repo.c.board_id == board_id)
    return {
        "issues": count(s.issue, s.issue.c.board_id == board_id),
        "status changes": count(s.transition, s.transition.c.board_id == board_id),
        "work states": count(s.work_state, s.work_state.c.board_id == board_id),
        "work type rows": count(s.work_type, s.work_type.c.board_id == board_id),
        "repositories": count(s.repo, s.repo.c.board_id == board_id),
        "pull requests": count(s.pull_request, s.pull_request.c.repo_id.in_(repo_ids)),
        "tags": count(s.tag, s.tag.c.repo_id.in_(repo_ids)),
        "sync runs": count(s.sync, s.sync.c.board_id == board_id),
    }


def delete_board(conn: Connection, slug: str) -> dict[str, int]:
    """Remove a board and everything stored for it; returns the counts removed. Rows are
    deleted child-first by board id, table by table: the issue history tables have no
    foreign key to cascade from ``issue`` (revision 0014), and nothing of another board
    is touched even where foreign keys are not enforced."""
    board = get_board(conn, slug)
    refuse_while_syncing(conn, [board])
    counts = board_counts(conn, board.id)
    scopes = sync.board_scopes(conn, board.id, board.slug)
    repo_ids = [r for r in repos(conn, board.id).values()]
    if repo_ids:
        conn.execute(delete(s.pull_issue_link).where(s.pull_issue_link.c.repo_id.in_(repo_ids)))
        conn.execute(delete(s.pull_request).where(s.pull_request.c.repo_id.in_(repo_ids)))
        conn.execute(delete(s.tag).where(s.tag.c.repo_id.in_(repo_ids)))
    for table in (
        s.flow_day,
        s.flow_day_board,
        s.issue_flag,
        s.issue_quality,
        s.quality_pending,
        s.issue_state_time,
        s.transition,
        s.issue,
        s.work_state_status,
        s.work_state,
        s.work_type,
        s.status,
        s.repo,
        s.sync,
    ):
        conn.execute(delete(table).where(table.c.board_id == board.id))
    conn.execute(delete(s.sync_lock).where(s.sync_lock.c.scope.in_(scopes)))
    conn.execute(delete(s.board).where(s.board.c.id == board.id))
    return counts


def refuse_while_syncing(conn: Connection, members: list, what: str | None = None) -> None:
    """Raise :class:`LockedError` when a sync of one of these boards holds its lock."""
    for board in members:
        held = sync.held_locks(conn, sync.board_scopes(conn, board.id, board.slug))
        if held:
            raise LockedError(
                f"{what or 'board ' + board.slug} cannot be deleted while board {board.slug} "
                f"syncs ({', '.join(held)}): try again when the sync has ended"
            )


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
    return _repo_ids(conn, board_id)


def _repo_ids(conn: Connection, board_id: int) -> dict[str, int]:
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


def recent_issues(conn: Connection, board_id: int, limit: int = 10) -> list[dict]:
    rows = conn.execute(
        select(s.issue.c.key, s.issue.c.summary, s.issue.c.issue_type, s.issue.c.status_name)
        .where(s.issue.c.board_id == board_id)
        .order_by(s.issue.c.updated.desc(), s.issue.c.key)
        .limit(limit)
    )
    return [dict(r._mapping) for r in rows]
