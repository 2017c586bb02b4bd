"""Extract: the `jira` library's client with an explicit timeout, our own retries
(backoff that honours ``Retry-After``), a request counter, and errors in words.

Raw JSON through ``JIRA._get_json`` (no resource objects, no ``/field`` lookup):
Cloud pages ``search/jql`` by ``nextPageToken``, Data Center pages ``search`` by
``startAt``; changelogs from the Cloud paged endpoint or the single-issue GET.
The token never appears in a message: :class:`jira.JIRAError`'s ``str()`` prints
request headers (Authorization included), so errors are rebuilt from status and text.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from jira import JIRA, JIRAError
from jira.resilientsession import ResilientSession, raise_on_error

from vger.config import Settings
from vger.errors import ConfigError, SourceError

LOG = logging.getLogger("vger.etl.jira")
RETRY_STATUS = {429, 500, 502, 503, 504}
MAX_DELAY = 60.0
PAGE = 100  # issues per search page (Cloud caps full-field pages at 100)
CHANGELOG_PAGE = 100  # the Cloud changelog endpoint's maximum
SWEEP_PAGE = 1000  # id-only pages of the deletion sweep


class JiraSession(ResilientSession):
    """One HTTP session: counts every attempt, retries 429/5xx/timeouts/connection errors
    with exponential backoff (``Retry-After`` wins when present), then gives up."""

    def __init__(
        self,
        timeout: float,
        retries: int,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ):
        super().__init__(timeout=timeout, max_retries=retries)
        self.retries = retries
        self.backoff = backoff
        self.sleep = sleep
        self.count = 0
        self.retried = 0
        self.waited = 0.0
        self._lock = threading.Lock()

    def request(  # type: ignore[override]
        self, method, url, _prepare_retry_class=None, **kwargs
    ):
        prepared = self._jira_prepare(**kwargs)
        response = None
        error: Exception | None = None
        for attempt in range(self.retries + 1):
            with self._lock:
                self.count += 1
            response, error = None, None
            try:
                response = requests.Session.request(
                    self, method, url, timeout=self.timeout, **prepared
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                error = exc
            else:
                if response.ok or response.status_code not in RETRY_STATUS:
                    break
            if attempt == self.retries:
                break
            delay = self._delay(response, attempt)
            what = f"HTTP {response.status_code}" if response is not None else type(error).__name__
            LOG.warning(
                "jira: %s on %s %s; retry %d in %.1f s",
                what,
                method,
                _path(url),
                attempt + 1,
                delay,
            )
            with self._lock:
                self.retried += 1
                self.waited += delay
            self.sleep(delay)
        if error is not None:
            raise error
        if response is not None and response.ok:
            return response
        raise_on_error(response, **prepared)
        return response

    def _delay(self, response, attempt: int) -> float:
        if response is not None:
            after = retry_after(response.headers.get("Retry-After"))
            if after is not None:
                return min(after, MAX_DELAY)
        base = self.backoff * 2**attempt
        return min(base + random.uniform(0, base / 4), MAX_DELAY)


def retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        return max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
    except (TypeError, ValueError):
        return None


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
            max_retries=0,
            options={"check_update": False},
            **auth,
        )
        old = self.client._session
        session = JiraSession(settings.jira_timeout, max(settings.jira_retries, 0), backoff)
        session.headers = old.headers
        session.auth = old.auth
        session.verify = old.verify
        session.cookies = old.cookies
        self.client._session = session
        self.session = session
        self.cloud: bool | None = None

    @property
    def requests(self) -> int:
        return self.session.count

    def close(self) -> None:
        try:
            self.session.close()
        except Exception:  # noqa: BLE001 - closing is best effort
            pass

    def get(self, path: str, params: Mapping[str, Any] | None = None, *, agile: bool = False):
        base = JIRA.AGILE_BASE_URL if agile else JIRA.JIRA_BASE_URL
        return self.client._get_json(path, dict(params or {}), base=base)

    def post(self, path: str, body: Mapping[str, Any]):
        return self.client._get_json(path, dict(body), use_post=True)

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
    if isinstance(exc, requests.Timeout):
        return f"Jira did not answer in time{where} ({type(exc).__name__}), retries exhausted"
    if isinstance(exc, requests.ConnectionError):
        return f"Jira is unreachable{where}: cannot connect ({type(exc).__name__})"
    return f"{type(exc).__name__}{where}: {exc}"


def source_error(exc: BaseException, *, what: str = "") -> SourceError:
    err = SourceError(describe(exc, what=what))
    err.status_code = getattr(exc, "status_code", None)  # type: ignore[attr-defined]
    return err
