"""GitHub API JSON -> rows of the ``pull_request`` and ``tag`` tables. Pure: no I/O.

Two input shapes are accepted for a pull request: a GraphQL ``PullRequest`` node
(``createdAt``, ``mergedAt``, ``author { login }``, ``url``, ``isDraft``, ...) and the
REST object (``created_at``, ``merged_at``, ``user.login``, ``html_url``, ``draft``,
...). Every timestamp comes out UTC-aware.

State: ``merged`` if the PR has a merge time, ``rejected`` if it was closed without
one, else ``open`` (METRICS.md, "Pull requests").
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from vger.metrics.links import candidate_keys


def parse_time(value: Any) -> datetime | None:
    """ISO 8601 (``2021-10-15T04:40:10Z``, offsets, fractions) -> UTC-aware datetime."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value).strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def pr_state(merged: datetime | None, closed: datetime | None) -> str:
    if merged is not None:
        return "merged"
    if closed is not None:
        return "rejected"
    return "open"


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


def _login(person: Any) -> str | None:
    if isinstance(person, Mapping):
        login = person.get("login")
        return str(login) if login else None
    return None


def pull_row(obj: Mapping[str, Any]) -> dict[str, Any]:
    """One ``pull_request`` row (without ``repo_id``) from a GraphQL ``PullRequest`` node."""
    created = parse_time(obj.get("createdAt"))
    updated = parse_time(obj.get("updatedAt"))
    merged = parse_time(obj.get("mergedAt"))
    closed = parse_time(obj.get("closedAt"))
    if created is None:
        raise ValueError(f"pull request #{obj.get('number')} has no creation time")
    if merged is not None and closed is None:
        closed = merged
    return {
        "number": int(obj["number"]),
        "title": str(obj.get("title") or ""),
        "author": _login(obj.get("author")),
        "state": pr_state(merged, closed),
        "draft": bool(obj.get("isDraft") or False),
        "created": created,
        "updated": updated or closed or created,
        "merged": merged,
        "closed": closed,
        "additions": _int_or_none(obj.get("additions")),
        "deletions": _int_or_none(obj.get("deletions")),
        "url": obj.get("url"),
    }


def pull_keys(obj: Mapping[str, Any]) -> list[str]:
    """The Jira keys a GraphQL ``PullRequest`` node names in its ``title``,
    ``headRefName`` (branch) or ``body`` (:func:`vger.metrics.links.candidate_keys`)."""
    return candidate_keys(
        str(obj.get("title") or ""), str(obj.get("headRefName") or ""), str(obj.get("body") or "")
    )


def tag_row_from_graphql(ref: Mapping[str, Any]) -> dict[str, Any] | None:
    """One ``tag`` row from a GraphQL ``Ref`` under ``refs/tags/``: the tagger date of an
    annotated tag, else the tagged commit's committer date. None when the ref carries
    no date at all (e.g. a tag of a tree or a blob)."""
    target = ref.get("target") or {}
    at = None
    sha = target.get("oid")
    tagger = target.get("tagger") or {}
    if tagger.get("date"):
        at = parse_time(tagger["date"])
    inner = target.get("target") or {}
    if inner.get("oid"):
        sha = inner["oid"]  # the tagged commit, not the tag object
    if at is None:
        at = parse_time(target.get("committedDate") or inner.get("committedDate"))
    if at is None:
        return None
    return {"name": str(ref["name"]), "at": at, "sha": sha}
