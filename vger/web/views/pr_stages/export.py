"""The pull-request stages CSV (``/download/pr-stages.csv``) and JSON
(``/api/v1/pr-stages``), for the same query string as the page, from the same data."""

from __future__ import annotations

import pandas as pd
from flask import Blueprint, Response

from vger.web.views.common import range_csv, range_json
from vger.web.views.pr_stages.data import PrStagesData, pr_stages_data

bp = Blueprint("vger_pr_stages", __name__)


def stages_csv(data: PrStagesData) -> pd.DataFrame:
    """One row per pull request merged in the range (:data:`vger.web.views.pr_stages.data.
    CSV_COLUMNS`), built with the view's cached data."""
    return data.rows


def _levels(data: PrStagesData) -> dict:
    levels = data.levels.rename(columns={k: str(k) for k in (50, 80, 90)})
    return {
        "unit": "days",
        "draft_time": "excluded",
        "counts": data.counts,
        "stages": levels.to_dict("records"),
        "rounds": data.rounds.to_dict("records"),
    }


@bp.route("/download/pr-stages.csv")
def pr_stages_download() -> Response:
    """The stages of every pull request merged in the range."""
    return range_csv(pr_stages_data, stages_csv, "pr-stages")


@bp.route("/api/v1/pr-stages")
def pr_stages_api() -> Response:
    """The stage percentiles, the rounds and the CSV's rows, a page at a time (``page``,
    ``limit``: :class:`vger.web.export.Paging`)."""
    return range_json(pr_stages_data, stages_csv, _levels, paged=True)
