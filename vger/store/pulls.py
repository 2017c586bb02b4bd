"""Writing pull requests and tags."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, delete, select

from vger.store import schema as s
from vger.store.db import upsert


def save_pull_requests(
    conn: Connection, repo_id: int, rows: Sequence[dict[str, Any]]
) -> tuple[int, int]:
    """Upsert pull requests (dicts of ``pull_request`` columns); returns (added, updated)."""
    if not rows:
        return 0, 0
    numbers = [int(r["number"]) for r in rows]
    existing: set[int] = set()
    for k in range(0, len(numbers), 500):
        chunk = numbers[k : k + 500]
        existing |= set(
            conn.execute(
                select(s.pull_request.c.number).where(
                    s.pull_request.c.repo_id == repo_id, s.pull_request.c.number.in_(chunk)
                )
            ).scalars()
        )
    upsert(conn, s.pull_request, [{**r, "repo_id": repo_id} for r in rows], ["repo_id", "number"])
    return len(set(numbers) - existing), len(set(numbers) & existing)


def save_tags(conn: Connection, repo_id: int, rows: Sequence[dict[str, Any]]) -> int:
    """Upsert tags (name, at, sha)."""
    return upsert(conn, s.tag, [{**r, "repo_id": repo_id} for r in rows], ["repo_id", "name"])


def delete_tags(conn: Connection, repo_id: int, names: Sequence[str]) -> int:
    """Remove tags deleted upstream; returns how many rows went."""
    removed = 0
    names = list(names)
    for k in range(0, len(names), 500):
        chunk = names[k : k + 500]
        removed += conn.execute(
            delete(s.tag).where(s.tag.c.repo_id == repo_id, s.tag.c.name.in_(chunk))
        ).rowcount
    return removed
