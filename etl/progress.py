"""Progress of a running sync for a log without a terminal: every part notes where it is,
and a heartbeat prints one line for all of them at a fixed interval (default 10 s), so a
cron log shows a long first sync moving even while one request takes long."""

from __future__ import annotations

import logging
import threading
import time

LOG = logging.getLogger("etl.progress")

_LOCK = threading.Lock()
_STATE: dict[str, str] = {}


def note(part: str, where: str) -> None:
    """Record where ``part`` (e.g. ``jira platform``) is, e.g. ``1,200 of 4,503 issues``."""
    with _LOCK:
        _STATE[part] = where


def done(part: str) -> None:
    """``part`` finished: it leaves the progress line."""
    with _LOCK:
        _STATE.pop(part, None)


def line() -> str:
    """Where every running part is, in one line."""
    with _LOCK:
        parts = sorted(_STATE.items())
    return "; ".join(f"{part}: {where}" for part, where in parts) or "starting"


class Heartbeat:
    """A background thread logging :func:`line` every ``seconds`` while the block runs."""

    def __init__(self, seconds: float = 10.0, write=None) -> None:
        self.seconds = seconds
        self.write = write or LOG.info
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="etl-progress", daemon=True)
        self._started = 0.0

    def __enter__(self) -> Heartbeat:
        self._started = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.wait(self.seconds):
            elapsed = time.monotonic() - self._started
            self.write(f"still syncing after {elapsed:.0f} s: {line()}")
