"""The WIP and net-flow CSVs and JSON: ``/download/wip.csv``, ``/download/netflow.csv``
and the same under ``/api/v1/``."""

from __future__ import annotations

import pandas as pd
from flask import Blueprint, Response

from vger.web.views.common import range_csv, range_json
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


@bp.route("/download/wip.csv")
def wip_download() -> Response:
    """Items in progress at the end of each day of the range."""
    return range_csv(wip_data, wip_csv, "wip")


@bp.route("/download/netflow.csv")
def netflow_download() -> Response:
    """Arrivals, departures and net flow per week of the range."""
    return range_csv(wip_data, netflow_csv, "netflow")


@bp.route("/api/v1/wip")
def wip_api() -> Response:
    """The daily WIP as ``rows``."""
    return range_json(wip_data, wip_csv)


@bp.route("/api/v1/netflow")
def netflow_api() -> Response:
    """The weekly net flow as ``rows``."""
    return range_json(wip_data, netflow_csv)
