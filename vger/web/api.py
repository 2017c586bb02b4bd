"""The JSON API beside ``/api/v1/quadrant`` (same query strings as the pages) and the
data-quality CSV:

- ``/api/v1/boards``: teams and their boards (slug, name, time zone, work types,
  repositories, last successful sync)
- ``/api/v1/quarterly``, ``/api/v1/scatter``: the view data of those pages and CSVs
- ``/api/v1/quality``: the data-quality report; ``/download/quality.csv``

An unknown board is a 404 with ``{"error": "..."}`` in words; bad parameters fall back
to defaults and are listed in ``notices``. Behind ``VGER_REQUIRE_LOGIN`` like every
``/api/*`` path.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
from flask import Blueprint, Response, abort, jsonify

from vger.errors import NotFoundError
from vger.store import boards, sync
from vger.web import state
from vger.web.figures_periods import (
    quarterly_data,
    quarterly_throughput_csv,
    scatter_csv,
    scatter_data,
)
from vger.web.figures_quality import quality_csv, quality_data, quality_json
from vger.web.routes import csv_response, request_view

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
                    "work_types": boards.work_types(conn, b.id),
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


@bp.route("/api/v1/quality")
def api_quality():
    """The data-quality report: every check, its count and the affected issues."""
    try:
        parsed, choice, data = request_view(quality_data)
    except NotFoundError as exc:
        return _not_found(exc)
    return _json(
        {
            **_head(choice, parsed),
            "types": list(choice.params.types),
            **quality_json(data),
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
    return csv_response(quality_csv(data), f"vger-{choice.board.slug}-quality-{day}.csv")


@bp.route("/api", defaults={"rest": ""}, methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
@bp.route("/api/<path:rest>", methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
def api_unknown(rest: str) -> Response:
    """Any other ``/api/...`` path: a JSON 404 naming the API's paths, never the HTML page."""
    from flask import current_app

    paths = sorted(
        {r.rule for r in current_app.url_map.iter_rules() if r.rule.startswith("/api/v1/")}
    )
    return _json({"error": f"no API at /api/{rest}", "paths": paths}, 404)
