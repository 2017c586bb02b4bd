"""Teams: create, read, update and delete (with the boards a deletion removes).
SQL through SQLAlchemy Core only (bound parameters)."""

from __future__ import annotations

from sqlalchemy import Connection, delete, insert, select, update

from vger.errors import ConfigError, NotFoundError
from vger.store import boards
from vger.store import schema as s
from vger.store.issues import rederive_board
from vger.store.validate import validate_fiscal, validate_name, validate_slug, validate_tz


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
    tz = validate_tz((tz or "UTC").strip())
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


def team_counts(conn: Connection, team_id: int) -> dict[str, int]:
    total: dict[str, int] = {"boards": 0}
    for board in boards.list_boards(conn):
        if board.team_id == team_id:
            total["boards"] += 1
            for k, v in boards.board_counts(conn, board.id).items():
                total[k] = total.get(k, 0) + v
    return total


def delete_team(conn: Connection, slug: str) -> dict[str, int]:
    team = get_team(conn, slug)
    counts = team_counts(conn, team["id"])
    members = [b for b in boards.list_boards(conn) if b.team_id == team["id"]]
    boards.refuse_while_syncing(conn, members, what=f"team {slug}")
    for board in members:
        boards.delete_board(conn, board.slug)
    conn.execute(delete(s.team).where(s.team.c.id == team["id"]))
    return counts
