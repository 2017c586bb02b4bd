"""CSV downloads of the quarterly page and the scatterplot (same query string as the page)."""

from __future__ import annotations

from flask import Blueprint, Response

from vger.web import state
from vger.web.figures_periods import (
    quarterly_data,
    quarterly_leadtime_csv,
    quarterly_throughput_csv,
    scatter_csv,
    scatter_data,
)
from vger.web.routes import csv_response, request_choice

bp = Blueprint("vger_periods", __name__)


@bp.route("/download/quarterly-throughput.csv")
def quarterly_throughput() -> Response:
    """Completed items per fiscal quarter and the straight likelihood lines."""
    with state.engine().connect() as conn:
        choice = request_choice(conn)
        data = quarterly_data(conn, choice, state.now())
    return csv_response(quarterly_throughput_csv(data), _name(data, "quarterly-throughput"))


@bp.route("/download/quarterly-leadtime.csv")
def quarterly_leadtime() -> Response:
    """Every completed item with a lead time in the quarters shown."""
    with state.engine().connect() as conn:
        choice = request_choice(conn)
        data = quarterly_data(conn, choice, state.now())
    return csv_response(quarterly_leadtime_csv(data), _name(data, "quarterly-leadtime"))


@bp.route("/download/scatter.csv")
def scatter() -> Response:
    """The points of the lead-time scatterplot."""
    with state.engine().connect() as conn:
        choice = request_choice(conn)
        data = scatter_data(conn, choice, state.now())
    p = data.choice.params
    return csv_response(
        scatter_csv(data),
        f"vger-{data.choice.board.slug}-{p.source}-scatter-{data.first_day}-{data.last_day}.csv",
    )


def _name(data, chart: str) -> str:
    span = f"{data.grid.labels[0]}-{data.grid.labels[-1]}".replace(" ", "")
    return f"vger-{data.choice.board.slug}-{data.choice.params.source}-{chart}-{span}.csv"
