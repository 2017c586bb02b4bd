"""A fake GitHub API server on loopback, for driving the real PyGithub client in tests.

``FakeGitHub`` runs a stdlib ``ThreadingHTTPServer`` on 127.0.0.1 (port 0) in a daemon
thread. PyGithub's ``base_url`` for it is :attr:`FakeGitHub.url`; GraphQL goes to
``<base_url>/graphql`` (``Requester.get_graphql_prefix``: an empty base path + ``/graphql``).

REST shapes served (docs.github.com/en/rest):

* ``GET /rate_limit``
* ``GET /repos/{o}/{r}``
* ``GET /repos/{o}/{r}/pulls?state=&sort=&direction=&per_page=&page=`` (simple items,
  no line counts; ``Link`` header with ``rel="next"``/``"last"``)
* ``GET /repos/{o}/{r}/pulls/{n}`` (full object, with ``additions``/``deletions``)
* ``GET /repos/{o}/{r}/tags`` (paginated; no dates)
* ``GET /repos/{o}/{r}/commits/{sha}``, ``GET /repos/{o}/{r}/git/tags/{sha}``
* ``POST /graphql`` -- the two queries Vger sends: ``repository.pullRequests``
  (ordered by UPDATED_AT DESC, keyset cursors) and ``repository.refs(refPrefix:
  "refs/tags/")`` (ordered by TAG_COMMIT_DATE DESC). The fake does not parse GraphQL:
  it recognises the query by its connection name and answers every field Vger asks;
  each pull request's ``reviews`` and ``timelineItems`` as many as the query's
  ``first:`` asks, with their ``totalCount``.

Every answer carries ``x-ratelimit-limit/-remaining/-used/-reset/-resource``. Knobs:
``remaining`` (budget; 0 -> 403 "API rate limit exceeded", or for GraphQL 200 with
``errors[type=RATE_LIMITED]`` unless ``graphql_limit_status = 403``), ``secondary(n, status,
retry_after)``, ``fail(n, status)`` (e.g. 502 for the next n requests), unknown
repositories (404 / GraphQL NOT_FOUND), a wrong token (401 "Bad credentials"),
``update_pull`` / ``add_pull`` between runs, ``blank`` (a repository that suddenly
answers no pull requests) and a request counter (``count``, ``log``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pandas as pd

DATA = Path(__file__).resolve().parents[1] / "data" / "github"
TOKEN = "ghp_FAKE0123456789abcdefSECRET"


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


def _cursor(key: tuple[str, Any]) -> str:
    return base64.b64encode(json.dumps(list(key)).encode()).decode()


def _after(items: list[dict[str, Any]], after: str | None, key) -> list[dict[str, Any]]:
    """Keyset paging: the items that sort after the cursor's key (descending order)."""
    if not after:
        return items
    bound = tuple(json.loads(base64.b64decode(after)))
    return [item for item in items if key(item) < bound]


class FakeGitHub:
    """The fake's state and knobs; ``start()`` / ``stop()`` or use as a context manager."""

    def __init__(self, token: str = TOKEN, remaining: int = 5000, limit: int = 5000):
        self.token = token
        self.limit = limit
        self.remaining = remaining
        self.reset_at = int(time.time()) + 3600
        self.repos: dict[str, Repo] = {}
        self.log: list[tuple[str, str, int]] = []  # (method, path, status)
        self._lock = threading.RLock()
        self._secondary: list[tuple[int, int]] = []  # (status, retry_after) per request
        self._failures: list[int] = []
        # GitHub answers an exhausted GraphQL budget with 200 + errors[type=RATE_LIMITED]
        # (or a 403, like REST): which one the fake sends
        self.graphql_limit_status = 200
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> FakeGitHub:
        handler = type("Handler", (_Handler,), {"fake": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self.server is not None, "start() the fake first"
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    # -- data ----------------------------------------------------------------------------
    def add_repo(
        self, full_name: str, pulls: list[dict] | None = None, tags: list[dict] | None = None
    ) -> Repo:
        owner, name = full_name.split("/")
        with self._lock:
            repo = self.repos.setdefault(full_name.lower(), Repo(owner, name))
            for pull in pulls or []:
                repo.pulls[pull["number"]] = dict(pull)
            for tag in tags or []:
                repo.tags[tag["name"]] = dict(tag)
        return repo

    def add_pull(self, full_name: str, pull: dict[str, Any]) -> None:
        with self._lock:
            self.repos[full_name.lower()].pulls[pull["number"]] = dict(pull)

    def update_pull(self, full_name: str, number: int, **changes: Any) -> None:
        """Change a PR; ``updated_at`` defaults to now."""
        with self._lock:
            pull = self.repos[full_name.lower()].pulls[number]
            pull.update(changes)
            if "updated_at" not in changes:
                pull["updated_at"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def send_webhook(self, url: str, event: str, payload: dict[str, Any], secret: str) -> Any:
        """POST a webhook as GitHub does: ``X-GitHub-Event``, a delivery id, and
        ``X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body>``."""
        import hmac
        import uuid

        import requests

        body = json.dumps(payload).encode()
        digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        headers = {
            "Content-Type": "application/json",
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": str(uuid.uuid4()),
            "X-Hub-Signature-256": f"sha256={digest}",
        }
        return requests.post(url, data=body, headers=headers, timeout=10)

    def add_tag(self, full_name: str, tag: dict[str, Any]) -> None:
        with self._lock:
            self.repos[full_name.lower()].tags[tag["name"]] = dict(tag)

    def delete_tag(self, full_name: str, name: str) -> None:
        with self._lock:
            del self.repos[full_name.lower()].tags[name]

    def blank(self, full_name: str, value: bool = True) -> None:
        with self._lock:
            self.repos[full_name.lower()].blank = value

    # -- faults ---------------------------------------------------------------------------
    def secondary(self, n: int = 1, status: int = 403, retry_after: int = 0) -> None:
        """The next ``n`` requests hit a secondary rate limit (403 or 429, Retry-After)."""
        with self._lock:
            self._secondary.extend([(status, retry_after)] * n)

    def fail(self, n: int = 1, status: int = 502) -> None:
        """The next ``n`` requests answer ``status`` (e.g. 502 Bad Gateway)."""
        with self._lock:
            self._failures.extend([status] * n)

    def clear_faults(self) -> None:
        with self._lock:
            self._failures.clear()
            self._secondary.clear()

    # -- counters -------------------------------------------------------------------------
    @property
    def count(self) -> int:
        return len(self.log)

    def reset_counts(self) -> None:
        with self._lock:
            self.log.clear()

    def count_of(self, kind: str) -> int:
        """Requests whose path contains ``kind`` (e.g. ``/graphql``, ``/pulls``)."""
        return sum(1 for _, path, _ in self.log if kind in path)

    # -- request handling (called by the handler, under the lock) -------------------------
    def rate_headers(self, resource: str) -> dict[str, str]:
        return {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(max(self.remaining, 0)),
            "x-ratelimit-used": str(self.limit - max(self.remaining, 0)),
            "x-ratelimit-reset": str(self.reset_at),
            "x-ratelimit-resource": resource,
        }

    def handle(
        self, method: str, raw_path: str, headers, body: bytes, base: str
    ) -> tuple[int, dict[str, str], Any]:
        with self._lock:
            parsed = urllib.parse.urlsplit(raw_path)
            path = parsed.path
            query = {k: v[-1] for k, v in urllib.parse.parse_qs(parsed.query).items()}
            resource = "graphql" if path == "/graphql" else "core"
            auth = headers.get("Authorization", "")
            if auth not in (f"token {self.token}", f"Bearer {self.token}"):
                return (
                    401,
                    self.rate_headers(resource),
                    {
                        "message": "Bad credentials",
                        "documentation_url": "https://docs.github.com/rest",
                    },
                )
            if self._failures:
                status = self._failures.pop(0)
                return status, {}, {"message": "Server Error"}
            if self._secondary:
                status, wait = self._secondary.pop(0)
                return (
                    status,
                    {**self.rate_headers(resource), "retry-after": str(wait)},
                    {
                        "message": "You have exceeded a secondary rate limit. "
                        "Please wait a few minutes before you try again."
                    },
                )
            if self.remaining <= 0 and resource == "graphql" and self.graphql_limit_status == 200:
                return (
                    200,
                    self.rate_headers(resource),
                    {
                        "errors": [
                            {
                                "type": "RATE_LIMITED",
                                "message": "API rate limit exceeded for user ID 1.",
                            }
                        ]
                    },
                )
            if self.remaining <= 0:
                return (
                    403,
                    self.rate_headers(resource),
                    {
                        "message": "API rate limit exceeded for user ID 1.",
                        "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
                    },
                )
            self.remaining -= 1
            status, extra, payload = self.route(method, path, query, body, base)
            return status, {**self.rate_headers(resource), **extra}, payload

    def route(
        self, method: str, path: str, query: dict[str, str], body: bytes, base: str
    ) -> tuple[int, dict[str, str], Any]:
        not_found = {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}
        if method == "POST" and path == "/graphql":
            return self.graphql(json.loads(body or b"{}"), base)
        if method != "GET":
            return 404, {}, not_found
        if path == "/rate_limit":
            core = {
                "limit": self.limit,
                "remaining": self.remaining,
                "reset": self.reset_at,
                "used": self.limit - self.remaining,
            }
            return 200, {}, {"resources": {"core": core, "graphql": core}, "rate": core}
        parts = path.strip("/").split("/")
        if len(parts) < 3 or parts[0] != "repos":
            return 404, {}, not_found
        repo = self.repos.get(f"{parts[1]}/{parts[2]}".lower())
        if repo is None:
            return 404, {}, not_found
        rest = parts[3:]
        api = f"{base}/repos/{repo.full_name}"
        if not rest:
            return 200, {}, self.rest_repo(repo, base)
        if rest == ["pulls"]:
            items = [] if repo.blank else self.rest_pulls_list(repo, query)
            return self.paginate(
                items, query, f"{api}/pulls", lambda p: self.rest_pull(repo, p, base)
            )
        if len(rest) == 2 and rest[0] == "pulls" and rest[1].isdigit():
            pull = repo.pulls.get(int(rest[1]))
            if pull is None:
                return 404, {}, not_found
            return 200, {}, self.rest_pull(repo, pull, base, full=True)
        if rest == ["tags"]:
            items = sorted(repo.tags.values(), key=lambda t: t["name"], reverse=True)
            return self.paginate(
                items, query, f"{api}/tags", lambda t: self.rest_tag(repo, t, base)
            )
        if len(rest) == 2 and rest[0] == "commits":
            for tag in repo.tags.values():
                if tag["sha"] == rest[1]:
                    return 200, {}, self.rest_commit(repo, tag, base)
            return 404, {}, {"message": "No commit found for SHA: " + rest[1]}
        if len(rest) == 3 and rest[:2] == ["git", "tags"]:
            for tag in repo.tags.values():
                if tag["tag_sha"] == rest[2]:
                    return 200, {}, self.rest_git_tag(repo, tag, base)
            return 404, {}, not_found
        return 404, {}, not_found

    # -- REST shapes ----------------------------------------------------------------------
    @staticmethod
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

    @staticmethod
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

    @staticmethod
    def rest_pull(
        repo: Repo, pull: dict[str, Any], base: str, full: bool = False
    ) -> dict[str, Any]:
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

    @staticmethod
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

    @staticmethod
    def rest_commit(repo: Repo, tag: dict[str, Any], base: str) -> dict[str, Any]:
        person = {"name": "Dev", "email": "dev@example.com", "date": tag["committed_at"]}
        return {
            "sha": tag["sha"],
            "url": f"{base}/repos/{repo.full_name}/commits/{tag['sha']}",
            "html_url": f"https://github.com/{repo.full_name}/commit/{tag['sha']}",
            "commit": {"author": person, "committer": person, "message": "commit"},
        }

    @staticmethod
    def rest_git_tag(repo: Repo, tag: dict[str, Any], base: str) -> dict[str, Any]:
        return {
            "sha": tag["tag_sha"],
            "url": f"{base}/repos/{repo.full_name}/git/tags/{tag['tag_sha']}",
            "tag": tag["name"],
            "message": f"Release {tag['name']}",
            "tagger": {"name": "Releaser", "email": "r@example.com", "date": tag["tagged_at"]},
            "object": {"type": "commit", "sha": tag["sha"]},
        }

    @staticmethod
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

    # -- GraphQL --------------------------------------------------------------------------
    def graphql(self, request: dict[str, Any], base: str) -> tuple[int, dict, Any]:
        query = request.get("query") or ""
        variables = request.get("variables") or {}
        owner, name = variables.get("owner"), variables.get("name")
        rate = {
            "cost": 1,
            "limit": self.limit,
            "remaining": self.remaining,
            "resetAt": datetime.fromtimestamp(self.reset_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        repo = self.repos.get(f"{owner}/{name}".lower())
        if repo is None:
            return (
                200,
                {},
                {
                    "data": {"repository": None},
                    "errors": [
                        {
                            "type": "NOT_FOUND",
                            "path": ["repository"],
                            "message": f"Could not resolve to a Repository with the name '{owner}/{name}'.",
                        }
                    ],
                },
            )
        first = max(1, min(int(variables.get("first") or 100), 100))
        after = variables.get("after")
        try:
            if after:
                json.loads(base64.b64decode(after, validate=True))
        except ValueError:
            return (
                200,
                {},
                {"errors": [{"message": f"`{after}` does not appear to be a valid cursor."}]},
            )
        if "pullRequests" in query:
            items = [] if repo.blank else repo.pulls_desc()
            rest = _after(items, after, lambda p: (p["updated_at"], p["number"]))
            chunk = rest[:first]
            connection = {
                "totalCount": len(items),
                "pageInfo": {
                    "hasNextPage": len(rest) > first,
                    "endCursor": _cursor((chunk[-1]["updated_at"], chunk[-1]["number"]))
                    if chunk
                    else None,
                },
                "nodes": [
                    {**self.graphql_pull(repo, p), **graphql_reviews(p, query)} for p in chunk
                ],
            }
            return (
                200,
                {},
                {"data": {"repository": {"pullRequests": connection}, "rateLimit": rate}},
            )
        if "refs(" in query:
            items = repo.tags_desc()
            rest = _after(items, after, lambda t: (t["committed_at"], t["name"]))
            chunk = rest[:first]
            connection = {
                "totalCount": len(items),
                "pageInfo": {
                    "hasNextPage": len(rest) > first,
                    "endCursor": _cursor((chunk[-1]["committed_at"], chunk[-1]["name"]))
                    if chunk
                    else None,
                },
                "nodes": [self.graphql_ref(t) for t in chunk],
            }
            return 200, {}, {"data": {"repository": {"refs": connection}, "rateLimit": rate}}
        return 200, {}, {"errors": [{"message": "the fake does not know this query"}]}

    @staticmethod
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

    @staticmethod
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


class _Handler(BaseHTTPRequestHandler):
    fake: FakeGitHub
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # no 40 ms delayed-ACK stall between headers and body

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        base = f"http://{self.headers.get('Host')}"
        try:
            status, headers, payload = self.fake.handle(method, self.path, self.headers, body, base)
        except Exception as exc:  # noqa: BLE001 - a bug in the fake must show as a 500
            status, headers, payload = 500, {}, {"message": f"fake error: {exc!r}"}
        with self.fake._lock:
            self.fake.log.append((method, self.path.split("?")[0], status))
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._serve("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._serve("POST")
