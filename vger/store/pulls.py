"""Writing pull requests and tags."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, delete, func, select

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


def stored_pulls(conn: Connection, repo_id: int, numbers: Sequence[int]) -> dict[int, Any]:
    """number -> stored ``pull_request`` row of those of ``numbers`` the repository has."""
    out: dict[int, Any] = {}
    numbers = [int(n) for n in numbers]
    for k in range(0, len(numbers), 500):
        chunk = numbers[k : k + 500]
        pr = s.pull_request
        for row in conn.execute(select(pr).where(pr.c.repo_id == repo_id, pr.c.number.in_(chunk))):
            out[row.number] = row
    return out


#: The columns whose change makes a pull request worth writing again.
COMPARED = (
    "title",
    "author",
    "state",
    "draft",
    "created",
    "updated",
    "merged",
    "closed",
    "additions",
    "deletions",
    "url",
)


def changed_pulls(
    conn: Connection, repo_id: int, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The rows of ``rows`` (pull-request rows as :func:`save_pull_requests` takes them)
    that are new to the repository or differ from the stored row in :data:`COMPARED`."""
    if not rows:
        return []
    stored = stored_pulls(conn, repo_id, [r["number"] for r in rows])
    return [
        row
        for row in rows
        if (old := stored.get(row["number"])) is None
        or any(getattr(old, c) != row[c] for c in COMPARED)
    ]


def count_pulls(conn: Connection, repo_id: int) -> int:
    return int(
        conn.execute(
            select(func.count())
            .select_from(s.pull_request)
            .where(s.pull_request.c.repo_id == repo_id)
        ).scalar_one()
    )


def stored_tags(conn: Connection, repo_id: int) -> dict[str, tuple[str, Any]]:
    """tag name -> (sha, at) of the repository's stored tags."""
    rows = conn.execute(
        select(s.tag.c.name, s.tag.c.sha, s.tag.c.at).where(s.tag.c.repo_id == repo_id)
    )
    return {r.name: (r.sha, r.at) for r in rows}
