"""Extract: the `jira` library's client with an explicit timeout, retries by a
``urllib3.Retry`` mounted on its session (429 with ``Retry-After``, 5xx, connection errors
and timeouts, exponential backoff), a request counter, and errors in words.

Raw JSON through ``JIRA._get_json`` (no resource objects, no ``/field`` lookup: the public
``search_issues`` first asks ``/field`` and ``enhanced_search_issues`` is Cloud only, which
would add a request to every run and break the two-request no-change budget):
Cloud pages ``search/jql`` by ``nextPageToken``, Data Center pages ``search`` by
``startAt``; changelogs from Cloud's ``changelog/bulkfetch`` (many issues per request), the
Cloud paged endpoint or the single-issue GET.
Several threads may call one :class:`Jira` at once (a bounded pool fetches a page's
changelogs): the adapter's connection pool holds that many connections, and a 429 on any
of them closes a shared :class:`Gate` for its ``Retry-After``, so the whole pool pauses
rather than hammering a rate-limited server.
The token never appears in a message: :class:`jira.JIRAError`'s ``str()`` prints
request headers (Authorization included), so errors are rebuilt from status and text.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from typing import Any

import requests
from jira import JIRA, JIRAError
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, ReadTimeoutError
from urllib3.util.retry import Retry

from vger.config import Settings
from vger.errors import ConfigError

LOG = logging.getLogger("vger.etl.jira")
RETRY_STATUS = {429, 500, 502, 503, 504}
MAX_DELAY = 60.0
PAGE = 100  # issues per search page (Cloud caps full-field pages at 100)
CHANGELOG_PAGE = 100  # the Cloud changelog endpoint's maximum
SWEEP_PAGE = 1000  # id-only pages of the deletion sweep
BULK_ISSUES = 1000  # changelog/bulkfetch: issues per request (documented maximum)
BULK_PAGE = 1000  # changelog/bulkfetch: histories per page asked for
V3_BASE = "{server}/rest/api/3/{path}"  # changelog/bulkfetch exists in v3 only
_STATS = threading.Lock()


class Gate:
    """A pause shared by every thread using one client: a 429 closes it for the server's
    ``Retry-After`` (seconds), and no request starts before it opens again."""

    def __init__(self) -> None:
        self._until = 0.0
        self._lock = threading.Lock()

    def hold(self, seconds: float) -> None:
        with self._lock:
            self._until = max(self._until, time.monotonic() + max(seconds, 0.0))

    def wait(self) -> None:
        while True:
            with self._lock:
                left = self._until - time.monotonic()
            if left <= 0:
                return
            time.sleep(left)


class CountingRetry(Retry):
    """``urllib3.Retry`` that counts the retries it grants (each is one more request) and
    caps a server's ``Retry-After`` at ``MAX_DELAY`` seconds."""

    def __init__(
        self,
        *args: Any,
        stats: dict[str, int] | None = None,
        gate: Gate | None = None,
        **kwargs: Any,
    ):
        self.stats = stats if stats is not None else {"retries": 0}
        self.gate = gate if gate is not None else Gate()
        super().__init__(*args, **kwargs)

    def new(self, **kwargs: Any) -> CountingRetry:
        kwargs["stats"] = self.stats
        kwargs["gate"] = self.gate
        return super().new(**kwargs)  # type: ignore[return-value]

    def increment(self, method=None, url=None, response=None, error=None, *args, **kwargs):
        retry = super().increment(method, url, response, error, *args, **kwargs)
        what = f"HTTP {response.status}" if response is not None else type(error).__name__
        LOG.warning(
            "jira: %s on %s %s; retry %d", what, method, _path(url or ""), self.stats["retries"] + 1
        )
        with _STATS:
            self.stats["retries"] += 1
        if response is not None and response.status == 429:
            after = retry.get_retry_after(response)
            self.gate.hold(after if after is not None else retry.get_backoff_time())
        return retry

    def get_retry_after(self, response) -> float | None:
        after = super().get_retry_after(response)
        return None if after is None else min(after, MAX_DELAY)


class CountingAdapter(HTTPAdapter):
    """Counts first attempts (with the retries of :class:`CountingRetry`, every request) and
    bounds the requests in flight over every thread to ``connections``."""

    def __init__(self, retry: CountingRetry, connections: int = 10):
        super().__init__(max_retries=retry, pool_maxsize=max(connections, 1))
        self.stats = retry.stats
        self.gate = retry.gate
        self.slots = threading.BoundedSemaphore(max(connections, 1))

    def send(self, request, *args: Any, **kwargs: Any):
        with self.slots:  # never more than ``connections`` requests in flight, all threads
            self.gate.wait()  # another thread's 429: wait out its Retry-After first
            with _STATS:
                self.stats["sent"] = self.stats.get("sent", 0) + 1
            return super().send(request, *args, **kwargs)


def retry_policy(retries: int, backoff: float) -> CountingRetry:
    """429 (``Retry-After`` honoured, capped), 5xx, connection errors and timeouts, on
    every method (Jira's searches are POSTs too), exponential backoff from ``backoff``
    seconds; the last error answer is returned, so Jira's own message reaches the report."""
    return CountingRetry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        other=0,
        status_forcelist=sorted(RETRY_STATUS),
        allowed_methods=None,
        backoff_factor=backoff,
        backoff_max=MAX_DELAY,
        respect_retry_after_header=True,
        raise_on_status=False,
        stats={"retries": 0, "sent": 0},
    )


def _path(url) -> str:
    text = url.decode() if isinstance(url, bytes) else str(url)
    return "/" + text.split("://", 1)[-1].split("/", 1)[-1].split("?", 1)[0]


class Jira:
    """The calls the ETL makes, each answering raw JSON."""

    def __init__(self, settings: Settings, *, backoff: float = 1.0):
        if not settings.jira_url:
            raise ConfigError("VGER_JIRA_URL is not set")
        token = settings.jira_token.get_secret_value() if settings.jira_token else None
        if not token:
            raise ConfigError("VGER_JIRA_TOKEN is not set")
        self.url = settings.jira_url.rstrip("/")
        auth: dict[str, Any] = (
            {"basic_auth": (settings.jira_user, token)}  # Cloud: email + API token
            if settings.jira_user
            else {"token_auth": token}  # Data Center: a personal access token alone
        )
        self.client = JIRA(
            server=self.url,
            get_server_info=False,  # deployment comes from our cached serverInfo
            timeout=settings.jira_timeout,
            max_retries=0,  # the library's own loop off: urllib3 retries (below)
            options={"check_update": False},
            **auth,
        )
        self.retry = retry_policy(max(settings.jira_retries, 0), backoff)
        self.concurrency = max(int(settings.jira_concurrency), 1)
        adapter = CountingAdapter(self.retry, self.concurrency)
        # The client's session is a requests.Session; a mounted adapter is requests' public
        # way to give it a retry policy (the jira library offers no setting for one).
        session = self.client._session
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        self.session = session
        self.cloud: bool | None = None

    @property
    def requests(self) -> int:
        """HTTP requests sent, retries included."""
        return self.retry.stats["sent"] + self.retry.stats["retries"]

    def close(self) -> None:
        try:
            self.session.close()
        except Exception:  # noqa: BLE001 - closing is best effort
            pass

    def get(self, path: str, params: Mapping[str, Any] | None = None, *, agile: bool = False):
        base = JIRA.AGILE_BASE_URL if agile else JIRA.JIRA_BASE_URL
        return self.client._get_json(path, dict(params or {}), base=base)

    def post(self, path: str, body: Mapping[str, Any], *, base: str = JIRA.JIRA_BASE_URL):
        return self.client._get_json(path, dict(body), base=base, use_post=True)

    # --- calls ---------------------------------------------------------------------

    def server_info(self) -> dict[str, Any]:
        info = self.get("serverInfo")
        self.set_deployment(info.get("deploymentType"))
        return info

    def set_deployment(self, deployment: str | None) -> None:
        self.cloud = deployment == "Cloud"
        self.client.deploymentType = deployment

    def myself(self) -> dict[str, Any]:
        return self.get("myself")

    def search_page(
        self,
        jql: str,
        cursor: str | int | None,
        *,
        fields: str,
        expand: str | None = "changelog",
        max_results: int = PAGE,
    ) -> tuple[list[dict], str | int | None, int | None]:
        """One page: (issues, cursor of the next page or None, total when known)."""
        params: dict[str, Any] = {"jql": jql, "maxResults": max_results, "fields": fields}
        if expand:
            params["expand"] = expand
        if self.cloud:
            if cursor:
                params["nextPageToken"] = cursor
            data = self.get("search/jql", params)
            issues = data.get("issues") or []
            token = data.get("nextPageToken")
            last = data.get("isLast", token is None)
            return issues, (None if last or not token else token), None
        start = int(cursor or 0)
        params["startAt"] = start
        data = self.get("search", params)
        issues = data.get("issues") or []
        total = data.get("total")
        nxt = start + len(issues)
        more = bool(issues) and (total is None or nxt < int(total))
        return issues, (nxt if more else None), (int(total) if total is not None else None)

    def approximate_count(self, jql: str) -> int | None:
        try:
            return int(self.post("search/approximate-count", {"jql": jql}).get("count"))
        except (JIRAError, TypeError, ValueError):
            return None

    def changelog_page(self, key: str, start: int) -> dict[str, Any]:
        """Cloud: ``issue/{key}/changelog`` (oldest first, 100 per page)."""
        return self.get(f"issue/{key}/changelog", {"startAt": start, "maxResults": CHANGELOG_PAGE})

    def bulk_changelogs(
        self, ids: list[str], token: str | None = None, flag_field: str | None = None
    ) -> dict[str, Any]:
        """Cloud: one page of ``POST /rest/api/3/changelog/bulkfetch`` for up to
        ``BULK_ISSUES`` issues, status changes only (all the metrics read) and, when the
        site's "Flagged" field id is known, its changes, oldest first:
        ``{"issueChangeLogs": [{"issueId", "changeHistories"}], "nextPageToken"}``."""
        body: dict[str, Any] = {
            "issueIdsOrKeys": list(ids),
            "fieldIds": ["status", flag_field] if flag_field else ["status"],
            "maxResults": BULK_PAGE,
        }
        if token:
            body["nextPageToken"] = token
        return self.post("changelog/bulkfetch", body, base=V3_BASE)

    def issue_with_changelog(self, key: str, fields: str) -> dict[str, Any]:
        """Data Center: the single-issue GET with ``expand=changelog``."""
        return self.get(f"issue/{key}", {"expand": "changelog", "fields": fields})

    def board_configuration(self, board_id: int) -> dict[str, Any]:
        return self.get(f"board/{board_id}/configuration", agile=True)


def describe(exc: BaseException, *, what: str = "") -> str:
    """One line about a failed call, without headers or credentials."""
    where = f" ({what})" if what else ""
    if isinstance(exc, JIRAError):
        code = exc.status_code
        text = (exc.text or "").strip()
        path = f" on {_path(exc.url)}" if exc.url else ""
        if code == 401:
            return f"Jira rejected the credentials (HTTP 401){path}: check VGER_JIRA_USER / VGER_JIRA_TOKEN"
        if code == 403:
            return f"Jira refused access (HTTP 403){path}{': ' + text if text else ''}"
        if code == 400:
            return f"Jira rejected the query{where} (HTTP 400): {text or 'bad request'}"
        if code == 404:
            return f"not found in Jira{where} (HTTP 404{path}){': ' + text if text else ''}"
        if code is None:
            return f"Jira error{where}: {text or 'no response'}"
        return f"Jira answered HTTP {code}{path}{where}{': ' + text[:300] if text else ''}"
    if isinstance(exc, requests.Timeout) or _timed_out(exc):
        return f"Jira did not answer in time{where} ({type(exc).__name__}), retries exhausted"
    if isinstance(exc, requests.ConnectionError):
        return f"Jira is unreachable{where}: cannot connect ({type(exc).__name__})"
    return f"{type(exc).__name__}{where}: {exc}"


def _timed_out(exc: BaseException) -> bool:
    """requests wraps urllib3's exhausted read-timeout retries in a ConnectionError."""
    reason = exc.args[0] if exc.args else None
    return isinstance(reason, MaxRetryError) and isinstance(reason.reason, ReadTimeoutError)
