"""A fake Jira (Cloud or Data Center) on loopback that speaks the documented REST shapes.

A real HTTP server (``ThreadingHTTPServer`` on port 0, in a thread) that the real
``jira`` client talks to. It holds issues with their full status history and serves:

- ``/rest/api/{2,3}/serverInfo``, ``myself`` (with ``timeZone``), ``field``
- ``/rest/api/{2,3}/search`` (``startAt``/``maxResults``/``total``) — 410 Gone in Cloud mode
- ``/rest/api/{2,3}/search/jql`` (``nextPageToken``/``isLast``) — Cloud only (404 in DC mode)
- ``POST /rest/api/{2,3}/search/approximate-count`` — Cloud only
- ``/rest/api/{2,3}/issue/{key}`` (``expand=changelog``)
- ``/rest/api/{2,3}/issue/{key}/changelog`` (paged, oldest first) — 404 in DC mode
- ``POST /rest/api/3/changelog/bulkfetch`` (≤1000 issues, ``fieldIds`` ≤10, paged by
  ``nextPageToken``, oldest first) — Cloud only; ``bulkfetch = False`` answers 404 as an
  older site would (``bulkfetch_refusal``: another status)
- ``/rest/agile/1.0/board/{id}/configuration`` — 404 for unknown ids
- ``/rest/agile/1.0/board?name=&startAt=&maxResults=`` — boards whose name contains
  ``name`` (case-insensitive), paged; ``board_search = False`` answers 404, as a Jira
  without Jira Software does

JQL: only what the ETL sends — ``(<board jql>) [AND updated >= "yyyy/MM/dd HH:mm"]
[AND updated < "…"] [AND id in (…)] [AND id >= n AND id < m] [AND ((…) OR (…))]
[ORDER BY <field> ASC|DESC]``, the dates read in the
user's zone; a board JQL containing ``NOPE`` is invalid (400 with ``errorMessages``).
Requests are served concurrently (one thread each); ``in_flight`` / ``max_in_flight``
count them. Knobs: embedded changelog size, ignore ``expand``, 429 / 500 for the next N
requests (429s only on paths matching ``fail_429_path``, if set), a delay on every answer
(``latency``), slow answers, hanging searches, issue updates and deletions between runs or between two search
pages of one run (``before_search``), and a request log.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

GONE = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
    "A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"
)
CATEGORY = {"new": (2, "To Do"), "indeterminate": (4, "In Progress"), "done": (3, "Done")}


def jira_time(value: datetime) -> str:
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


class FakeJira:
    """State and knobs. ``url`` after :meth:`start`; use as a context manager."""

    def __init__(
        self,
        mode: str = "cloud",
        *,
        user: str = "bot@example.com",
        token: str = "s3cret-T0KEN-value",
        tz: str = "Europe/Berlin",
        embedded: int | None = None,
    ):
        assert mode in ("cloud", "dc")
        self.mode = mode
        self.user = user
        self.token = token
        self.tz = tz
        self.embedded = embedded if embedded is not None else (40 if mode == "cloud" else 100)
        self.ignore_expand = False
        self.fail_429 = 0
        self.retry_after = "1"
        self.fail_429_path: str | None = None  # regex: only matching requests get the 429s
        self.latency = 0.0  # seconds every answer waits (requests overlap meanwhile)
        self.bulkfetch = True  # Cloud serves POST /rest/api/3/changelog/bulkfetch
        self.bulkfetch_refusal = 404  # ... else answers this (404 older site, 403 refused)
        self.bulk_page = 1000  # histories per bulkfetch page at most
        self.in_flight = 0
        self.max_in_flight = 0
        self.fail_500 = 0
        self.slow = 0  # the next N requests sleep ``slow_seconds`` first
        self.slow_seconds = 1.0
        self.hang_after_search = None  # after this many search pages, searches hang
        # search request number (1-based, counted over the fake's life) -> a change made in
        # Jira just before that request is answered (e.g. an issue updated between two pages)
        self.before_search: dict[int, Any] = {}
        self.cut_changelog: int | None = None  # issue GET: serve only the newest N histories
        self.cut_total = True  # ... with the real ``total`` (False: without a total)
        self.dc_paged_changelog = False  # DC mode also serves issue/{key}/changelog
        self.release = threading.Event()
        self.issues: dict[str, dict[str, Any]] = {}  # key -> {"id","key","fields","histories"}
        self._ids: dict[str, str] = {}  # id -> key
        self.statuses: dict[str, tuple[str, str]] = {}  # id -> (name, category key)
        self.boards: dict[int, dict[str, Any]] = {}
        self.board_search = (
            True  # serve GET /rest/agile/1.0/board?name= (False: 404, as without Jira Software)
        )
        self.log: list[dict[str, Any]] = []
        self.search_pages = 0
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    # --- lifecycle ---------------------------------------------------------------------

    def start(self) -> FakeJira:
        fake = self

        class Handler(_Handler):
            server_fake = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        return self

    def stop(self) -> None:
        self.release.set()
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FakeJira:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- data --------------------------------------------------------------------------

    def add_status(self, status_id: str, name: str, category: str = "indeterminate") -> None:
        self.statuses[str(status_id)] = (name, category)

    def add_issue(
        self,
        issue_id: str,
        key: str,
        *,
        issue_type: str = "Story",
        created: datetime,
        status: str,
        resolution: str | None = None,
        summary: str = "",
        subtask: bool = False,
        moves: Iterable[tuple[datetime, str, str]] = (),
        extra_items: bool = False,
    ) -> dict[str, Any]:
        """An issue created in the first move's ``from`` status; ``moves`` are
        (at, from id, to id). ``updated`` is the newest of created and the moves."""
        histories = []
        hid = int(issue_id) * 1000
        for at, a, b in moves:
            hid += 1
            items = [self._item(a, b)]
            if extra_items:
                items.insert(
                    0,
                    {
                        "field": "Flagged",
                        "fieldtype": "custom",
                        "fieldId": "customfield_10021",
                        "from": None,
                        "fromString": None,
                        "to": "[10019]",
                        "toString": "Impediment",
                    },
                )
            histories.append(
                {
                    "id": str(hid),
                    "author": {"displayName": "Ann"},
                    "created": jira_time(at),
                    "items": items,
                }
            )
        doc = {
            "id": str(issue_id),
            "key": key,
            "fields": {
                "summary": summary or f"{key} summary",
                "issuetype": {"id": "1", "name": issue_type, "subtask": subtask},
                "status": None,
                "resolution": {"name": resolution} if resolution else None,
                "resolutiondate": None,
                "created": jira_time(created),
                "updated": jira_time(created),
                "parent": None,
            },
            "histories": histories,
        }
        with self._lock:
            self.issues[key] = doc
            self._ids[str(issue_id)] = key
            self._refresh(doc, status)
        return doc

    def _item(self, a: str | None, b: str) -> dict[str, Any]:
        return {
            "field": "status",
            "fieldtype": "jira",
            "fieldId": "status",
            "from": a,
            "fromString": self.statuses.get(a, (a,))[0] if a else None,
            "to": b,
            "toString": self.statuses.get(b, (b,))[0],
        }

    def _refresh(self, doc: dict[str, Any], status: str) -> None:
        name, cat = self.statuses.get(status, (status, "indeterminate"))
        cid, cname = CATEGORY[cat]
        doc["fields"]["status"] = {
            "self": f"{self.url}/rest/api/2/status/{status}",
            "id": status,
            "name": name,
            "statusCategory": {"id": cid, "key": cat, "name": cname},
        }
        times = [parse_time(doc["fields"]["created"])] + [
            parse_time(h["created"]) for h in doc["histories"]
        ]
        doc["fields"]["updated"] = jira_time(max(times))
        doc["_t"] = {"updated": max(times), "created": times[0]}  # parsed once, for select()
        done = [
            parse_time(h["created"])
            for h in doc["histories"]
            if any(self.statuses.get(i["to"], ("", ""))[1] == "done" for i in h["items"])
        ]
        doc["fields"]["resolutiondate"] = jira_time(done[-1]) if done and cat == "done" else None

    def move(self, key: str, at: datetime, to: str, resolution: str | None = None) -> None:
        """A status move made now in Jira (updates the issue's ``updated``)."""
        with self._lock:
            doc = self.issues[key]
            frm = doc["fields"]["status"]["id"]
            hid = max([int(h["id"]) for h in doc["histories"]] + [int(doc["id"]) * 1000]) + 1
            doc["histories"].append(
                {"id": str(hid), "created": jira_time(at), "items": [self._item(frm, to)]}
            )
            if resolution is not None:
                doc["fields"]["resolution"] = {"name": resolution}
            self._refresh(doc, to)

    def flag(self, key: str, at: datetime, on: bool = True) -> None:
        """Set (``on``) or clear Jira's "Flagged" impediment flag at ``at``: a history
        with the Flagged item exactly as Jira Cloud records it (jirametrics sample SP-1)."""
        with self._lock:
            doc = self.issues[key]
            hid = max([int(h["id"]) for h in doc["histories"]] + [int(doc["id"]) * 1000]) + 1
            item = {
                "field": "Flagged",
                "fieldtype": "custom",
                "fieldId": "customfield_10021",
                "from": None if on else "[10019]",
                "fromString": None if on else "Impediment",
                "to": "[10019]" if on else None,
                "toString": "Impediment" if on else None,
            }
            doc["histories"].append({"id": str(hid), "created": jira_time(at), "items": [item]})
            doc["histories"].sort(key=lambda h: parse_time(h["created"]))
            self._refresh(doc, doc["fields"]["status"]["id"])

    def delete(self, key: str) -> None:
        with self._lock:
            del self.issues[key]

    def add_board(
        self, board_id: int, columns: list[tuple[str, list[str]]], name: str | None = None
    ) -> None:
        self.boards[board_id] = {
            "id": board_id,
            "name": name or f"Board {board_id}",
            "type": "kanban",
            "self": f"{self.url}/rest/agile/1.0/board/{board_id}/configuration",
            "location": {"type": "project", "key": "EX", "id": "10000"},
            "filter": {"id": "10000"},
            "columnConfig": {
                "columns": [
                    {
                        "name": n,
                        "statuses": [
                            {"id": s, "self": f"{self.url}/rest/api/2/status/{s}"} for s in ids
                        ],
                    }
                    for n, ids in columns
                ],
                "constraintType": "issueCount",
            },
            "ranking": {"rankCustomFieldId": 10019},
        }

    # --- webhooks ------------------------------------------------------------------------

    def send_webhook(self, url: str, event: str, key: str, secret: str) -> Any:
        """POST Jira's issue event for ``key`` to ``url`` as Jira does: Cloud admin
        webhooks sign the raw body (``X-Hub-Signature: sha256=<hex>``); Data Center cannot
        sign, so its ``url`` carries the token (``…/hooks/jira/<token>``). Answers the
        ``requests`` response."""
        import hashlib
        import hmac

        import requests

        with self._lock:
            doc = self.issues.get(key) or {"id": "0", "key": key, "fields": {}}
            issue = {"id": doc["id"], "key": doc["key"], "fields": dict(doc["fields"])}
        body = json.dumps(
            {
                "timestamp": int(time.time() * 1000),
                "webhookEvent": event,
                "issue_event_type_name": "issue_generic",
                "user": {"displayName": "Ann"},
                "issue": issue,
            }
        ).encode()
        headers = {"Content-Type": "application/json"}
        if self.mode == "cloud":
            digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
            headers["X-Hub-Signature"] = f"sha256={digest}"
        return requests.post(url, data=body, headers=headers, timeout=10)

    # --- introspection -----------------------------------------------------------------

    @property
    def count(self) -> int:
        return len(self.log)

    def paths(self) -> list[str]:
        return [r["path"] for r in self.log]

    def reset_log(self) -> None:
        with self._lock:
            self.log.clear()

    # --- serving -----------------------------------------------------------------------

    def rendered(
        self,
        doc: dict[str, Any],
        fields: str | None,
        expand: bool,
        limit: int | None,
        search: bool = True,
    ) -> dict:
        out: dict[str, Any] = {
            "expand": "renderedFields,names,changelog",
            "id": doc["id"],
            "self": f"{self.url}/rest/api/2/issue/{doc['id']}",
            "key": doc["key"],
        }
        wanted = [f.strip() for f in (fields or "*all").split(",") if f.strip()]
        if wanted == ["id"]:
            return {"id": doc["id"]}
        if "*all" in wanted or "*navigable" in wanted:
            out["fields"] = dict(doc["fields"])
        else:
            out["fields"] = {k: v for k, v in doc["fields"].items() if k in wanted}
        if expand and not (self.ignore_expand and search):  # ignore_expand: search pages only
            newest = list(reversed(doc["histories"]))
            shown = newest if limit is None else newest[:limit]
            out["changelog"] = {
                "startAt": 0,
                "maxResults": len(shown),
                "total": len(newest),
                "histories": shown,
            }
        return out

    def select(self, jql: str) -> list[dict[str, Any]]:
        """The issues matching the JQL, ordered. Raises ValueError for invalid JQL."""
        m = re.match(r"^\s*(.*?)\s*(?:ORDER BY\s+(\w+)\s*(ASC|DESC)?)?\s*$", jql, re.I | re.S)
        body, order, direction = m.group(1), (m.group(2) or "created"), (m.group(3) or "DESC")
        if "NOPE" in body:
            raise ValueError("The value 'NOPE' does not exist for the field 'project'.")
        if not body.strip():
            raise ValueError(
                "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
            )
        project = re.search(r"project\s*=\s*(\w+)", body)
        with self._lock:
            docs = list(self.issues.values())
        if project:
            docs = [x for x in docs if x["key"].split("-")[0] == project.group(1)]
        ids = re.search(r"\bid\s+in\s*\(([\d,\s]+)\)", body, re.I)
        if ids:
            wanted = {i.strip() for i in ids.group(1).split(",")}
            docs = [x for x in docs if str(x["id"]) in wanted]
        either = re.search(r"AND\s+\(\s*(\(.*\))\s*\)\s*$", body, re.S)
        if either and re.search(r"\)\s+OR\s+\(", either.group(1)):
            # ``AND ((a AND b) OR (c AND d))``: a row matches when any group matches
            tests = [self._test(g) for g in re.findall(r"\(([^()]*)\)", either.group(1))]
            docs = [x for x in docs if any(t(x) for t in tests)]
        else:
            test = self._test(body)
            docs = [x for x in docs if test(x)]
        field = order.lower()
        if field in ("updated", "created"):
            docs.sort(
                key=lambda x: (x["_t"][field], int(x["id"])),
                reverse=direction.upper() == "DESC",
            )
        else:
            docs.sort(key=lambda x: int(x["id"]), reverse=direction.upper() == "DESC")
        return docs

    def _test(self, clauses: str):
        """A row test for the ``id`` and ``updated`` comparisons in ``clauses`` (parsed once)."""
        ids = [
            (op, int(bound))
            for op, bound in re.findall(r"\bid\s*(>=|<=|>|<)\s*(\d+)", clauses, re.I)
        ]
        since = self._jql_time(clauses, ">=")
        before = self._jql_time(clauses, "<")

        def test(doc: dict[str, Any]) -> bool:
            if not all(_compare(int(doc["id"]), op, bound) for op, bound in ids):
                return False
            updated = doc["_t"]["updated"]
            return (since is None or updated >= since) and (before is None or updated < before)

        return test

    def _jql_time(self, body: str, op: str) -> datetime | None:
        d = re.search(r"updated\s*" + op + r'\s*"(\d{4}/\d{2}/\d{2} \d{2}:\d{2})"', body)
        if not d:
            return None
        local = datetime.strptime(d.group(1), "%Y/%m/%d %H:%M").replace(tzinfo=ZoneInfo(self.tz))
        return local.astimezone(UTC)


def _compare(value: int, op: str, bound: int) -> bool:
    return {">=": value >= bound, "<=": value <= bound, ">": value > bound, "<": value < bound}[op]


class _Handler(BaseHTTPRequestHandler):
    server_fake: FakeJira
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._safe("GET")

    def do_POST(self) -> None:
        self._safe("POST")

    def _safe(self, method: str) -> None:
        fake = self.server_fake
        with fake._lock:
            fake.in_flight += 1
            fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
        self._counted = True
        try:
            self._serve(method)
        except Exception as exc:  # noqa: BLE001 - a bug in the fake shows as HTTP 599
            self._send(599, {"errorMessages": [f"fake Jira bug: {type(exc).__name__}: {exc}"]})
        finally:
            self._answered()

    def _answered(self) -> None:
        """The request stops being in flight just before its answer is written (after it,
        the client may already have sent its next request)."""
        if getattr(self, "_counted", False):
            self._counted = False
            with self.server_fake._lock:
                self.server_fake.in_flight -= 1

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = (body if isinstance(body, str) else json.dumps(body)).encode()
        self._answered()
        try:
            self.send_response(status)
            self.send_header(
                "Content-Type",
                "application/json;charset=UTF-8" if not isinstance(body, str) else "text/plain",
            )
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _error(self, status: int, *messages: str, headers=None) -> None:
        self._send(status, {"errorMessages": list(messages), "errors": {}}, headers)

    def _authorized(self) -> bool:
        fake = self.server_fake
        header = self.headers.get("Authorization", "")
        if fake.mode == "cloud":
            expected = "Basic " + base64.b64encode(f"{fake.user}:{fake.token}".encode()).decode()
            return header == expected
        return header == f"Bearer {fake.token}"

    def _serve(self, method: str) -> None:
        fake = self.server_fake
        parts = urlsplit(self.path)
        path = parts.path
        params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        body: dict[str, Any] = {}
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                body = {}
        entry = {
            "method": method,
            "path": path,
            "params": params,
            "body": body,
            "status": None,
            "at": time.monotonic(),
        }
        with fake._lock:
            fake.log.append(entry)
            slow = fake.slow > 0
            fake.slow -= 1 if slow else 0
            f429 = fake.fail_429 > 0 and (
                fake.fail_429_path is None or re.search(fake.fail_429_path, path) is not None
            )
            fake.fail_429 -= 1 if f429 else 0
            f500 = fake.fail_500 > 0 and not f429
            fake.fail_500 -= 1 if f500 else 0

        def reply(status, payload, headers=None):
            entry["status"] = status
            entry["done"] = time.monotonic()
            self._send(status, payload, headers)

        if fake.latency:
            time.sleep(fake.latency)
        if slow:
            time.sleep(fake.slow_seconds)
        if f429:
            return reply(
                429, {"errorMessages": ["Rate limit exceeded."]}, {"Retry-After": fake.retry_after}
            )
        if f500:
            return reply(500, {"errorMessages": ["Internal server error"], "errors": {}})
        m = re.match(r"^/rest/api/(2|3|latest)/(.*)$", path)
        a = re.match(r"^/rest/agile/1\.0/board/(\d+)/configuration$", path)
        if m and m.group(2) == "serverInfo":
            return reply(200, self._server_info())
        if not self._authorized():
            return reply(
                401,
                {
                    "errorMessages": [
                        "You are not authenticated. Authentication required to perform this operation."
                    ],
                    "errors": {},
                },
            )
        if path == "/rest/agile/1.0/board" and fake.board_search:
            return reply(200, self._board_page(params))
        if a:
            board = fake.boards.get(int(a.group(1)))
            if board is None:
                return reply(
                    404,
                    {
                        "errorMessages": [
                            "Board does not exist or you do not have permission to see it."
                        ],
                        "errors": {},
                    },
                )
            return reply(200, board)
        if not m:
            return reply(404, "null for uri: " + path)
        rest = m.group(2)
        if rest == "myself":
            return reply(
                200,
                {
                    "self": f"{fake.url}/rest/api/2/user",
                    "emailAddress": fake.user,
                    "name": fake.user,
                    "accountId": "5b10a2844c20165700ede21g",
                    "displayName": "Bot",
                    "active": True,
                    "timeZone": fake.tz,
                    "locale": "en_US",
                },
            )
        if rest == "field":
            return reply(
                200,
                [
                    {"id": "status", "name": "Status", "clauseNames": ["status"]},
                    {"id": "updated", "name": "Updated", "clauseNames": ["updated", "updatedDate"]},
                ],
            )
        if rest == "search":
            if fake.mode == "cloud":
                return reply(410, {"errorMessages": [GONE], "errors": {}})
            return self._search_offset(reply, params if method == "GET" else body)
        if rest == "search/jql":
            if fake.mode != "cloud":
                return reply(404, "null for uri: " + path)
            return self._search_token(reply, params if method == "GET" else body)
        if rest == "search/approximate-count" and method == "POST":
            if fake.mode != "cloud":
                return reply(404, "null for uri: " + path)
            try:
                return reply(200, {"count": len(fake.select(body.get("jql", "")))})
            except ValueError as exc:
                return reply(400, {"errorMessages": [str(exc)], "errors": {}})
        if rest == "changelog/bulkfetch" and method == "POST":
            if fake.mode != "cloud" or m.group(1) != "3":
                return reply(404, "null for uri: " + path)
            if not fake.bulkfetch:
                return reply(
                    fake.bulkfetch_refusal,
                    {"errorMessages": ["changelog/bulkfetch is not available"], "errors": {}},
                )
            return self._bulkfetch(reply, body)
        c = re.match(r"^issue/([^/]+)/changelog$", rest)
        if c:
            if fake.mode != "cloud" and not fake.dc_paged_changelog:
                return reply(404, "null for uri: " + path)
            doc = self._issue(c.group(1))
            if doc is None:
                return reply(
                    404,
                    {
                        "errorMessages": [
                            "Issue does not exist or you do not have permission to see it."
                        ],
                        "errors": {},
                    },
                )
            start = int(params.get("startAt", 0))
            size = min(int(params.get("maxResults", 100)), 100)
            values = doc["histories"][start : start + size]
            total = len(doc["histories"])
            return reply(
                200,
                {
                    "self": f"{fake.url}{self.path}",
                    "maxResults": size,
                    "startAt": start,
                    "total": total,
                    "isLast": start + size >= total,
                    "values": values,
                },
            )
        i = re.match(r"^issue/([^/]+)$", rest)
        if i:
            doc = self._issue(i.group(1))
            if doc is None:
                return reply(
                    404,
                    {
                        "errorMessages": [
                            "Issue does not exist or you do not have permission to see it."
                        ],
                        "errors": {},
                    },
                )
            expand = "changelog" in params.get("expand", "")
            out = fake.rendered(doc, params.get("fields"), expand, fake.cut_changelog, False)
            if expand and fake.cut_changelog is not None and not fake.cut_total:
                del out["changelog"]["total"]  # a cut that does not say so, but a full page
            return reply(200, out)
        return reply(404, "null for uri: " + path)

    def _bulkfetch(self, reply, body: dict[str, Any]) -> None:
        """Histories of the asked issues, oldest first (then by issue id), each keeping only
        the items of ``fieldIds``; pages of at most ``maxResults`` histories."""
        fake = self.server_fake
        wanted = body.get("issueIdsOrKeys") or []
        fields = body.get("fieldIds") or []
        if not wanted or len(wanted) > 1000 or len(fields) > 10:
            return reply(
                400,
                {
                    "errorMessages": ["issueIdsOrKeys: 1 to 1000 issues; fieldIds: up to 10"],
                    "errors": {},
                },
            )
        rows = []
        for ref in wanted:
            doc = self._issue(str(ref))
            if doc is None:
                continue
            for h in doc["histories"]:
                items = [i for i in h["items"] if not fields or i.get("fieldId") in fields]
                if items:
                    rows.append((parse_time(h["created"]), int(doc["id"]), {**h, "items": items}))
        rows.sort(key=lambda r: (r[0], r[1]))
        token = body.get("nextPageToken")
        start = int(base64.urlsafe_b64decode(token.encode()).decode()) if token else 0
        size = min(int(body.get("maxResults") or 1000), fake.bulk_page)
        page = rows[start : start + size]
        logs: list[dict[str, Any]] = []
        for _, issue_id, h in page:
            if not logs or logs[-1]["issueId"] != str(issue_id):
                logs.append({"issueId": str(issue_id), "changeHistories": []})
            logs[-1]["changeHistories"].append(h)
        out: dict[str, Any] = {"issueChangeLogs": logs}
        if start + size < len(rows):
            out["nextPageToken"] = base64.urlsafe_b64encode(str(start + size).encode()).decode()
        return reply(200, out)

    def _board_page(self, params: dict[str, str]) -> dict[str, Any]:
        """Boards whose name contains ``name`` (case-insensitive), by id, in the
        documented paged shape of ``GET /rest/agile/1.0/board``."""
        fake = self.server_fake
        wanted = params.get("name", "").casefold()
        with fake._lock:
            found = [b for _, b in sorted(fake.boards.items()) if wanted in b["name"].casefold()]
        start = int(params.get("startAt", 0))
        size = min(int(params.get("maxResults", 50)), 50)
        page = found[start : start + size]
        return {
            "maxResults": size,
            "startAt": start,
            "total": len(found),
            "isLast": start + size >= len(found),
            "values": [
                {
                    "id": b["id"],
                    "self": f"{fake.url}/rest/agile/1.0/board/{b['id']}",
                    "name": b["name"],
                    "type": b["type"],
                    "location": b["location"],
                }
                for b in page
            ],
        }

    def _issue(self, key_or_id: str):
        fake = self.server_fake
        with fake._lock:
            return fake.issues.get(key_or_id) or fake.issues.get(fake._ids.get(key_or_id, ""))

    def _server_info(self) -> dict[str, Any]:
        fake = self.server_fake
        if fake.mode == "cloud":
            return {
                "baseUrl": fake.url,
                "version": "1001.0.0-SNAPSHOT",
                "versionNumbers": [1001, 0, 0],
                "deploymentType": "Cloud",
                "buildNumber": 100275,
                "serverTitle": "Jira",
                "defaultLocale": {"locale": "en_US"},
            }
        return {
            "baseUrl": fake.url,
            "version": "9.12.7",
            "versionNumbers": [9, 12, 7],
            "deploymentType": "Server",
            "buildNumber": 9120007,
            "serverTitle": "Jira",
        }

    def _hang(self) -> None:
        fake = self.server_fake
        with fake._lock:
            fake.search_pages += 1
            hang = fake.hang_after_search is not None and fake.search_pages > fake.hang_after_search
            change = fake.before_search.pop(fake.search_pages, None)
        if change is not None:
            change()
        if hang:
            fake.release.wait(60)

    def _page_args(self, q):
        fields = q.get("fields")
        if isinstance(fields, list):
            fields = ",".join(fields)
        expand = q.get("expand") or ""
        if isinstance(expand, list):
            expand = ",".join(expand)
        return fields, "changelog" in expand

    def _search_offset(self, reply, q) -> None:
        fake = self.server_fake
        self._hang()
        try:
            docs = fake.select(str(q.get("jql", "")))
        except ValueError as exc:
            return reply(400, {"errorMessages": [str(exc)], "errors": {}})
        fields, expand = self._page_args(q)
        start = int(q.get("startAt", 0))
        size = min(int(q.get("maxResults", 50)), 1000)
        page = docs[start : start + size]
        return reply(
            200,
            {
                "expand": "schema,names",
                "startAt": start,
                "maxResults": size,
                "total": len(docs),
                "issues": [fake.rendered(d, fields, expand, fake.embedded) for d in page],
            },
        )

    def _search_token(self, reply, q) -> None:
        fake = self.server_fake
        self._hang()
        try:
            docs = fake.select(str(q.get("jql", "")))
        except ValueError as exc:
            return reply(400, {"errorMessages": [str(exc)], "errors": {}})
        fields, expand = self._page_args(q)
        token = q.get("nextPageToken")
        start = int(base64.urlsafe_b64decode(token.encode()).decode()) if token else 0
        cap = 5000 if (fields or "id") in ("id", "key") else 100
        size = min(int(q.get("maxResults", 50)), cap)
        page = docs[start : start + size]
        out: dict[str, Any] = {
            "issues": [fake.rendered(d, fields or "id", expand, fake.embedded) for d in page]
        }
        if start + size < len(docs):
            out["nextPageToken"] = base64.urlsafe_b64encode(str(start + size).encode()).decode()
            out["isLast"] = False
        else:
            out["isLast"] = True
        return reply(200, out)
