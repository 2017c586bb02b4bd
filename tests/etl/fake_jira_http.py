"""The fake Jira's HTTP side: one handler thread per request, answering from the
:class:`tests.etl.fake_jira.FakeJira` it serves (``server_fake``)."""

from __future__ import annotations

import base64
import json
import re
import time
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from tests.etl.fake_jira_jql import parse_time

if TYPE_CHECKING:
    from tests.etl.fake_jira import FakeJira

GONE = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
    "A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"
)


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
