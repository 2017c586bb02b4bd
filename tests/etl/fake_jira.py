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

import json
import threading
import time
from collections.abc import Iterable
from datetime import datetime
from http.server import ThreadingHTTPServer
from typing import Any

from tests.etl.fake_jira_http import _Handler
from tests.etl.fake_jira_jql import jira_time, parse_time, select

__all__ = ["FakeJira", "jira_time", "parse_time"]

CATEGORY = {"new": (2, "To Do"), "indeterminate": (4, "In Progress"), "done": (3, "Done")}


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
        with self._lock:
            docs = list(self.issues.values())
        return select(docs, jql, self.tz)
