"""The cumulative-flow CSV (``/download/flow.csv``)."""

from __future__ import annotations

import pandas as pd
from flask import Blueprint, Response, abort

from vger.web import state
from vger.web.export import csv_response, defuse
from vger.web.views.common import request_choice
from vger.web.views.flow.data import FlowData, flow_data

bp = Blueprint("vger_flow", __name__)


def flow_csv(data: FlowData) -> pd.DataFrame:
    """day (local date) plus one column per work state (board order), then (unmapped)."""
    frame = data.flow.reset_index()
    frame["day"] = [d.date().isoformat() for d in frame["day"]]
    names = defuse(pd.DataFrame({"name": list(data.flow.columns)}), ["name"])["name"]
    frame.columns = ["day", *names]
    return frame


@bp.route("/download/flow.csv")
def flow_download() -> Response:
    """Issues per work state at the end of each day of the range."""
    with state.engine().connect() as conn:
        choice = request_choice(conn)
        data = flow_data(conn, choice, state.now())
    message = data.empty_message
    if message:
        abort(404, description=message)
    return csv_response(
        flow_csv(data),
        f"vger-{data.choice.board.slug}-flow-{data.first_day}-{data.last_day}.csv",
    )
