"""Sync runs (one row per ETL run, the resume point of the next) and per-scope locks."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, desc, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from vger.errors import LockedError
from vger.store import schema as s
from vger.store.db import analyze, driver_rows
from vger.store.schema import utcnow


def start_run(conn: Connection, source: str, scope: str, board_id: int | None = None) -> int:
    """Record a run as ``running``; returns its id."""
    result = conn.execute(
        insert(s.sync).values(
            source=source, scope=scope, board_id=board_id, started=utcnow(), status="running"
        )
    )
    return int(result.inserted_primary_key[0])


def checkpoint(
    conn: Connection,
    run_id: int,
    *,
    watermark: datetime | None = None,
    cursor: str | None = None,
    counts: dict[str, Any] | None = None,
) -> None:
    """Advance a run's watermark / cursor; call inside the transaction that wrote the rows."""
    values: dict[str, Any] = {"cursor": cursor}
    if watermark is not None:
        values["watermark"] = watermark
    if counts is not None:
        values["counts"] = json.dumps(counts)
    params = {"run": run_id, **{f"v_{k}": values[k] for k in values}}
    driver_rows(conn, _checkpoint(tuple(values)), params)  # every page: no SQLAlchemy execute


_CHECKPOINTS: dict[tuple[str, ...], Any] = {}


def _checkpoint(columns: tuple[str, ...]):
    """The run's UPDATE of ``columns``, built once per set of columns (every page of a
    sync runs it; building it cost more than running it)."""
    stmt = _CHECKPOINTS.get(columns)
    if stmt is None:
        stmt = (
            update(s.sync)
            .where(s.sync.c.id == bindparam("run"))
            .values({c: bindparam(f"v_{c}") for c in columns})
        )
        _CHECKPOINTS[columns] = stmt
    return stmt


def finish_run(
    conn: Connection,
    run_id: int,
    status: str,
    *,
    counts: dict[str, Any] | None = None,
    error: str | None = None,
    watermark: datetime | None = None,
) -> None:
    values: dict[str, Any] = {"status": status, "finished": utcnow(), "error": error}
    if counts is not None:
        values["counts"] = json.dumps(counts)
    if watermark is not None:
        values["watermark"] = watermark
    if status == "ok":
        values["cursor"] = None
    conn.execute(update(s.sync).where(s.sync.c.id == run_id).values(**values))
    board_id = conn.execute(select(s.sync.c.board_id).where(s.sync.c.id == run_id)).scalar()
    if board_id is not None:  # quality hits still pending (stores from before 0008), if any
        from vger.store.quality_hits import refresh_pending  # it reads boards, which uses sync

        refresh_pending(conn, board_id)
    analyze(conn)  # the planner's statistics follow what the run stored


def last_watermark(conn: Connection, source: str, scope: str) -> datetime | None:
    """The newest watermark any run of this scope committed (a failed run's too: its
    committed pages are in the store)."""
    row = conn.execute(
        select(s.sync.c.watermark)
        .where(s.sync.c.source == source, s.sync.c.scope == scope, s.sync.c.watermark.is_not(None))
        .order_by(desc(s.sync.c.watermark))
        .limit(1)
    ).first()
    return row[0] if row else None


def runs(
    conn: Connection,
    source: str | None = None,
    scope: str | None = None,
    limit: int = 20,
    *,
    board_id: int | None = None,
) -> list[dict[str, Any]]:
    """Recent runs (of one board when ``board_id`` is given), newest first, with counts
    decoded."""
    stmt = select(s.sync).order_by(desc(s.sync.c.id)).limit(limit)
    if board_id is not None:
        stmt = stmt.where(s.sync.c.board_id == board_id)
    if source:
        stmt = stmt.where(s.sync.c.source == source)
    if scope:
        stmt = stmt.where(s.sync.c.scope == scope)
    out = []
    for row in conn.execute(stmt):
        item = dict(row._mapping)
        item["counts"] = json.loads(item["counts"]) if item["counts"] else {}
        out.append(item)
    return out


def previous_run(
    conn: Connection, source: str, scope: str, board_id: int
) -> tuple[datetime | None, str | None, str | None]:
    """(newest committed watermark, status and cursor of the newest run) of a scope on a
    board."""
    where = and_(s.sync.c.source == source, s.sync.c.scope == scope, s.sync.c.board_id == board_id)
    watermark = conn.execute(select(func.max(s.sync.c.watermark)).where(where)).scalar()
    last = conn.execute(
        select(s.sync.c.status, s.sync.c.cursor).where(where).order_by(desc(s.sync.c.id)).limit(1)
    ).first()
    return watermark, (last.status if last else None), (last.cursor if last else None)


def last_success(conn: Connection, board_id: int) -> datetime | None:
    """When the newest successful run touching this board finished (cache version)."""
    row = conn.execute(
        select(s.sync.c.finished)
        .where(s.sync.c.board_id == board_id, s.sync.c.status == "ok")
        .order_by(desc(s.sync.c.finished))
        .limit(1)
    ).first()
    return row[0] if row else None


LOCK_STALE = timedelta(minutes=15)  # default staleness; holders renew every third of it


def scope_name(source: str, name: str) -> str:
    """The one name of a sync scope, used by its runs and its lock: ``jira:<board slug>``,
    ``github:<owner/repo>``."""
    return f"{source}:{name}"


def acquire_lock(
    conn: Connection, scope: str, owner: str, stale_after: timedelta = LOCK_STALE
) -> None:
    """Take the lock of ``scope`` or raise :class:`LockedError`. A lock not renewed for
    ``stale_after`` (its holder died) is taken over. Commit right after."""
    now = utcnow()
    conn.execute(
        delete(s.sync_lock).where(
            s.sync_lock.c.scope == scope, s.sync_lock.c.acquired < now - stale_after
        )
    )
    try:
        with conn.begin_nested():
            conn.execute(insert(s.sync_lock).values(scope=scope, owner=owner, acquired=now))
    except IntegrityError:
        holder = conn.execute(
            select(s.sync_lock.c.owner, s.sync_lock.c.acquired).where(s.sync_lock.c.scope == scope)
        ).first()
        since = f" since {holder[1]:%Y-%m-%d %H:%M} UTC" if holder else ""
        raise LockedError(
            f"{scope}: another sync is running ({holder[0] if holder else 'unknown'}{since}); try again when it ends"
        ) from None


def renew_lock(conn: Connection, scope: str, owner: str) -> bool:
    """The holder's heartbeat: move the lock's time to now. False when ``owner`` no
    longer holds it (it was taken over)."""
    result = conn.execute(
        update(s.sync_lock)
        .where(s.sync_lock.c.scope == scope, s.sync_lock.c.owner == owner)
        .values(acquired=utcnow())
    )
    return bool(result.rowcount)


def held_locks(
    conn: Connection, scopes: list[str], stale_after: timedelta = LOCK_STALE
) -> list[str]:
    """The scopes among ``scopes`` whose lock is held and renewed within ``stale_after``."""
    if not scopes:
        return []
    rows = conn.execute(
        select(s.sync_lock.c.scope).where(
            s.sync_lock.c.scope.in_(scopes), s.sync_lock.c.acquired >= utcnow() - stale_after
        )
    ).scalars()
    return sorted(rows)


def board_scopes(conn: Connection, board_id: int, slug: str) -> list[str]:
    """Every sync scope of a board: its Jira board and its repositories."""
    names = conn.execute(select(s.repo.c.full_name).where(s.repo.c.board_id == board_id))
    return [scope_name("jira", slug), *(scope_name("github", n) for n in names.scalars())]


def release_lock(conn: Connection, scope: str, owner: str) -> None:
    conn.execute(
        delete(s.sync_lock).where(s.sync_lock.c.scope == scope, s.sync_lock.c.owner == owner)
    )


def lock_owner(conn: Connection, scope: str) -> str | None:
    """Who holds the lock of ``scope`` (None when free)."""
    row = conn.execute(select(s.sync_lock.c.owner).where(s.sync_lock.c.scope == scope)).first()
    return row[0] if row else None


def break_lock(conn: Connection, scope: str, owner: str) -> bool:
    """Remove a lock whose holder is known to be dead (e.g. killed). True if removed."""
    result = conn.execute(
        delete(s.sync_lock).where(s.sync_lock.c.scope == scope, s.sync_lock.c.owner == owner)
    )
    return bool(result.rowcount)


def abandon_running(conn: Connection, source: str, scope: str, error: str) -> int:
    """Mark runs of ``scope`` still ``running`` as failed (their process died); their
    committed watermark stays the resume point. Call while holding the scope's lock."""
    result = conn.execute(
        update(s.sync)
        .where(s.sync.c.source == source, s.sync.c.scope == scope, s.sync.c.status == "running")
        .values(status="failed", finished=utcnow(), error=error)
    )
    return int(result.rowcount or 0)


def first_sync_progress(
    conn: Connection, board_id: int, source: str = "jira"
) -> tuple[int, int | None] | None:
    """While a board's first sync has not finished (runs exist, none succeeded): (issues
    stored, issues the run expects or None when Jira did not say). Else None."""
    rows = conn.execute(
        select(s.sync.c.status, s.sync.c.counts)
        .where(s.sync.c.board_id == board_id, s.sync.c.source == source)
        .order_by(desc(s.sync.c.id))
        .limit(20)
    ).all()
    if not rows or any(status == "ok" for status, _ in rows):
        return None
    expected = None
    for _, counts in rows:
        value = json.loads(counts).get("expected") if counts else None
        if isinstance(value, int):
            expected = value
            break
    loaded = conn.execute(
        select(func.count()).select_from(s.issue).where(s.issue.c.board_id == board_id)
    ).scalar_one()
    return int(loaded), expected
