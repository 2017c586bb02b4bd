"""The worked example of docs/metrics.md, "Issues linked to pull requests": three pull
requests of acme/app stored through the store's functions with the keys
vger.metrics.links finds (the sync's own path is tested in tests/etl)."""

from __future__ import annotations

from datetime import UTC, datetime

from vger.metrics.links import candidate_keys
from vger.store import boards
from vger.store.links import save_pull_links
from vger.store.pulls import save_pull_requests

EXAMPLE_PRS = [
    # number, title, branch, body, created
    (1, "[EX-1] Fix login", "ex-1-login", "Also EX-3; see UTF-8 and ISO-8601", "2024-01-01T09:00"),
    (2, "Bump deps", "patch-1", "", "2024-01-04T09:00"),
    (3, "EX-2b tweak", "EX-20", "", "2024-01-05T09:00"),
]


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def pr_row(number: int, title: str, created: str, repo: str = "acme/app") -> dict:
    """A ``pull_request`` row of an open PR."""
    return {
        "number": number,
        "title": title,
        "author": "dev",
        "state": "open",
        "draft": False,
        "created": _at(created),
        "updated": _at(created),
        "merged": None,
        "closed": None,
        "additions": 1,
        "deletions": 0,
        "url": f"https://github.com/{repo}/pull/{number}",
    }


def store_example_prs(engine, board, repo: str = "acme/app") -> None:
    """The worked example's three pull requests and the keys they name."""
    with engine.begin() as conn:
        repo_id = boards.add_repo(conn, board.id, repo)
        rows, keys = [], {}
        for number, title, branch, body, created in EXAMPLE_PRS:
            rows.append(pr_row(number, title, created, repo))
            keys[number] = candidate_keys(title, branch, body)
        save_pull_requests(conn, repo_id, rows)
        save_pull_links(conn, repo_id, keys)
