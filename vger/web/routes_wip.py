"""CSV downloads and JSON twins of the aging, distributions and WIP pages (same query
string as the pages): ``/download/aging.csv``, ``leadtime-histogram.csv``,
``throughput-histogram.csv``, ``wip.csv``, ``netflow.csv``, each also as
``/api/v1/aging``, ``/api/v1/leadtime-histogram``… (the CSV's rows as ``rows``, plus the
view's head, marks and, when there is nothing to draw, ``empty`` in words)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable

import numpy as np
from flask import Blueprint, Response, abort

from vger.errors import NotFoundError
from vger.web.figures_aging import aging_bands_json, aging_csv, aging_data
from vger.web.figures_wip import (
    distributions_data,
    leadtime_histogram_csv,
    netflow_csv,
    throughput_histogram_csv,
    wip_csv,
    wip_data,
)
from vger.web.routes import csv_response, request_view

bp = Blueprint("vger_wip", __name__)


def _span(data) -> str:
    return f"{data.first_day}-{data.last_day}"


def _aging_extra(data) -> dict:
    return {"at": data.now.isoformat(), "unit": data.unit, "bands": aging_bands_json(data)}


def _lead_extra(data) -> dict:
    return {"unit": data.unit, "items": data.lead_items, "levels": data.lead_marks}


def _weekly_extra(data) -> dict:
    return {"complete_weeks": data.weeks, "likelihood": data.weekly_marks}


#: name → (view data, CSV body, extra JSON fields)
EXPORTS: dict[str, tuple[Callable, Callable, Callable]] = {
    "aging": (aging_data, aging_csv, _aging_extra),
    "leadtime-histogram": (distributions_data, leadtime_histogram_csv, _lead_extra),
    "throughput-histogram": (distributions_data, throughput_histogram_csv, _weekly_extra),
    "wip": (wip_data, wip_csv, lambda data: {}),
    "netflow": (wip_data, netflow_csv, lambda data: {}),
}


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


def _download(name: str) -> Response:
    compute, body, _ = EXPORTS[name]
    try:
        _, choice, data = request_view(compute)
    except NotFoundError as exc:
        abort(404, description=str(exc))
    message = data.empty_message
    if message:
        abort(404, description=message)
    frame = body(data)
    source = choice.params.source
    return csv_response(frame, f"vger-{choice.board.slug}-{source}-{name}-{_span(data)}.csv")


def _api(name: str) -> Response:
    compute, body, extra = EXPORTS[name]
    try:
        parsed, choice, data = request_view(compute)
    except NotFoundError as exc:
        return Response(json.dumps({"error": str(exc)}), 404, mimetype="application/json")
    message = data.empty_message
    rows = [] if message else json.loads(body(data).to_json(orient="records"))
    out = {
        "board": choice.board.slug,
        "time_zone": choice.board.tz,
        "source": choice.params.source,
        "from": data.first_day.isoformat(),
        "to": data.last_day.isoformat(),
        "notices": parsed.notices + choice.notices,
        **({} if message else extra(data)),
        "rows": rows,
        "empty": message,
    }
    return Response(json.dumps(_clean(out), allow_nan=False), mimetype="application/json")


def _register(name: str) -> None:
    bp.add_url_rule(f"/download/{name}.csv", f"csv_{name}", lambda: _download(name))
    bp.add_url_rule(f"/api/v1/{name}", f"api_{name}", lambda: _api(name))


for _name in EXPORTS:
    _register(_name)
