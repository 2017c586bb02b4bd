"""Jobs a ``vger worker`` runs from the queue (RQ on Redis). A job names only what to do
(the board); settings and credentials come from the worker's own environment, never from
the queue."""

from __future__ import annotations

import os

from etl.run import run_etl
from vger.config import Settings
from vger.store.db import make_engine


def sync_board_job(board_slug: str, full: bool = False) -> dict:
    """Sync one board (Jira then GitHub) like ``vger etl --board``; answers the report's
    summary, its parts, and the worker's process id."""
    settings = Settings()
    engine = make_engine(settings.database_url)
    try:
        report = run_etl(engine, settings, board_slug=board_slug, full=full, progress=False)
    finally:
        engine.dispose()
    return {
        "ok": report.ok,
        "summary": report.summary(),
        "parts": [p.line() for p in report.parts],
        "pid": os.getpid(),
    }
