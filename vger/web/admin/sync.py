"""Admin: a board's ETL status and "sync now" (pages and JSON), and the background runs
(queued for ``vger worker``, else a thread of this process)."""

from __future__ import annotations

import logging
import threading
from typing import Any

from flask import flash, jsonify, redirect, url_for

from vger.errors import NotFoundError, VgerError
from vger.store import boards
from vger.store import sync as store_sync
from vger.web import jobs, state
from vger.web.admin import bp
from vger.web.admin.common import board_or_404, services

log = logging.getLogger("vger.web.admin")

_SYNCS: dict[tuple[int, str], threading.Thread] = {}

_SYNCS_LOCK = threading.Lock()


def _sync_job(engine, settings, slug: str, run_etl) -> None:
    try:
        report = run_etl(engine, settings, board_slug=slug, progress=False)
        log.info("admin sync of %s finished: ok=%s", slug, getattr(report, "ok", None))
    except Exception as exc:  # noqa: BLE001 - a thread must not die silently
        log.error("admin sync of %s failed: %s", slug, type(exc).__name__)


def start_sync(slug: str) -> bool:
    """Start a run of the board: queued for ``vger worker`` when a queue is configured,
    else in a thread of this process (the embedded fallback); False when one is already
    queued or running."""
    engine, settings = state.engine(), state.settings()
    if jobs.enabled(settings):
        return jobs.enqueue(settings, slug)
    key = (id(engine), slug)
    with _SYNCS_LOCK:
        running = _SYNCS.get(key)
        if running is not None and running.is_alive():
            return False
        thread = threading.Thread(
            target=_sync_job,
            args=(engine, settings, slug, services().run_etl),
            name=f"admin-sync-{slug}",
            daemon=True,
        )
        _SYNCS[key] = thread
        thread.start()
    return True


def sync_thread_alive(slug: str) -> bool:
    """True while the board's sync runs here (thread) or waits/runs in the queue."""
    settings = state.settings()
    if jobs.enabled(settings):
        return jobs.active(settings, slug)
    with _SYNCS_LOCK:
        thread = _SYNCS.get((id(state.engine()), slug))
    return thread is not None and thread.is_alive()


def wait_for_syncs(timeout: float = 60.0) -> None:
    """Wait for every background sync of this process (tests, shutdown)."""
    with _SYNCS_LOCK:
        threads = list(_SYNCS.values())
    for thread in threads:
        thread.join(timeout)


def _board_runs(conn, board) -> list[dict]:
    return store_sync.runs(conn, limit=10, board_id=board.id)


def sync_status(conn, board) -> dict[str, Any]:
    runs = _board_runs(conn, board)
    running = sync_thread_alive(board.slug) or any(r["status"] == "running" for r in runs)
    return {"running": running, "runs": runs, "last": runs[0] if runs else None}


@bp.route("/boards/<slug>/sync", methods=["POST"])
def board_sync(slug: str):
    with state.engine().connect() as conn:
        board_or_404(conn, slug)
    try:
        started = start_sync(slug)
    except VgerError as exc:  # the job queue is unreachable
        flash(str(exc), "danger")
        return redirect(url_for("admin.board", slug=slug))
    if started:
        flash("Sync started: this page refreshes until it ends.", "info")
    else:
        flash("A sync of this board is already running.", "warning")
    return redirect(url_for("admin.board", slug=slug))


def _run_json(run: dict | None) -> dict | None:
    if run is None:
        return None
    return {
        "id": run["id"],
        "source": run["source"],
        "scope": run["scope"],
        "status": run["status"],
        "started": run["started"].isoformat() if run["started"] else None,
        "finished": run["finished"].isoformat() if run["finished"] else None,
        "counts": {
            k: v
            for k, v in (run["counts"] or {}).items()
            if k in ("added", "updated", "removed", "requests")
        },
        "error": run["error"],
    }


@bp.route("/api/boards/<slug>/status")
def api_status(slug: str):
    with state.engine().connect() as conn:
        try:
            b = boards.get_board(conn, slug)
        except NotFoundError as exc:
            return jsonify({"error": str(exc)}), 404
        status = sync_status(conn, b)
    return jsonify(
        {
            "board": slug,
            "running": status["running"],
            "runs": [_run_json(r) for r in status["runs"]],
        }
    )


@bp.route("/api/boards/<slug>/sync", methods=["POST"])
def api_sync(slug: str):
    with state.engine().connect() as conn:
        try:
            boards.get_board(conn, slug)
        except NotFoundError as exc:
            return jsonify({"error": str(exc)}), 404
    try:
        started = start_sync(slug)
    except VgerError as exc:  # the job queue is unreachable
        return jsonify({"board": slug, "started": False, "error": str(exc)}), 503
    return jsonify({"board": slug, "started": started}), 202 if started else 409
