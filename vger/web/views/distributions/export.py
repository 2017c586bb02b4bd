"""The histogram CSVs and JSON: ``/download/leadtime-histogram.csv``,
``/download/throughput-histogram.csv`` and the same under ``/api/v1/``."""

from __future__ import annotations

import pandas as pd
from flask import Blueprint, Response

from vger.metrics.percentiles import LEVELS
from vger.web.views.common import range_csv, range_json
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


@bp.route("/download/leadtime-histogram.csv")
def leadtime_histogram_download() -> Response:
    """Items per lead-time bin and the 50/80/90 % marks."""
    return range_csv(distributions_data, leadtime_histogram_csv, "leadtime-histogram")


@bp.route("/download/throughput-histogram.csv")
def throughput_histogram_download() -> Response:
    """Complete weeks per throughput bin and the likelihood marks."""
    return range_csv(distributions_data, throughput_histogram_csv, "throughput-histogram")


@bp.route("/api/v1/leadtime-histogram")
def leadtime_histogram_api() -> Response:
    """The lead-time histogram's bins as ``rows``, its marks as ``levels``."""
    return range_json(
        distributions_data,
        leadtime_histogram_csv,
        lambda d: {"unit": d.unit, "items": d.lead_items, "levels": d.lead_marks},
    )


@bp.route("/api/v1/throughput-histogram")
def throughput_histogram_api() -> Response:
    """The throughput histogram's bins as ``rows``, the likelihood as ``likelihood``."""
    return range_json(
        distributions_data,
        throughput_histogram_csv,
        lambda d: {"complete_weeks": d.weeks, "likelihood": d.weekly_marks},
    )
