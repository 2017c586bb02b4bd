"""CSV downloads of the forecast page and the cumulative-flow page (same query string
as the page)."""

from __future__ import annotations

from flask import Blueprint, Response, abort

from vger.web import state
from vger.web.figures_flow import flow_csv, flow_data, forecast_csv, forecast_data
from vger.web.routes import csv_response, request_choice

bp = Blueprint("vger_flow", __name__)


@bp.route("/download/forecast.csv")
def forecast() -> Response:
    """The forecast's answers: question, level, answer, weeks, days, the sample, trials, seed."""
    with state.engine().connect() as conn:
        choice = request_choice(conn)
        data = forecast_data(conn, choice, state.now())
    p = data.choice.params
    return csv_response(
        forecast_csv(data), f"vger-{data.choice.board.slug}-{p.source}-forecast-{data.today}.csv"
    )


@bp.route("/download/flow.csv")
def flow() -> Response:
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
