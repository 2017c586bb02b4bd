"""The login brute-force limit, shared by every worker and host (Flask-Limiter).

At most ``FAILURES`` wrong passwords per client address in a fixed window of
``WINDOW_MINUTES`` minutes, then 429 with a sentence until the window ends. Only
failures count (``deduct_when``): a right password never locks anyone out. The counts
live in Redis when ``VGER_CACHE_URL`` is ``redis://…``, else in the store's
``rate_limit`` table (:class:`vger.store.web_state.SqlRateLimitStorage`), so gunicorn
workers cannot each grant their own five tries. The client address is
``request.remote_addr``: behind a reverse proxy set ``VGER_PROXY_HOPS`` (see
:mod:`vger.web.security`) so it is the client's, not the proxy's.
"""

from __future__ import annotations

from flask import Flask, Response, render_template, request
from flask_limiter import Limiter, RequestLimit

from vger.config import Settings
from vger.store import web_state  # noqa: F401 - registers the vger+sql:// storage

FAILURES = 5
WINDOW_MINUTES = 5
EXTENSION = "vger-login-limiter"


def client_address() -> str:
    return request.remote_addr or "unknown"


def _too_many(limit: RequestLimit) -> Response:
    wait = max(1, round((limit.reset_at - _now()) / 60)) if limit.reset_at else WINDOW_MINUTES
    message = (
        "Too many failed logins from your address. "
        f"Try again in about {wait} minute{'s' if wait > 1 else ''}."
    )
    body = render_template("admin/login.html", error=message, header_only=False, next=None)
    return Response(body, status=429)


def _now() -> float:
    import time

    return time.time()


def init_app(server: Flask, settings: Settings, engine) -> Limiter:
    """A limiter for ``server`` whose counts every worker shares."""
    if settings.cache_url and settings.cache_url.startswith(("redis://", "rediss://")):
        uri, options = settings.cache_url, {}
    else:
        uri, options = "vger+sql://", {"engine": engine}
    limiter = Limiter(
        client_address,
        app=server,
        storage_uri=uri,
        storage_options=options,
        strategy="fixed-window",
        key_prefix=f"{settings.redis_prefix}login",
        default_limits=[],
        on_breach=_too_many,
        swallow_errors=False,
    )
    server.extensions[EXTENSION] = limiter
    return limiter


def login_limit() -> str:
    return f"{FAILURES} per {WINDOW_MINUTES} minutes"


def failed(response: Response) -> bool:
    """Only wrong passwords count against the limit."""
    return response.status_code == 401
