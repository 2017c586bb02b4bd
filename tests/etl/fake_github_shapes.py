"""What the fake GitHub answers, shaped as GitHub's REST and GraphQL APIs do: repository,
pull request, tag, commit and git-tag objects, Link-header pages, GraphQL pull requests
with their reviews and timelines, refs, and keyset cursors."""

from __future__ import annotations

import base64
import json
import re
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

import pandas as pd


def iso(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and value != value) or value == "":
        return None
    if isinstance(value, str):
        return value
    return pd.Timestamp(value).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Repo:
    owner: str
    name: str
    pulls: dict[int, dict[str, Any]] = field(default_factory=dict)
    tags: dict[str, dict[str, Any]] = field(default_factory=dict)
    blank: bool = False  # answer "no pull requests" (a broken upstream)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def pulls_desc(self) -> list[dict[str, Any]]:
        return sorted(
            self.pulls.values(), key=lambda p: (p["updated_at"], p["number"]), reverse=True
        )

    def tags_desc(self) -> list[dict[str, Any]]:
        return sorted(
            self.tags.values(), key=lambda t: (t["committed_at"], t["name"]), reverse=True
        )


def _page_size(query: str, connection: str) -> int | None:
    """The ``first:`` of a nested connection in the query text (None: not asked)."""
    match = re.search(rf"{connection}\(first:\s*(\d+)", query)
    return int(match.group(1)) if match else None


def graphql_reviews(pull: dict[str, Any], query: str) -> dict[str, Any]:
    """The ``reviews`` and ``timelineItems`` connections of a pull request, as many
    nodes as the query's ``first:`` asks (``totalCount`` says how many there are)."""
    out: dict[str, Any] = {}
    first = _page_size(query, "reviews")
    if first is not None:
        reviews = pull.get("reviews") or []
        out["reviews"] = {
            "totalCount": len(reviews),
            "nodes": [
                {
                    "author": None
                    if r.get("login") is None
                    else {"__typename": "Bot" if r.get("bot") else "User", "login": r["login"]},
                    "state": r["state"],
                    "submittedAt": r.get("at"),
                }
                for r in reviews[:first]
            ],
        }
    first = _page_size(query, "timelineItems")
    if first is not None:
        items = pull.get("timeline") or []
        nodes = []
        for item in items[:first]:
            if item["type"] == "PullRequestCommit":
                nodes.append({"__typename": item["type"], "commit": {"committedDate": item["at"]}})
            else:
                nodes.append({"__typename": item["type"], "createdAt": item["at"]})
        out["timelineItems"] = {"totalCount": len(items), "nodes": nodes}
    return out


def _cursor(key: tuple[str, Any]) -> str:
    return base64.b64encode(json.dumps(list(key)).encode()).decode()


def _after(items: list[dict[str, Any]], after: str | None, key) -> list[dict[str, Any]]:
    """Keyset paging: the items that sort after the cursor's key (descending order)."""
    if not after:
        return items
    bound = tuple(json.loads(base64.b64decode(after)))
    return [item for item in items if key(item) < bound]


def rest_repo(repo: Repo, base: str) -> dict[str, Any]:
    return {
        "id": abs(hash(repo.full_name)) % 10**8,
        "name": repo.name,
        "full_name": repo.full_name,
        "owner": {"login": repo.owner, "type": "Organization"},
        "private": False,
        "html_url": f"https://github.com/{repo.full_name}",
        "url": f"{base}/repos/{repo.full_name}",
        "default_branch": "main",
    }


def rest_pulls_list(repo: Repo, query: dict[str, str]) -> list[dict[str, Any]]:
    state = query.get("state", "open")
    items = list(repo.pulls.values())
    if state == "open":
        items = [p for p in items if not p["closed_at"]]
    elif state == "closed":
        items = [p for p in items if p["closed_at"]]
    sort = query.get("sort", "created")
    key = "updated_at" if sort == "updated" else "created_at"
    reverse = query.get("direction", "desc" if sort != "created" else "asc") == "desc"
    return sorted(items, key=lambda p: (p[key], p["number"]), reverse=reverse)


def rest_pull(repo: Repo, pull: dict[str, Any], base: str, full: bool = False) -> dict[str, Any]:
    out = {
        "url": f"{base}/repos/{repo.full_name}/pulls/{pull['number']}",
        "html_url": f"https://github.com/{repo.full_name}/pull/{pull['number']}",
        "number": pull["number"],
        "state": "closed" if pull["closed_at"] else "open",
        "title": pull["title"],
        "user": {"login": pull["author"]} if pull["author"] else None,
        "created_at": pull["created_at"],
        "updated_at": pull["updated_at"],
        "closed_at": pull["closed_at"],
        "merged_at": pull["merged_at"],
        "draft": pull["draft"],
        "head": {"ref": "feature", "sha": "0" * 40},
        "base": {"ref": "main", "sha": "1" * 40},
    }
    if full:
        out.update(
            merged=bool(pull["merged_at"]),
            additions=pull["additions"],
            deletions=pull["deletions"],
            changed_files=1,
            commits=1,
        )
    return out


def rest_tag(repo: Repo, tag: dict[str, Any], base: str) -> dict[str, Any]:
    return {
        "name": tag["name"],
        "commit": {
            "sha": tag["sha"],
            "url": f"{base}/repos/{repo.full_name}/commits/{tag['sha']}",
        },
        "zipball_url": f"{base}/repos/{repo.full_name}/zipball/{tag['name']}",
        "tarball_url": f"{base}/repos/{repo.full_name}/tarball/{tag['name']}",
        "node_id": "REF_" + tag["name"],
    }


def rest_commit(repo: Repo, tag: dict[str, Any], base: str) -> dict[str, Any]:
    person = {"name": "Dev", "email": "dev@example.com", "date": tag["committed_at"]}
    return {
        "sha": tag["sha"],
        "url": f"{base}/repos/{repo.full_name}/commits/{tag['sha']}",
        "html_url": f"https://github.com/{repo.full_name}/commit/{tag['sha']}",
        "commit": {"author": person, "committer": person, "message": "commit"},
    }


def rest_git_tag(repo: Repo, tag: dict[str, Any], base: str) -> dict[str, Any]:
    return {
        "sha": tag["tag_sha"],
        "url": f"{base}/repos/{repo.full_name}/git/tags/{tag['tag_sha']}",
        "tag": tag["name"],
        "message": f"Release {tag['name']}",
        "tagger": {"name": "Releaser", "email": "r@example.com", "date": tag["tagged_at"]},
        "object": {"type": "commit", "sha": tag["sha"]},
    }


def paginate(items: list, query: dict[str, str], url: str, shape) -> tuple[int, dict, Any]:
    per_page = max(1, min(int(query.get("per_page", 30)), 100))
    page = max(1, int(query.get("page", 1)))
    last = max(1, -(-len(items) // per_page))
    chunk = items[(page - 1) * per_page : page * per_page]
    keep = {k: v for k, v in query.items() if k != "page"}
    keep["per_page"] = str(per_page)

    def link(n: int) -> str:
        return f"{url}?{urllib.parse.urlencode({**keep, 'page': n})}"

    links = []
    if page < last:
        links += [f'<{link(page + 1)}>; rel="next"', f'<{link(last)}>; rel="last"']
    if page > 1:
        links += [f'<{link(1)}>; rel="first"', f'<{link(page - 1)}>; rel="prev"']
    return 200, ({"Link": ", ".join(links)} if links else {}), [shape(x) for x in chunk]


def graphql_pull(repo: Repo, pull: dict[str, Any]) -> dict[str, Any]:
    if pull["merged_at"]:
        state = "MERGED"
    elif pull["closed_at"]:
        state = "CLOSED"
    else:
        state = "OPEN"
    return {
        "number": pull["number"],
        "title": pull["title"],
        "url": f"https://github.com/{repo.full_name}/pull/{pull['number']}",
        "state": state,
        "isDraft": pull["draft"],
        "createdAt": pull["created_at"],
        "updatedAt": pull["updated_at"],
        "closedAt": pull["closed_at"],
        "mergedAt": pull["merged_at"],
        "additions": pull["additions"],
        "deletions": pull["deletions"],
        "author": {"login": pull["author"]} if pull["author"] else None,
        "headRefName": pull.get("head_ref", ""),
        "body": pull.get("body", ""),
    }


def graphql_ref(tag: dict[str, Any]) -> dict[str, Any]:
    commit = {"__typename": "Commit", "oid": tag["sha"], "committedDate": tag["committed_at"]}
    if tag["tagged_at"]:
        target = {
            "__typename": "Tag",
            "oid": tag["tag_sha"],
            "tagger": {"date": tag["tagged_at"]},
            "target": commit,
        }
    else:
        target = commit
    return {"name": tag["name"], "target": target}
