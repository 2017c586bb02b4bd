"""The histogram CSVs and JSON: ``/download/leadtime-histogram.csv``,
``/download/throughput-histogram.csv`` and the same under ``/api/v1/``."""

from __future__ import annotations

import pandas as pd
from flask import Blueprint, Response, abort

from vger.errors import NotFoundError
from vger.metrics.percentiles import LEVELS
from vger.web.export import csv_response, json_head, json_response, not_found_json
from vger.web.views.common import request_view
from vger.web.views.distributions.data import DistributionsData, distributions_data

bp = Blueprint("vger_distributions", __name__)


def leadtime_histogram_csv(data: DistributionsData) -> pd.DataFrame:
    """lower, upper (days), items, and the 50/80/90 % marks on every row."""
    frame = data.lead.rename(columns={"lower": "days_from", "upper": "days_to", "count": "items"})
    for level in LEVELS:
        frame[f"within_{level}"] = round(data.lead_marks.get(level, float("nan")), 4)
    return frame


def throughput_histogram_csv(data: DistributionsData) -> pd.DataFrame:
    """items_from, items_to, weeks, and the 50/80/90 % likelihood on every row."""
    frame = data.weekly.rename(
        columns={"lower": "items_from", "upper": "items_to", "count": "weeks"}
    )
    for level in LEVELS:
        frame[f"likelihood_{level}_at_least"] = round(data.weekly_marks.get(level, float("nan")), 4)
    return frame


def _download(body, name: str) -> Response:
    try:
        _, choice, data = request_view(distributions_data)
    except NotFoundError as exc:
        abort(404, description=str(exc))
    if data.empty_message:
        abort(404, description=data.empty_message)
    span = f"{data.first_day}-{data.last_day}"
    return csv_response(
        body(data), f"vger-{choice.board.slug}-{choice.params.source}-{name}-{span}.csv"
    )


def _api(body, extra) -> Response:
    try:
        parsed, choice, data = request_view(distributions_data)
    except NotFoundError as exc:
        return not_found_json(exc)
    message = data.empty_message
    return json_response(
        {
            **json_head(choice, parsed),
            "source": choice.params.source,
            "from": data.first_day.isoformat(),
            "to": data.last_day.isoformat(),
            **({} if message else extra(data)),
            "rows": [] if message else body(data).to_dict("records"),
            "empty": message,
        }
    )


@bp.route("/download/leadtime-histogram.csv")
def leadtime_histogram_download() -> Response:
    """Items per lead-time bin and the 50/80/90 % marks."""
    return _download(leadtime_histogram_csv, "leadtime-histogram")


@bp.route("/download/throughput-histogram.csv")
def throughput_histogram_download() -> Response:
    """Complete weeks per throughput bin and the likelihood marks."""
    return _download(throughput_histogram_csv, "throughput-histogram")


@bp.route("/api/v1/leadtime-histogram")
def leadtime_histogram_api() -> Response:
    """The lead-time histogram's bins as ``rows``, its marks as ``levels``."""
    return _api(
        leadtime_histogram_csv,
        lambda d: {"unit": d.unit, "items": d.lead_items, "levels": d.lead_marks},
    )


@bp.route("/api/v1/throughput-histogram")
def throughput_histogram_api() -> Response:
    """The throughput histogram's bins as ``rows``, the likelihood as ``likelihood``."""
    return _api(
        throughput_histogram_csv,
        lambda d: {"complete_weeks": d.weeks, "likelihood": d.weekly_marks},
    )
