"""The store lock of one sync scope, held as a lease: taken at the start, renewed by a
heartbeat while the sync runs, released at the end.

Why a heartbeat rather than a long staleness: a lock is taken over once it has not been
renewed for ``stale_after`` (its holder died without releasing it). With a heartbeat every
third of that, a sync of any length keeps its lock, and a killed holder's lock frees
itself after ``stale_after`` — minutes, not hours. A killed holder on this host is
detected at once (its process id no longer exists). The same code serves SQLite and
PostgreSQL (the lease is a row of ``sync_lock``).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import timedelta

from sqlalchemy import Engine

from vger.errors import LockedError
from vger.store import sync as store_sync

LOG = logging.getLogger("vger.etl.lease")


def lock_owner() -> str:
    """``host:pid:unique`` — who holds a lock, readable by a person."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _dead(owner: str) -> bool:
    """True when ``owner`` ran on this host in a process that no longer exists."""
    try:
        host, pid, _ = owner.rsplit(":", 2)
        pid_n = int(pid)
    except ValueError:
        return False
    if host != socket.gethostname() or pid_n == os.getpid():
        return False
    try:
        os.kill(pid_n, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def take_lock(engine: Engine, scope: str, owner: str, stale_after: timedelta) -> None:
    """The store lock of ``scope``; a lock left by a killed process on this host is
    taken over at once (no need to wait for it to go stale)."""
    for _ in range(2):
        try:
            with engine.begin() as conn:
                store_sync.acquire_lock(conn, scope, owner, stale_after)
            return
        except LockedError:
            with engine.begin() as conn:
                holder = store_sync.lock_owner(conn, scope)
                if holder and _dead(holder):
                    LOG.warning("%s: taking over the lock of a dead run (%s)", scope, holder)
                    store_sync.break_lock(conn, scope, holder)
                    continue
            raise
    with engine.begin() as conn:
        store_sync.acquire_lock(conn, scope, owner, stale_after)


class Lease:
    """``with Lease(engine, scope, stale_after):`` holds the lock of ``scope`` for the
    block, renewing it every ``stale_after / 3``; raises :class:`LockedError` when
    another live run holds it. ``lost`` tells whether a renewal found it taken over."""

    def __init__(self, engine: Engine, scope: str, stale_after: timedelta):
        self.engine = engine
        self.scope = scope
        self.stale_after = stale_after
        self.owner = lock_owner()
        self.lost = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Lease:
        take_lock(self.engine, self.scope, self.owner, self.stale_after)
        self._thread = threading.Thread(target=self._beat, name=f"lease {self.scope}", daemon=True)
        self._thread.start()
        return self

    def _beat(self) -> None:
        every = max(self.stale_after.total_seconds() / 3, 0.05)
        while not self._stop.wait(every):
            try:
                with self.engine.begin() as conn:
                    held = store_sync.renew_lock(conn, self.scope, self.owner)
            except Exception:  # noqa: BLE001 - the next beat tries again
                LOG.exception("%s: could not renew the lock", self.scope)
                continue
            if not held:
                self.lost = True
                LOG.error("%s: the lock was taken over while this sync ran", self.scope)
                return

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        try:
            with self.engine.begin() as conn:
                store_sync.release_lock(conn, self.scope, self.owner)
        except Exception:  # noqa: BLE001 - the lock goes stale eventually
            LOG.exception("could not release %s", self.scope)
