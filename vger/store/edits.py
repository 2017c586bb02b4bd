"""Store operations of the admin pages and ``vger board remove``: edit and delete teams
and boards, count what a deletion removes. SQL through SQLAlchemy Core only (bound
parameters). Creation goes through :mod:`vger.store.boards` so the command line and the
forms share its validation."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from sqlalchemy import Connection, delete, func, select, update

from vger.errors import ConfigError, LockedError, NotFoundError
from vger.store import boards, sync
from vger.store import schema as s
from vger.store.boards import REPO, validate_name, validate_slug  # noqa: F401 - re-exported for the admin forms
from vger.store.issues import rederive_board

MAX_JQL = 10_000


def validate_fiscal(month) -> int:
    try:
        value = int(month)
    except (TypeError, ValueError):
        raise ConfigError("the fiscal-year start month must be a number from 1 to 12") from None
    if not 1 <= value <= 12:
        raise ConfigError("the fiscal-year start month must be between 1 and 12")
    return value


def validate_rolling(weeks) -> int:
    try:
        value = int(weeks)
    except (TypeError, ValueError):
        raise ConfigError("the rolling window must be a whole number of weeks") from None
    if not 1 <= value <= 104:
        raise ConfigError("the rolling window must be between 1 and 104 weeks")
    return value


def validate_jql(jql: str) -> str:
    jql = (jql or "").strip()
    if len(jql) > MAX_JQL:
        raise ConfigError(f"the JQL is longer than {MAX_JQL} characters")
    return jql


def validate_repos(names: Sequence[str]) -> list[str]:
    """GitHub ``owner/name`` strings (GitHub's own character rules)."""
    out = []
    for full_name in names:
        full_name = full_name.strip()
        if not full_name:
            continue
        if not REPO.match(full_name) or full_name.endswith((".git",)):
            raise ConfigError(
                f"repository {full_name!r} is not of the form owner/name (letters, digits, '-', '_', '.')"
            )
        if full_name not in out:
            out.append(full_name)
    return out


def parse_list(text: str) -> list[str]:
    """Comma- or newline-separated values, stripped, without blanks or duplicates."""
    out: list[str] = []
    for part in re.split(r"[,\n]", text or ""):
        part = part.strip()
        if part and part not in out:
            out.append(part)
    return out


# --- teams ----------------------------------------------------------------------------


def get_team(conn: Connection, slug: str) -> dict:
    row = conn.execute(select(s.team).where(s.team.c.slug == slug)).first()
    if row is None:
        raise NotFoundError(f"no team {slug!r}")
    return dict(row._mapping)


def list_teams(conn: Connection) -> list[dict]:
    rows = conn.execute(select(s.team).order_by(s.team.c.name, s.team.c.slug))
    return [dict(r._mapping) for r in rows]


def update_team(conn: Connection, slug: str, *, name: str, tz: str, fiscal_start_month) -> int:
    """Change a team; re-derives its boards when the time zone changed. Returns the
    number of re-derived boards."""
    team = get_team(conn, slug)
    tz = boards.validate_tz((tz or "UTC").strip())
    values = {
        "name": validate_name(name, "team name") or slug,
        "tz": tz,
        "fiscal_start_month": validate_fiscal(fiscal_start_month),
    }
    conn.execute(update(s.team).where(s.team.c.id == team["id"]).values(**values))
    changed = 0
    if tz != team["tz"]:
        for board in boards.list_boards(conn):
            if board.team_id == team["id"]:
                rederive_board(conn, board)
                changed += 1
    return changed


# --- boards ---------------------------------------------------------------------------


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
) -> bool:
    """Change a board (and its repositories); re-derives its issues when a rule they
    depend on changed. Returns True when re-derived."""
    board = boards.get_board(conn, slug)
    team_id = boards.team_id(conn, team)
    new_abandoned = tuple(abandoned) if abandoned is not None else board.abandoned
    values = {
        "name": validate_name(name, "board name") or slug,
        "team_id": team_id,
        "jql": validate_jql(jql),
        "jira_board_id": jira_board_id,
        "include_subtasks": bool(include_subtasks),
        "rolling_weeks": validate_rolling(rolling_weeks),
        "working_days": bool(working_days),
        "abandoned_resolutions": json.dumps(list(new_abandoned)),
    }
    wanted = validate_repos(repos)
    conn.execute(update(s.board).where(s.board.c.id == board.id).values(**values))
    current = boards.repos(conn, board.id)
    for full_name, repo_id in current.items():
        if full_name not in wanted:
            conn.execute(delete(s.repo).where(s.repo.c.id == repo_id))
    for full_name in wanted:
        boards.add_repo(conn, board.id, full_name)
    after = boards.get_board(conn, slug)
    if (
        after.tz != board.tz
        or after.working_days != board.working_days
        or tuple(after.abandoned) != tuple(board.abandoned)
    ):
        rederive_board(conn, after)
        return True
    return False


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


def team_counts(conn: Connection, team_id: int) -> dict[str, int]:
    total: dict[str, int] = {"boards": 0}
    for board in boards.list_boards(conn):
        if board.team_id == team_id:
            total["boards"] += 1
            for k, v in board_counts(conn, board.id).items():
                total[k] = total.get(k, 0) + v
    return total


def delete_board(conn: Connection, slug: str) -> dict[str, int]:
    """Remove a board and everything stored for it; returns the counts removed. Rows are
    deleted child-first by board id (the schema's ON DELETE CASCADE says the same), so
    nothing of another board is touched even where foreign keys are not enforced."""
    board = boards.get_board(conn, slug)
    _refuse_while_syncing(conn, [board])
    counts = board_counts(conn, board.id)
    scopes = sync.board_scopes(conn, board.id, board.slug)
    repo_ids = [r for r in boards.repos(conn, board.id).values()]
    if repo_ids:
        conn.execute(delete(s.pull_request).where(s.pull_request.c.repo_id.in_(repo_ids)))
        conn.execute(delete(s.tag).where(s.tag.c.repo_id.in_(repo_ids)))
    for table in (
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


def _refuse_while_syncing(conn: Connection, members: list, what: str | None = None) -> None:
    """Raise :class:`LockedError` when a sync of one of these boards holds its lock."""
    for board in members:
        held = sync.held_locks(conn, sync.board_scopes(conn, board.id, board.slug))
        if held:
            raise LockedError(
                f"{what or 'board ' + board.slug} cannot be deleted while board {board.slug} "
                f"syncs ({', '.join(held)}): try again when the sync has ended"
            )


def delete_team(conn: Connection, slug: str) -> dict[str, int]:
    team = get_team(conn, slug)
    counts = team_counts(conn, team["id"])
    members = [b for b in boards.list_boards(conn) if b.team_id == team["id"]]
    _refuse_while_syncing(conn, members, what=f"team {slug}")
    for board in members:
        delete_board(conn, board.slug)
    conn.execute(delete(s.team).where(s.team.c.id == team["id"]))
    return counts


def recent_issues(conn: Connection, board_id: int, limit: int = 10) -> list[dict]:
    rows = conn.execute(
        select(s.issue.c.key, s.issue.c.summary, s.issue.c.issue_type, s.issue.c.status_name)
        .where(s.issue.c.board_id == board_id)
        .order_by(s.issue.c.updated.desc(), s.issue.c.key)
        .limit(limit)
    )
    return [dict(r._mapping) for r in rows]
