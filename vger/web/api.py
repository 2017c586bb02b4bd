"""The JSON API beside ``/api/v1/quadrant`` (same query strings as the pages) and the
data-quality CSV:

- ``/api/v1/boards``: teams and their boards (slug, name, time zone, work types,
  repositories, last successful sync)
- ``/api/v1/quarterly``, ``/api/v1/scatter``: the view data of those pages and CSVs
- ``/api/v1/quality``: the data-quality report: each check's count and one page of its
  issues (``page``, 1-based; ``limit`` keys per check, default 50, at most 1000;
  ``check`` = one check id to page through just that one); ``/download/quality.csv``
  streams every row

An unknown board is a 404 with ``{"error": "..."}`` in words; bad parameters fall back
to defaults and are listed in ``notices``. Behind ``VGER_REQUIRE_LOGIN`` like every
``/api/*`` path.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
from flask import Blueprint, Response, abort, jsonify, request

from vger.errors import NotFoundError
from vger.metrics.quality import CHECK_IDS
from vger.store import boards, sync, workflows
from vger.web import state
from vger.web.figures_periods import (
    quarterly_data,
    quarterly_throughput_csv,
    scatter_csv,
    scatter_data,
)
from vger.web.figures_quality import (
    CSV_COLUMNS,
    DEFAULT_LIMIT,
    MAX_LIMIT,
    quality_csv_chunks,
    quality_data,
    quality_json,
)
from vger.web.routes import csv_stream, request_view

bp = Blueprint("vger_api", __name__)


def _json(body: dict, status: int = 200) -> Response:
    return Response(json.dumps(_clean(body), allow_nan=False), status, mimetype="application/json")


def _clean(value):
    """NaN/inf → null, numpy scalars → Python, recursively."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _records(frame: pd.DataFrame) -> list[dict]:
    return json.loads(frame.to_json(orient="records", date_format="iso"))


def _not_found(exc: NotFoundError) -> Response:
    return _json({"error": str(exc)}, 404)


def _head(choice, parsed) -> dict:
    return {
        "board": choice.board.slug,
        "time_zone": choice.board.tz,
        "notices": parsed.notices + choice.notices,
    }


@bp.route("/api/v1/boards")
def api_boards():
    """Every team and its boards."""
    with state.engine().connect() as conn:
        teams: dict[str, dict] = {}
        for b in boards.list_boards(conn):
            team = teams.setdefault(
                b.team_slug,
                {
                    "slug": b.team_slug,
                    "name": b.team_name,
                    "time_zone": b.tz,
                    "fiscal_start_month": b.fiscal_start_month,
                    "boards": [],
                },
            )
            last = sync.last_success(conn, b.id)
            team["boards"].append(
                {
                    "slug": b.slug,
                    "name": b.name,
                    "time_zone": b.tz,
                    "work_types": workflows.work_types(conn, b.id),
                    "repositories": list(boards.repos(conn, b.id)),
                    "last_successful_sync": last.isoformat() if last else None,
                }
            )
    return jsonify({"teams": list(teams.values())})


@bp.route("/api/v1/quarterly")
def api_quarterly():
    """The quarterly page's throughput and lead time per fiscal quarter."""
    try:
        parsed, choice, data = request_view(quarterly_data)
    except NotFoundError as exc:
        return _not_found(exc)
    lead = data.lead_time.rename(columns={k: str(k) for k in (50, 80, 90)})
    return _json(
        {
            **_head(choice, parsed),
            "source": choice.params.source,
            "fiscal_start_month": choice.board.fiscal_start_month,
            "quarters": len(data.grid),
            "span": data.span,
            "throughput": _records(quarterly_throughput_csv(data)),
            "likelihood": {str(k): v for k, v in data.likelihood.items()},
            "lead_time": _records(lead),
            "empty": data.empty_message,
        }
    )


@bp.route("/api/v1/scatter")
def api_scatter():
    """The scatterplot's points and its 50/80/90 % lines."""
    try:
        parsed, choice, data = request_view(scatter_data)
    except NotFoundError as exc:
        return _not_found(exc)
    return _json(
        {
            **_head(choice, parsed),
            "source": choice.params.source,
            "from": data.first_day.isoformat(),
            "to": data.last_day.isoformat(),
            "complete_weeks": data.complete_weeks,
            "levels": {str(k): v for k, v in data.levels.items()},
            "points": _records(scatter_csv(data)),
            "empty": data.empty_message,
        }
    )


def _whole(name: str, default: int, most: int, notices: list[str]) -> int:
    """Query parameter ``name`` as a whole number in 1..``most``; otherwise ``default``
    and a notice in words."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= most:
        notices.append(
            f"{name}={raw[:40]!r} is not a whole number from 1 to {most}; showing {name} {default}."
        )
        return default
    return value


def _paging() -> tuple[int, int, str | None, list[str]]:
    """page, limit and check of the quality API's query string, with notices."""
    notices: list[str] = []
    page = _whole("page", 1, 1_000_000, notices)
    limit = _whole("limit", DEFAULT_LIMIT, MAX_LIMIT, notices)
    only = request.args.get("check") or None
    if only is not None and only not in CHECK_IDS:
        notices.append(
            f"There is no check {only[:40]!r}: listing every check. Checks: {', '.join(CHECK_IDS)}."
        )
        only = None
    return page, limit, only, notices


@bp.route("/api/v1/quality")
def api_quality():
    """The data-quality report: every check, its count and one page of the affected
    issues."""
    page, limit, only, notices = _paging()
    try:
        parsed, choice, data = request_view(quality_data)
    except NotFoundError as exc:
        return _not_found(exc)
    head = _head(choice, parsed)
    head["notices"] += notices
    return _json(
        {
            **head,
            "types": list(choice.params.types),
            **quality_json(data, page, limit, only),
            "empty": data.empty_message,
        }
    )


@bp.route("/download/quality.csv")
def quality_download() -> Response:
    """check, key, detail: one row per issue a check lists."""
    try:
        parsed, choice, data = request_view(quality_data)
    except NotFoundError as exc:
        abort(404, description=str(exc))
    day = pd.Timestamp(data.generated).tz_convert(choice.board.tz).date()
    return csv_stream(
        quality_csv_chunks(data), CSV_COLUMNS, f"vger-{choice.board.slug}-quality-{day}.csv"
    )


@bp.route("/api", defaults={"rest": ""}, methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
@bp.route("/api/<path:rest>", methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
def api_unknown(rest: str) -> Response:
    """Any other ``/api/...`` path: a JSON 404 naming the API's paths, never the HTML page."""
    from flask import current_app

    paths = sorted(
        {r.rule for r in current_app.url_map.iter_rules() if r.rule.startswith("/api/v1/")}
    )
    return _json({"error": f"no API at /api/{rest}", "paths": paths}, 404)
