"""AWS Lambda handlers (see ``serverless.yml``).

``web``: the dashboard behind API Gateway (HTTP API, REST API, ALB or a Function URL)
through apig-wsgi; the app is built once per container, on the first request, from the
environment (``VGER_*``).

``etl``: the scheduled sync. Without a ``board`` in the event it lists the boards and
invokes itself once per board, asynchronously (``InvocationType="Event"``), so every
board gets its own 15-minute budget and boards sync in parallel; with ``{"board":
"slug"}`` it syncs that board (``{"full": true}`` for a full run). Keep the ETL a
separate function: the web adapter is the wrong place for scheduled events.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import cache
from typing import Any

from vger.config import Settings

log = logging.getLogger(__name__)
Invoker = Callable[[dict[str, Any]], None]


@cache
def _web_handler() -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    from apig_wsgi import make_lambda_handler

    from vger.web import create_app

    app = create_app(Settings())
    return make_lambda_handler(app.server, binary_support=True)


def web(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """API Gateway / ALB / Function URL event → the Flask + Dash app → response."""
    return _web_handler()(event, context)


@cache
def _store():
    from vger.store.db import make_engine

    settings = Settings()
    return settings, make_engine(settings.database_url)


def lambda_invoker(function_name: str) -> Invoker:
    """Invoke ``function_name`` asynchronously with a JSON payload (boto3 is part of the
    Lambda runtime; it is imported only here)."""
    import boto3

    client = boto3.client("lambda")

    def invoke(payload: dict[str, Any]) -> None:
        client.invoke(
            FunctionName=function_name,
            InvocationType="Event",
            Payload=json.dumps(payload).encode(),
        )

    return invoke


def etl(event: dict[str, Any] | None, context: Any, invoke: Invoker | None = None) -> dict:
    """Scheduled ETL: fan out one asynchronous invocation per board, or sync one board.

    ``invoke`` replaces the boto3 invoker (tests); by default the function invokes
    itself (``context.invoked_function_arn``)."""
    event = event if isinstance(event, dict) else {}
    settings, engine = _store()
    full = bool(event.get("full", False))
    slug = event.get("board")
    if not slug:
        from vger.store.boards import list_boards

        with engine.connect() as conn:
            slugs = [b.slug for b in list_boards(conn)]
        invoke = invoke or lambda_invoker(context.invoked_function_arn)
        for board in slugs:
            invoke({"board": board, "full": full})
        log.info("etl: fanned out %d boards", len(slugs))
        return {"fanned_out": slugs}

    from etl.run import run_etl

    report = run_etl(engine, settings, board_slug=str(slug), full=full)
    summary = report.summary()
    log.info("etl %s: %s", slug, summary)
    if not report.ok:  # a failed invocation shows in the metrics and the retry policy
        raise RuntimeError(f"etl {slug} failed: {summary}")
    return {"board": slug, "ok": True, "summary": summary}
