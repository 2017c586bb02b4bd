"""CSV downloads of the forecast page and the cumulative-flow page (same query string
as the page)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request

from vger.errors import NotFoundError
from vger.store import boards
from vger.web import state
from vger.web.figures_flow import flow_csv, flow_data, forecast_csv, forecast_data
from vger.web.params import parse
from vger.web.routes import csv_response
from vger.web.views import choose_board

bp = Blueprint("vger_flow", __name__)


def _choice(conn):
    parsed = parse(request.args.to_dict(flat=False))
    try:
        return choose_board(conn, parsed.params)
    except NotFoundError as exc:
        slugs = ", ".join(b.slug for b in boards.list_boards(conn))
        abort(404, description=f"{exc} Boards: {slugs or 'none yet'}.")


@bp.route("/download/forecast.csv")
def forecast() -> Response:
    """The forecast's answers: question, level, answer, weeks, the sample, trials, seed."""
    with state.engine().connect() as conn:
        choice = _choice(conn)
        data = forecast_data(conn, choice, state.now())
    p = data.choice.params
    return csv_response(
        forecast_csv(data), f"vger-{data.choice.board.slug}-{p.source}-forecast-{data.today}.csv"
    )


@bp.route("/download/flow.csv")
def flow() -> Response:
    """Issues per work state at the end of each day of the range."""
    with state.engine().connect() as conn:
        choice = _choice(conn)
        data = flow_data(conn, choice, state.now())
    message = data.empty_message
    if message:
        abort(404, description=message)
    return csv_response(
        flow_csv(data),
        f"vger-{data.choice.board.slug}-flow-{data.first_day}-{data.last_day}.csv",
    )
