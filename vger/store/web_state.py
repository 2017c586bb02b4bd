"""Web state every worker must see the same way, kept in the store when no Redis is
configured: login sessions (table ``web_session``) and rate-limit counters (table
``rate_limit``, used through :class:`SqlRateLimitStorage` by Flask-Limiter)."""

from __future__ import annotations

import random
import time
from datetime import datetime

from limits.storage import Storage
from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from vger.store import schema as s

# --- login sessions ----------------------------------------------------------------------


def create_session(conn: Connection, sid: str, user: str, tag: str, now: datetime) -> None:
    """Record a login (``sid``: a hash of the cookie's token, never the token)."""
    conn.execute(
        insert(s.web_session).values(
            id=sid, user_name=user, password_tag=tag, created=now, last_seen=now
        )
    )


def get_session(conn: Connection, sid: str) -> dict | None:
    """user_name, password_tag, created and last_seen of a session, or None."""
    row = conn.execute(select(s.web_session).where(s.web_session.c.id == sid)).first()
    return dict(row._mapping) if row else None


def touch_session(conn: Connection, sid: str, now: datetime) -> None:
    conn.execute(update(s.web_session).where(s.web_session.c.id == sid).values(last_seen=now))


def delete_session(conn: Connection, sid: str) -> None:
    conn.execute(delete(s.web_session).where(s.web_session.c.id == sid))


def delete_sessions_seen_before(conn: Connection, when: datetime) -> int:
    """Forget sessions idle since before ``when``; returns how many."""
    result = conn.execute(delete(s.web_session).where(s.web_session.c.last_seen < when))
    return int(result.rowcount or 0)


# --- rate-limit counters -----------------------------------------------------------------


class SqlRateLimitStorage(Storage):
    """A ``limits`` storage (fixed windows) in the store's ``rate_limit`` table, so
    every worker and host counts the same attempts. ``vger+sql://`` with the option
    ``engine``. Counters are few (one per client address in a window) and small."""

    STORAGE_SCHEME = ["vger+sql"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        self.engine: Engine = options.pop("engine")
        super().__init__(uri, wrap_exceptions=wrap_exceptions)

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        table = s.rate_limit
        with self.engine.begin() as conn:
            row = conn.execute(
                select(table.c.count, table.c.expires).where(table.c.key == key)
            ).first()
            if row is not None and row.expires > now:
                conn.execute(
                    update(table).where(table.c.key == key).values(count=table.c.count + amount)
                )
                return int(row.count) + amount
            conn.execute(delete(table).where(table.c.key == key))
            try:
                with conn.begin_nested():
                    conn.execute(insert(table).values(key=key, count=amount, expires=now + expiry))
            except IntegrityError:  # another worker created it just now
                conn.execute(
                    update(table).where(table.c.key == key).values(count=table.c.count + amount)
                )
            if random.random() < 0.02:  # now and then, forget windows that ended
                conn.execute(delete(table).where(table.c.expires < now))
            return amount

    def _row(self, key: str):
        with self.engine.connect() as conn:
            return conn.execute(
                select(s.rate_limit.c.count, s.rate_limit.c.expires).where(
                    s.rate_limit.c.key == key
                )
            ).first()

    def get(self, key: str) -> int:
        row = self._row(key)
        return int(row.count) if row is not None and row.expires > time.time() else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return float(row.expires) if row is not None else time.time()

    def check(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(select(1))
            return True
        except SQLAlchemyError:
            return False

    def reset(self) -> int | None:
        with self.engine.begin() as conn:
            return int(conn.execute(delete(s.rate_limit)).rowcount or 0)

    def clear(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(s.rate_limit).where(s.rate_limit.c.key == key))
