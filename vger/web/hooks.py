"""Webhooks: ``POST /hooks/jira`` and ``POST /hooks/github`` keep the dashboard fresh
within a minute, the scheduled sync staying the safety net.

Verification (secrets from the environment only; without one the endpoint is closed):

- GitHub: ``X-Hub-Signature-256: sha256=<hex>``, HMAC-SHA256 of the raw body with
  ``VGER_GITHUB_WEBHOOK_SECRET``.
- Jira Cloud admin webhooks: ``X-Hub-Signature: sha256=<hex>``, HMAC-SHA256 of the raw body
  with ``VGER_JIRA_WEBHOOK_SECRET``.
- Jira Data Center cannot sign: the secret is a long random token in the URL,
  ``/hooks/jira/<token>``.

Compared in constant time (:func:`hmac.compare_digest`). A refused request changes
nothing: 401 (unsigned, wrong signature or token), 411/413 (no length, body over
``MAX_BODY``), 400 (not a JSON object, or a name that is not an id). An accepted event only
*names* what to fetch — a Jira issue id, a GitHub repository — and is answered 202 at once;
names arriving within ``VGER_WEBHOOK_DEBOUNCE_SECONDS`` are deduplicated and fetched in one
batch (:mod:`etl.hooks`: one search per board, ``(board JQL) AND id in (…)``, or an
incremental pass of the repository). With ``VGER_QUEUE_URL`` the batch is a job for
``vger worker``; without it, a thread of this process runs it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import threading
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, request

from vger.config import Settings

log = logging.getLogger("vger.web.hooks")
bp = Blueprint("hooks", __name__)

MAX_BODY = 2_000_000  # bytes; Jira and GitHub issue/PR events are far smaller
JIRA_EVENTS = {"jira:issue_created", "jira:issue_updated", "jira:issue_deleted"}
GITHUB_EVENTS = {"pull_request", "create", "delete"}
ISSUE_ID = re.compile(r"^\d{1,18}$")
REPO = re.compile(r"^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$")
EXTENSION = "vger-hooks"


def _answer(status: int, message: str, **extra: Any):
    return jsonify({"message": message, **extra}), status


def signature_ok(header: str | None, body: bytes, secret: str) -> bool:
    """``sha256=<hex>`` equals HMAC-SHA256(secret, body), compared in constant time."""
    if not header or not header.startswith("sha256="):
        return False
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(header.strip().encode(), expected.encode())


def _body() -> tuple[bytes | None, Any]:
    """The raw body, or (None, the refusal) when it has no length or is too large."""
    length = request.content_length
    if length is None:
        return None, _answer(411, "a Content-Length is required")
    if length > MAX_BODY:
        return None, _answer(413, f"the body is over {MAX_BODY} bytes")
    return request.get_data(cache=False), None


def _object(body: bytes) -> dict | None:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _settings() -> Settings:
    return current_app.extensions["vger"]["settings"]


@bp.post("/hooks/jira")
@bp.post("/hooks/jira/<token>")
def jira(token: str | None = None):
    secret = _settings().jira_webhook_secret
    if secret is None or not secret.get_secret_value():
        return _answer(403, "the Jira webhook is closed: set VGER_JIRA_WEBHOOK_SECRET")
    body, refusal = _body()
    if body is None:
        return refusal
    key = secret.get_secret_value()
    if token is not None:
        ok = hmac.compare_digest(token.encode(), key.encode())
    else:
        ok = signature_ok(request.headers.get("X-Hub-Signature"), body, key)
    if not ok:
        return _answer(401, "the webhook's signature or token is wrong")
    data = _object(body)
    if data is None:
        return _answer(400, "the body is not a JSON object")
    event = data.get("webhookEvent")
    if event not in JIRA_EVENTS:
        return _answer(202, f"event {str(event)[:60]!r} ignored")
    issue = data.get("issue")
    issue_id = str(issue.get("id", "")) if isinstance(issue, dict) else ""
    if not ISSUE_ID.match(issue_id):
        return _answer(400, "the event names no issue id")
    debouncer().add("jira", issue_id)
    return _answer(202, "accepted", issue_id=issue_id)


@bp.post("/hooks/github")
def github():
    secret = _settings().github_webhook_secret
    if secret is None or not secret.get_secret_value():
        return _answer(403, "the GitHub webhook is closed: set VGER_GITHUB_WEBHOOK_SECRET")
    body, refusal = _body()
    if body is None:
        return refusal
    if not signature_ok(
        request.headers.get("X-Hub-Signature-256"), body, secret.get_secret_value()
    ):
        return _answer(401, "the webhook's signature is wrong")
    data = _object(body)
    if data is None:
        return _answer(400, "the body is not a JSON object")
    event = request.headers.get("X-GitHub-Event", "")
    if event == "ping":
        return _answer(200, "pong")
    if event not in GITHUB_EVENTS:
        return _answer(202, f"event {event[:60]!r} ignored")
    if event in ("create", "delete") and data.get("ref_type") != "tag":
        return _answer(202, "only tags are synced")
    repo = data.get("repository")
    name = str(repo.get("full_name", "")) if isinstance(repo, dict) else ""
    if not REPO.match(name):
        return _answer(400, "the event names no repository")
    debouncer().add("github", name)
    return _answer(202, "accepted", repository=name)


class Debouncer:
    """Collects names per source; the first name of a burst schedules one fetch of the
    whole (deduplicated) batch ``delay`` seconds later. One batch runs at a time."""

    def __init__(self, app: Flask, delay: float):
        self.app = app
        self.delay = delay
        self.pending: dict[str, set[str]] = {}
        self.lock = threading.Lock()
        self.timers: dict[str, threading.Timer] = {}
        self.running = threading.Lock()

    def add(self, source: str, name: str) -> None:
        with self.lock:
            self.pending.setdefault(source, set()).add(name)
            if source not in self.timers:
                timer = threading.Timer(self.delay, self._flush, args=(source,))
                timer.daemon = True
                self.timers[source] = timer
                timer.start()

    def _flush(self, source: str) -> None:
        with self.running:
            with self.lock:
                names = sorted(self.pending.pop(source, set()))
                self.timers.pop(source, None)
            if names:
                try:
                    self._fetch(source, names)
                except Exception:  # noqa: BLE001 - a failed refresh waits for the scheduled sync
                    log.exception("webhook refresh of %s %s failed", source, names[:5])

    def _fetch(self, source: str, names: list[str]) -> None:
        ext = self.app.extensions["vger"]
        settings: Settings = ext["settings"]
        if settings.queue_url:
            from redis import Redis
            from rq import Queue

            queue = Queue(settings.queue_name, connection=Redis.from_url(settings.queue_url))
            queue.enqueue("etl.hooks.refresh_job", source, names, job_timeout=3600)
            return
        from etl import hooks  # the declared crossing: the in-process fallback

        fn = hooks.refresh_jira if source == "jira" else hooks.refresh_github
        fn(ext["engine"], settings, names)

    def wait(self, timeout: float = 30.0) -> None:
        """Until every scheduled batch has run (tests, benchmarks)."""
        with self.lock:
            timers = list(self.timers.values())
        for timer in timers:
            timer.join(timeout)
        with self.running:
            pass


def debouncer() -> Debouncer:
    return current_app.extensions[EXTENSION]


def init_app(server: Flask, settings: Settings) -> None:
    server.extensions[EXTENSION] = Debouncer(server, settings.webhook_debounce_seconds)
    server.register_blueprint(bp)
