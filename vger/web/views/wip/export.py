"""The WIP and net-flow CSVs and JSON: ``/download/wip.csv``, ``/download/netflow.csv``
and the same under ``/api/v1/``."""

from __future__ import annotations

import pandas as pd
from flask import Blueprint, Response, abort

from vger.errors import NotFoundError
from vger.web.export import csv_response, json_head, json_response, not_found_json
from vger.web.views.common import request_view
from vger.web.views.wip.data import WipData, wip_data

bp = Blueprint("vger_wip", __name__)


def wip_csv(data: WipData) -> pd.DataFrame:
    """day (local date), wip."""
    return pd.DataFrame(
        {"day": [d.date().isoformat() for d in data.wip.index], "wip": data.wip.to_numpy()}
    )


def netflow_csv(data: WipData) -> pd.DataFrame:
    """week (Monday), arrivals, departures, net, complete."""
    frame = data.flow.reset_index()
    frame["week"] = [d.date().isoformat() for d in frame["week"]]
    return frame[["week", "arrivals", "departures", "net", "complete"]]


def _download(body, name: str) -> Response:
    try:
        _, choice, data = request_view(wip_data)
    except NotFoundError as exc:
        abort(404, description=str(exc))
    if data.empty_message:
        abort(404, description=data.empty_message)
    span = f"{data.first_day}-{data.last_day}"
    return csv_response(
        body(data), f"vger-{choice.board.slug}-{choice.params.source}-{name}-{span}.csv"
    )


def _api(body) -> Response:
    try:
        parsed, choice, data = request_view(wip_data)
    except NotFoundError as exc:
        return not_found_json(exc)
    message = data.empty_message
    return json_response(
        {
            **json_head(choice, parsed),
            "source": choice.params.source,
            "from": data.first_day.isoformat(),
            "to": data.last_day.isoformat(),
            "rows": [] if message else body(data).to_dict("records"),
            "empty": message,
        }
    )


@bp.route("/download/wip.csv")
def wip_download() -> Response:
    """Items in progress at the end of each day of the range."""
    return _download(wip_csv, "wip")


@bp.route("/download/netflow.csv")
def netflow_download() -> Response:
    """Arrivals, departures and net flow per week of the range."""
    return _download(netflow_csv, "netflow")


@bp.route("/api/v1/wip")
def wip_api() -> Response:
    """The daily WIP as ``rows``."""
    return _api(wip_csv)


@bp.route("/api/v1/netflow")
def netflow_api() -> Response:
    """The weekly net flow as ``rows``."""
    return _api(netflow_csv)
