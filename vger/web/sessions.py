"""Server-side login sessions: logout means logout.

The signed cookie holds a random session token; the server keeps a record per token
(its SHA-256, never the token) with the user, a tag of the admin password it logged in
with, and when it was last seen. A login counts only while its record exists, was seen
within ``VGER_SESSION_MINUTES`` (sliding: every request renews it) and is younger than
``VGER_SESSION_MAX_HOURS``, and the admin password is still the one it logged in with.
Logout deletes the record; changing ``VGER_ADMIN_PASSWORD`` ends every session.

Records live in Redis when ``VGER_CACHE_URL`` is a ``redis://`` URL (keys
``<VGER_REDIS_PREFIX>session:<hash>`` expiring with the idle time), else in the store's
``web_session`` table (migration 0003). Either way every worker sees the same sessions.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from datetime import datetime, timedelta
from typing import Protocol

from flask import Flask, current_app, g, session

from vger.config import Settings
from vger.store import web_state
from vger.web import state

log = logging.getLogger(__name__)
EXTENSION = "vger-sessions"
#: A session is written back at most this often (seconds) while it is being used.
TOUCH_EVERY = 60


class Registry(Protocol):
    def create(self, sid: str, user: str, tag: str, now: datetime) -> None: ...
    def get(self, sid: str) -> dict | None: ...
    def touch(self, sid: str, now: datetime) -> None: ...
    def delete(self, sid: str) -> None: ...


class SqlRegistry:
    """Sessions in the store (every worker shares it)."""

    def __init__(self, engine, idle: timedelta) -> None:
        self.engine = engine
        self.idle = idle

    def create(self, sid: str, user: str, tag: str, now: datetime) -> None:
        with self.engine.begin() as conn:
            web_state.delete_sessions_seen_before(conn, now - self.idle)
            web_state.create_session(conn, sid, user, tag, now)

    def get(self, sid: str) -> dict | None:
        with self.engine.connect() as conn:
            return web_state.get_session(conn, sid)

    def touch(self, sid: str, now: datetime) -> None:
        with self.engine.begin() as conn:
            web_state.touch_session(conn, sid, now)

    def delete(self, sid: str) -> None:
        with self.engine.begin() as conn:
            web_state.delete_session(conn, sid)


class RedisRegistry:
    """Sessions in Redis, each key expiring after the idle time."""

    def __init__(self, url: str, idle: timedelta, prefix: str = "vger:session:") -> None:
        import redis

        self.client = redis.Redis.from_url(url)
        self.idle = idle
        self.prefix = prefix

    def create(self, sid: str, user: str, tag: str, now: datetime) -> None:
        record = {"user_name": user, "password_tag": tag, "created": now.isoformat()}
        self.client.set(self.prefix + sid, json.dumps(record), ex=self.idle)

    def get(self, sid: str) -> dict | None:
        raw = self.client.get(self.prefix + sid)
        if raw is None:
            return None
        record = json.loads(raw)
        record["created"] = datetime.fromisoformat(record["created"])
        record["last_seen"] = None  # Redis expires idle keys itself
        return record

    def touch(self, sid: str, now: datetime) -> None:
        self.client.expire(self.prefix + sid, self.idle)

    def delete(self, sid: str) -> None:
        self.client.delete(self.prefix + sid)


def init_app(server: Flask, settings: Settings, engine) -> None:
    """Keep login sessions for ``server`` in Redis or the store (see the module doc)."""
    idle = timedelta(minutes=settings.session_minutes)
    server.config["PERMANENT_SESSION_LIFETIME"] = idle
    server.config["SESSION_REFRESH_EACH_REQUEST"] = True
    if settings.cache_url and settings.cache_url.startswith(("redis://", "rediss://")):
        registry: Registry = RedisRegistry(
            settings.cache_url, idle, prefix=f"{settings.redis_prefix}session:"
        )
    else:
        registry = SqlRegistry(engine, idle)
    server.extensions[EXTENSION] = registry


def _registry() -> Registry:
    return current_app.extensions[EXTENSION]


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def password_tag() -> str:
    """Which admin password is configured, as a keyed hash (not the password)."""
    secret = state.settings().admin_password
    password = secret.get_secret_value() if secret else ""
    key = current_app.secret_key or ""
    key = key if isinstance(key, str) else key.decode()
    return hmac.new(key.encode(), password.encode(), hashlib.sha256).hexdigest()


def start(user: str) -> None:
    """Log ``user`` in: a fresh cookie session with a new token and its record."""
    token = secrets.token_urlsafe(32)
    session.clear()
    session.permanent = True
    session["user"] = user
    session["sid"] = token
    _registry().create(_hash(token), user, password_tag(), state.now())
    g.vger_session_user = user


def end() -> None:
    """Log out: delete the record (the cookie alone is worth nothing any more)."""
    token = session.get("sid")
    if isinstance(token, str) and token:
        _registry().delete(_hash(token))
    session.clear()
    g.vger_session_user = None


def user() -> str | None:
    """The user of the request's session while its record is valid (checked once per
    request and renewed: sliding lifetime), else None."""
    if "vger_session_user" in g:
        return g.vger_session_user
    g.vger_session_user = None
    name, token = session.get("user"), session.get("sid")
    if not (isinstance(name, str) and name and isinstance(token, str) and token):
        return None
    record = _registry().get(_hash(token))
    if record is None or not _valid(record):
        session.pop("user", None)
        session.pop("sid", None)
        return None
    now = state.now()
    last = record.get("last_seen")
    if last is None or (now - last).total_seconds() >= TOUCH_EVERY:
        _registry().touch(_hash(token), now)
    g.vger_session_user = record["user_name"]
    return g.vger_session_user


def _valid(record: dict) -> bool:
    settings = state.settings()
    now = state.now()
    if not hmac.compare_digest(record["password_tag"], password_tag()):
        return False
    if now - record["created"] > timedelta(hours=settings.session_max_hours):
        return False
    last = record.get("last_seen")
    return last is None or now - last <= timedelta(minutes=settings.session_minutes)
