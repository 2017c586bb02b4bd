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

The answers' shapes are in :mod:`tests.etl.fake_github_shapes`, the pull requests and tags
it can hold in :mod:`tests.etl.fake_github_data`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
import urllib.parse
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.etl import fake_github_shapes as shapes
from tests.etl.fake_github_data import DATA, alloy_pulls, alloy_tags, make_pull, make_tag
from tests.etl.fake_github_shapes import Repo, iso

__all__ = [
    "DATA",
    "TOKEN",
    "FakeGitHub",
    "alloy_pulls",
    "alloy_tags",
    "iso",
    "make_pull",
    "make_tag",
]

TOKEN = "ghp_FAKE0123456789abcdefSECRET"


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
            return 200, {}, shapes.rest_repo(repo, base)
        if rest == ["pulls"]:
            items = [] if repo.blank else shapes.rest_pulls_list(repo, query)
            return shapes.paginate(
                items, query, f"{api}/pulls", lambda p: shapes.rest_pull(repo, p, base)
            )
        if len(rest) == 2 and rest[0] == "pulls" and rest[1].isdigit():
            pull = repo.pulls.get(int(rest[1]))
            if pull is None:
                return 404, {}, not_found
            return 200, {}, shapes.rest_pull(repo, pull, base, full=True)
        if rest == ["tags"]:
            items = sorted(repo.tags.values(), key=lambda t: t["name"], reverse=True)
            return shapes.paginate(
                items, query, f"{api}/tags", lambda t: shapes.rest_tag(repo, t, base)
            )
        if len(rest) == 2 and rest[0] == "commits":
            for tag in repo.tags.values():
                if tag["sha"] == rest[1]:
                    return 200, {}, shapes.rest_commit(repo, tag, base)
            return 404, {}, {"message": "No commit found for SHA: " + rest[1]}
        if len(rest) == 3 and rest[:2] == ["git", "tags"]:
            for tag in repo.tags.values():
                if tag["tag_sha"] == rest[2]:
                    return 200, {}, shapes.rest_git_tag(repo, tag, base)
            return 404, {}, not_found
        return 404, {}, not_found

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
            rest = shapes._after(items, after, lambda p: (p["updated_at"], p["number"]))
            chunk = rest[:first]
            connection = {
                "totalCount": len(items),
                "pageInfo": {
                    "hasNextPage": len(rest) > first,
                    "endCursor": shapes._cursor((chunk[-1]["updated_at"], chunk[-1]["number"]))
                    if chunk
                    else None,
                },
                "nodes": [
                    {**shapes.graphql_pull(repo, p), **shapes.graphql_reviews(p, query)}
                    for p in chunk
                ],
            }
            return (
                200,
                {},
                {"data": {"repository": {"pullRequests": connection}, "rateLimit": rate}},
            )
        if "refs(" in query:
            items = repo.tags_desc()
            rest = shapes._after(items, after, lambda t: (t["committed_at"], t["name"]))
            chunk = rest[:first]
            connection = {
                "totalCount": len(items),
                "pageInfo": {
                    "hasNextPage": len(rest) > first,
                    "endCursor": shapes._cursor((chunk[-1]["committed_at"], chunk[-1]["name"]))
                    if chunk
                    else None,
                },
                "nodes": [shapes.graphql_ref(t) for t in chunk],
            }
            return 200, {}, {"data": {"repository": {"refs": connection}, "rateLimit": rate}}
        return 200, {}, {"errors": [{"message": "the fake does not know this query"}]}


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
