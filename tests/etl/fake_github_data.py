"""Pull requests and tags for the fake GitHub: built by hand (:func:`make_pull`,
:func:`make_tag`) or read from the recorded alloy data (tests/data/github)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pandas as pd

DATA = Path(__file__).resolve().parents[1] / "data" / "github"


def make_pull(
    number: int,
    created_at: str,
    *,
    merged_at: str | None = None,
    closed_at: str | None = None,
    updated_at: str | None = None,
    title: str | None = None,
    author: str | None = "octocat",
    draft: bool = False,
    additions: int = 1,
    deletions: int = 0,
    reviews: list[dict[str, Any]] | None = None,
    timeline: list[dict[str, Any]] | None = None,
    head_ref: str = "",
    body: str = "",
) -> dict[str, Any]:
    """A fake pull request. ``reviews``: dicts ``login`` (None: deleted account),
    ``state``, ``at`` (None: pending) and ``bot``; ``timeline``: dicts ``type`` (the
    GraphQL ``__typename``: ReadyForReviewEvent, ConvertToDraftEvent,
    ReviewRequestedEvent, PullRequestCommit) and ``at``; both oldest first."""
    closed_at = closed_at or merged_at
    return {
        "number": int(number),
        "title": title if title is not None else f"PR {number}",
        "author": author,
        "created_at": created_at,
        "merged_at": merged_at,
        "closed_at": closed_at,
        "updated_at": updated_at or closed_at or created_at,
        "draft": draft,
        "additions": int(additions),
        "deletions": int(deletions),
        "reviews": list(reviews or []),
        "timeline": list(timeline or []),
        "head_ref": head_ref,
        "body": body,
    }


def make_tag(
    name: str,
    sha: str,
    committed_at: str,
    tagged_at: str | None = None,
) -> dict[str, Any]:
    return {
        "name": name,
        "sha": sha,
        "committed_at": committed_at,
        "tagged_at": tagged_at,  # None: a lightweight tag
        "tag_sha": hashlib.sha1(f"tag:{name}".encode()).hexdigest() if tagged_at else None,
    }


def alloy_pulls() -> list[dict[str, Any]]:
    """The real merged PRs of tidev/alloy (tests/data/github), as fake-server PRs:
    created_at = first_commit_authored_at, closed = updated = merged_at."""
    frame = pd.read_csv(DATA / "tidev_alloy_pulls.csv.gz", keep_default_na=False)
    return [
        make_pull(
            int(r.number),
            r.first_commit_authored_at,
            merged_at=r.merged_at,
            title=r.title,
            author=r.head_owner or None,
            additions=int(r.additions),
            deletions=int(r.deletions),
            head_ref=r.head_ref,
        )
        for r in frame.itertuples(index=False)
    ]


def alloy_tags() -> list[dict[str, Any]]:
    frame = pd.read_csv(DATA / "tidev_alloy_tags.csv.gz", keep_default_na=False)
    return [
        make_tag(
            r.tag,
            r.commit_sha,
            r.commit_committed_at,
            r.tagged_at if int(r.annotated) and r.tagged_at else None,
        )
        for r in frame.itertuples(index=False)
    ]
