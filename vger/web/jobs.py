""" "Sync now" through a job queue: RQ on Redis when ``VGER_QUEUE_URL`` is set, so a sync
outlives the web worker that started it and runs where ``vger worker`` runs; without a
queue the admin keeps its in-process fallback (a thread in the web worker).

The web only enqueues by the job's dotted name (``etl.jobs.sync_board_job``); it never
imports the ETL, and the job carries the board slug alone (no settings, no secrets).
"""

from __future__ import annotations

import logging
from typing import Any

from vger.config import Settings, mask_url
from vger.errors import SourceError

log = logging.getLogger("vger.web.jobs")

JOB = "etl.jobs.sync_board_job"
ACTIVE = {"queued", "started", "deferred", "scheduled"}
JOB_TIMEOUT = 6 * 3600  # seconds a sync may take before RQ stops it


def _status(found) -> str:
    status = found.get_status(refresh=True)
    return str(getattr(status, "value", status))


def enabled(settings: Settings) -> bool:
    return bool(settings.queue_url)


def _queue(settings: Settings):
    from redis import Redis
    from rq import Queue

    connection = Redis.from_url(settings.queue_url)
    return Queue(settings.queue_name, connection=connection)


def job_id(settings: Settings, slug: str) -> str:
    """One job id per board and queue: a second "Sync now" while one waits or runs is
    refused instead of queued twice."""
    return f"vger-sync-{settings.queue_name}-{slug}"


def job(settings: Settings, slug: str):
    """The board's newest job, or None."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    queue = _queue(settings)
    try:
        return Job.fetch(job_id(settings, slug), connection=queue.connection)
    except NoSuchJobError:
        return None


def active(settings: Settings, slug: str) -> bool:
    """True while the board's job waits in the queue or runs in a worker (False, logged,
    when the queue cannot be reached: the page still renders)."""
    from redis.exceptions import RedisError

    try:
        found = job(settings, slug)
        return found is not None and _status(found) in ACTIVE
    except RedisError as exc:
        log.warning("job queue unreachable: %s", type(exc).__name__)
        return False


def enqueue(settings: Settings, slug: str) -> bool:
    """Queue a sync of the board; False when one is already queued or running. Raises
    :class:`SourceError` in words when the queue cannot be reached."""
    from redis.exceptions import RedisError

    try:
        if active_or_raise(settings, slug):
            return False
        _queue(settings).enqueue(
            JOB,
            slug,
            job_id=job_id(settings, slug),
            job_timeout=JOB_TIMEOUT,
            result_ttl=7 * 86400,
            failure_ttl=7 * 86400,
            description=f"sync board {slug}",
        )
    except RedisError as exc:
        raise SourceError(
            f"the job queue at {mask_url(settings.queue_url or '')} is unreachable "
            f"({type(exc).__name__}): the sync was not started; check VGER_QUEUE_URL"
        ) from None
    return True


def active_or_raise(settings: Settings, slug: str) -> bool:
    found = job(settings, slug)
    return found is not None and _status(found) in ACTIVE


def last_result(settings: Settings, slug: str) -> dict[str, Any] | None:
    """The board's newest job as plain data: status, and the ETL's summary when done."""
    found = job(settings, slug)
    if found is None:
        return None
    status = _status(found)
    out: dict[str, Any] = {"status": status}
    if status == "finished":
        out["result"] = found.return_value()
    return out
