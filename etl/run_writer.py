"""One store connection per board run, used by one thread: the page writer.

Every store read and write of a run's pages goes through it, in the order submitted:
the stored ``updated`` of a page's issues (which need no changelog request), then each
page's statuses, issues and checkpoint, one transaction a page. The connection is checked
out of the pool once per run, not twice per page (on PostgreSQL each checkout also pings
the server), and nothing else of the run writes the board meanwhile (the run holds its
lock), so what the writer has stored is all there is to know of the page's issues.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine

T = TypeVar("T")


class RunWriter:
    """``call(fn, *args)`` runs ``fn(conn, *args)`` in the writer thread on the run's
    connection (opened at the first call) and returns its result; ``close()`` ends both.
    ``fn`` opens its own transaction (``with conn.begin():``) and leaves none open."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jira-writer")
        self._conn: Connection | None = None

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        return self._thread.submit(self._run, fn, *args).result()

    def _run(self, fn: Callable[..., T], *args: Any) -> T:
        if self._conn is None:
            self._conn = self._engine.connect()
        return fn(self._conn, *args)

    def close(self) -> None:
        """Wait for the call under way (queued ones are cancelled), then give the
        connection back to the pool."""
        self._thread.shutdown(wait=True, cancel_futures=True)
        if self._conn is not None:
            self._conn.close()
            self._conn = None
