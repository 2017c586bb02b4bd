"""The aging CSV and JSON (``/download/aging.csv``, ``/api/v1/aging``): one row per
open item with its age, state, days in state and the band it passed."""

from __future__ import annotations

import numpy as np
import pandas as pd
from flask import Blueprint, Response, abort

from vger.errors import NotFoundError
from vger.metrics.aging import AGING_LEVELS
from vger.web.export import (
    csv_response,
    defuse,
    json_head,
    json_response,
    not_found_json,
    request_paging,
)
from vger.web.views.aging.data import AgingData, aging_data
from vger.web.views.common import request_view

bp = Blueprint("vger_aging", __name__)


def aging_csv(data: AgingData) -> pd.DataFrame:
    """One row per open item: key, summary, type, work type, state, start (UTC), age,
    in state since (UTC), days in state, the band passed (0: none), whether it is
    flagged in Jira now and its days flagged since start (board's unit), url; for issues
    the linked pull requests (``repo#N`` separated by spaces, vger.metrics.links)."""
    items = data.items
    if items.empty:
        return pd.DataFrame(
            columns=[
                "key", "summary", "type", "work_type", "state", "start", "age_days",
                "state_since", "days_in_state", "passed_percentile", "flagged_now",
                "days_flagged", "url",
            ]
        )  # fmt: skip
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    frame = pd.DataFrame(
        {
            "key": items["key"].astype(str).to_numpy(),
            "summary": items["summary"].astype(str).to_numpy(),
            "type": items["issue_type"].astype(str).to_numpy(),
            "work_type": items["work_type"].to_numpy(),
            "state": items["state"].astype(str).to_numpy(),
            "start": pd.to_datetime(items["start"], utc=True).dt.strftime(stamp).to_numpy(),
            "age_days": np.round(items["age"].to_numpy(dtype=float), 4),
            "state_since": pd.to_datetime(items["since"], utc=True).dt.strftime(stamp).to_numpy(),
            "days_in_state": np.round(items["state_days"].to_numpy(dtype=float), 4),
            "passed_percentile": items["passed"].astype(int).to_numpy(),
            "flagged_now": items["flagged"].to_numpy(dtype=bool) if "flagged" in items else False,
            "days_flagged": np.round(items["days_flagged"].to_numpy(dtype=float), 4)
            if "days_flagged" in items
            else np.nan,
            "url": items["url"].to_numpy(),
        }
    )
    if "prs" in items and not data.github:
        frame["pull_requests"] = items["prs"].to_numpy(dtype=object)
        return defuse(frame, ["summary", "state", "type", "work_type", "pull_requests"])
    return defuse(frame, ["summary", "state", "type", "work_type"])


def aging_bands_json(data: AgingData) -> list[dict]:
    """The bands per state: state, position, items, p50/p70/p85/p95 (days)."""
    out = []
    for row in data.bands.to_dict("records"):
        out.append(
            {
                "state": row["state"],
                "position": int(row["position"]),
                "items": int(row["items"]),
                **{f"p{level}": float(row[level]) for level in AGING_LEVELS},
            }
        )
    return out


@bp.route("/download/aging.csv")
def aging_download() -> Response:
    """One row per item in progress (same query string as the page)."""
    try:
        _, choice, data = request_view(aging_data)
    except NotFoundError as exc:
        abort(404, description=str(exc))
    message = data.empty_message
    if message:
        abort(404, description=message)
    p = choice.params
    return csv_response(
        aging_csv(data),
        f"vger-{choice.board.slug}-{p.source}-aging-{data.first_day}-{data.last_day}.csv",
    )


@bp.route("/api/v1/aging")
def aging_api() -> Response:
    """The CSV's rows, one page at a time (``page``, ``limit``: see
    :class:`vger.web.export.Paging`), the bands per state and the instant the ages are at."""
    try:
        parsed, choice, data = request_view(aging_data)
    except NotFoundError as exc:
        return not_found_json(exc)
    head = json_head(choice, parsed)
    paging = request_paging(head["notices"])
    message = data.empty_message
    return json_response(
        {
            **head,
            "source": choice.params.source,
            "from": data.first_day.isoformat(),
            "to": data.last_day.isoformat(),
            "at": data.now.isoformat(),
            "unit": data.unit,
            "bands": [] if message else aging_bands_json(data),
            **paging.of(aging_csv(data).iloc[:0] if message else aging_csv(data)),
            "empty": message,
        }
    )
