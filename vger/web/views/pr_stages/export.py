"""The pull-request stages CSV (``/download/pr-stages.csv``) and JSON
(``/api/v1/pr-stages``), for the same query string as the page, from the same data."""

from __future__ import annotations

import numpy as np
import pandas as pd
from flask import Blueprint, Response

from vger.web.export import defuse, iso_utc
from vger.web.views.common import range_csv, range_json
from vger.web.views.pr_stages.data import PrStagesData, pr_stages_data

bp = Blueprint("vger_pr_stages", __name__)


def stages_csv(data: PrStagesData) -> pd.DataFrame:
    """One row per pull request merged in the range: key, title, author, created, first
    review, last approval, merged (UTC), the three stages in days (draft time excluded;
    empty: the stage did not happen or the PR has no stages yet), review rounds, days as
    a draft, ``cut`` (more reviews or events than one page fetched) and the URL."""
    i = data.items

    def days(column: str) -> np.ndarray:
        return np.round(i[column].to_numpy(dtype=float), 4)

    frame = pd.DataFrame(
        {
            "key": i["key"].to_numpy(dtype=object),
            "title": i["title"].to_numpy(dtype=object),
            "author": i["author"].to_numpy(dtype=object),
            "created": iso_utc(i["created"]),
            "first_review": iso_utc(i["first_review"]),
            "last_approval": iso_utc(i["last_approval"]),
            "merged": iso_utc(i["merged"]),
            "days_to_first_review": days("wait"),
            "days_in_review": days("review"),
            "days_approval_to_merge": days("merge"),
            "review_rounds": np.where(i["has_stages"], i["rounds"], None),
            "days_draft": days("draft"),
            "cut": i["cut"].to_numpy(dtype=bool),
            "url": i["url"].to_numpy(dtype=object),
        }
    )
    return defuse(frame, ["title", "author"])


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
    """The stage percentiles, the rounds and the CSV's rows."""
    return range_json(pr_stages_data, stages_csv, _levels, pandas_rows=True)
