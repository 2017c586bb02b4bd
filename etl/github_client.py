"""The GitHub client of a sync: PyGithub with explicit timeout, retries and throttling
(:func:`make_client`), one repository's requests counted by kind against the rate-limit
reserve (:class:`Calls`), and every failure said in one line that names the repository
and never the token (:func:`describe`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from github import Auth, Github, GithubException, GithubRetry
from github.GithubException import (
    BadCredentialsException,
    RateLimitExceededExceedsMaxWait,
    RateLimitExceededException,
    UnknownObjectException,
)
from urllib3.exceptions import MaxRetryError

from vger.config import Settings, mask_secrets
from vger.errors import LockedError
from vger.store.sync import LOCK_STALE


@dataclass(frozen=True)
class GithubOptions:
    """Client and run knobs. Tests shrink the waits; production keeps the defaults."""

    timeout: float = 30.0  # seconds per HTTP request
    retries: int = 4  # per request: 5xx, secondary limits, connection errors
    backoff_factor: float = 1.0  # urllib3 exponential backoff between retries
    secondary_rate_wait: float = 60.0  # a secondary limit without retry-after
    max_rate_limit_wait: float = 120.0  # a longer wait for a reset stops the run instead
    reserve: int = 50  # stop when fewer requests than this remain
    overlap: timedelta = timedelta(minutes=10)  # re-read before the watermark
    page_size: int = 100
    seconds_between_requests: float = 0.25
    lock_stale: timedelta = LOCK_STALE  # a lock not renewed for this long is taken over

    @classmethod
    def from_settings(cls, settings: Settings) -> GithubOptions:
        """Defaults, with ``VGER_GITHUB_TIMEOUT`` / ``VGER_GITHUB_RETRIES`` /
        ``VGER_GITHUB_RESERVE`` / ``VGER_LOCK_STALE_SECONDS`` from the settings."""
        return cls(
            timeout=float(settings.github_timeout),
            retries=int(settings.github_retries),
            reserve=int(settings.github_reserve),
            lock_stale=timedelta(seconds=settings.lock_stale_seconds),
        )


class SyncStop(Exception):
    """The run stops here with a message for a person (already names the repository)."""


class CountingRetry(GithubRetry):
    """``GithubRetry`` that counts the retries it grants (each is one more HTTP request)."""

    def __init__(self, *, stats: dict[str, int] | None = None, **kwargs: Any) -> None:
        self.stats = stats if stats is not None else {"retries": 0}
        super().__init__(**kwargs)

    def new(self, **kwargs: Any):
        kwargs["stats"] = self.stats
        return super().new(**kwargs)

    def increment(self, *args: Any, **kwargs: Any):
        retry = super().increment(*args, **kwargs)
        self.stats["retries"] += 1
        return retry


def make_client(token: str, base_url: str, opts: GithubOptions) -> tuple[Github, dict[str, int]]:
    """A PyGithub client with explicit timeout, retries and throttling; returns the
    client and the shared retry counter."""
    stats = {"retries": 0}
    retry = CountingRetry(
        stats=stats,
        total=opts.retries,
        backoff_factor=opts.backoff_factor,
        status_forcelist=[429, *range(500, 600)],
        secondary_rate_wait=opts.secondary_rate_wait,
        max_rate_limit_wait=opts.max_rate_limit_wait,
        raise_on_status=False,  # the last 5xx reaches PyGithub, which raises with its body
    )
    gh = Github(
        base_url=base_url.rstrip("/"),
        auth=Auth.Token(token),
        per_page=opts.page_size,
        timeout=int(max(1, round(opts.timeout))),
        retry=retry,
        seconds_between_requests=opts.seconds_between_requests or None,
        seconds_between_writes=opts.seconds_between_requests or None,  # GraphQL reads are POSTs
    )
    return gh, stats


@dataclass
class Calls:
    """One repository's requests through the shared client, by kind."""

    gh: Github
    stats: dict[str, int]
    full_name: str
    reserve: int
    by_kind: dict[str, int] = field(default_factory=lambda: {"list": 0, "tags": 0})

    def __post_init__(self) -> None:
        self.stats["retries"] = 0
        self.owner, self.name = self.full_name.split("/", 1)

    @property
    def made(self) -> int:
        """HTTP requests sent for this repository (first attempts and retries)."""
        return sum(self.by_kind.values()) + self.stats["retries"]

    def reset_time(self) -> str:
        reset = self.gh.requester.rate_limiting_resettime
        if not reset:
            return "an unknown time"
        return datetime.fromtimestamp(reset, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")

    def check_budget(self) -> None:
        remaining, limit = self.gh.requester.rate_limiting
        if 0 <= remaining < self.reserve:
            raise SyncStop(
                f"{self.full_name}: stopped before exhausting the GitHub rate limit "
                f"({remaining} of {limit} requests left, reserve {self.reserve}); "
                f"it resets at {self.reset_time()}; what was stored is kept and the "
                f"next run resumes"
            )

    def graphql(self, query: str, variables: dict[str, Any], kind: str) -> dict[str, Any]:
        self.check_budget()
        self.by_kind[kind] += 1
        _, data = self.gh.requester.graphql_query(
            query, {"owner": self.owner, "name": self.name, **variables}
        )
        repository = (data.get("data") or {}).get("repository")
        if repository is None:
            raise UnknownObjectException(404, data, {}, "Not Found")
        return repository


def describe(exc: BaseException, full_name: str, calls: Calls | None, token: str | None) -> str:
    """One line naming the repository and the cause; never the token."""
    if isinstance(exc, SyncStop | LockedError):
        text = str(exc)
    elif isinstance(exc, UnknownObjectException):
        text = (
            f"{full_name}: repository not found on GitHub (404); check owner/name and "
            f"that the token may read it"
        )
    elif isinstance(exc, BadCredentialsException) or (
        isinstance(exc, GithubException) and exc.status == 401
    ):
        text = (
            f"{full_name}: GitHub rejected the token (401 Bad credentials); check VGER_GITHUB_TOKEN"
        )
    elif isinstance(exc, RateLimitExceededExceedsMaxWait | RateLimitExceededException) or (
        isinstance(exc, GithubException) and rate_limited(exc)
    ):
        reset = None
        headers = getattr(exc, "headers", None) or {}
        for key, value in dict(headers).items():
            if key.lower() == "x-ratelimit-reset" and str(value).isdigit():
                reset = datetime.fromtimestamp(int(value), UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        if reset is None and calls is not None:
            reset = calls.reset_time()
        text = (
            f"{full_name}: GitHub rate limit exhausted; it resets at {reset or 'an unknown time'}; "
            f"what was stored is kept and the next run resumes"
        )
    elif isinstance(exc, GithubException):
        message = exc.message or (exc.data.get("message") if isinstance(exc.data, dict) else None)
        message = message or _graphql_message(exc.data)
        retried = f" after {calls.stats['retries']} retries" if calls and exc.status >= 500 else ""
        text = f"{full_name}: GitHub answered {exc.status}{retried}: {message or 'no message'}"
    elif isinstance(exc, requests.exceptions.RetryError | MaxRetryError):
        text = f"{full_name}: GitHub kept failing after retries ({_reason(exc)})"
    elif isinstance(exc, requests.exceptions.Timeout):
        text = f"{full_name}: GitHub did not answer in time ({type(exc).__name__})"
    elif isinstance(exc, requests.exceptions.ConnectionError):
        text = f"{full_name}: could not reach GitHub ({type(exc).__name__})"
    else:
        text = f"{full_name}: {type(exc).__name__}: {exc}"
    return scrub(text, token)


def rate_limited(exc: BaseException) -> bool:
    """A GraphQL answer ``errors: [{type: RATE_LIMITED}]`` (HTTP 200, raised as 400)."""
    data = getattr(exc, "data", None)
    errors = data.get("errors") if isinstance(data, dict) else None
    return bool(errors) and any(
        isinstance(e, dict) and e.get("type") == "RATE_LIMITED" for e in errors
    )


def _graphql_message(data: Any) -> str | None:
    errors = data.get("errors") if isinstance(data, dict) else None
    if errors and isinstance(errors[0], dict):
        return errors[0].get("message")
    return None


def _reason(exc: BaseException) -> str:
    inner = exc.args[0] if exc.args else exc
    reason = getattr(inner, "reason", None)
    return str(reason) if reason else type(exc).__name__


def scrub(text: str, token: str | None) -> str:
    return mask_secrets(text, token)
