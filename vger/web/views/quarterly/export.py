"""The quarterly page's CSV downloads and JSON (``/api/v1/quarterly``), for the same
query string as the page.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from flask import Blueprint, Response

from vger.errors import NotFoundError
from vger.metrics.percentiles import LEVELS
from vger.web import state
from vger.web.export import (
    csv_response,
    defuse,
    json_head,
    json_response,
    not_found_json,
)
from vger.web.views.common import local_naive, request_choice, request_view
from vger.web.views.quarterly.data import QuarterlyData, quarterly_data

bp = Blueprint("vger_quarterly", __name__)


def quarterly_throughput_csv(data: QuarterlyData) -> pd.DataFrame:
    """quarter, start, end (local dates), count, complete, and the straight likelihood
    lines (the same value on every row: L % of complete quarters delivered at least it)."""
    frame = data.throughput.copy()
    frame["start"] = [d.isoformat() for d in frame["start"]]
    frame["end"] = [d.isoformat() for d in frame["end"]]
    for level in LEVELS:
        value = data.likelihood.get(level, float("nan"))
        frame[f"likelihood_{level}_at_least"] = round(value, 4) if not np.isnan(value) else np.nan
    return frame


def quarterly_leadtime_csv(data: QuarterlyData) -> pd.DataFrame:
    """One row per completed item with a lead time in the quarters shown: quarter,
    done (local date), key, summary, type, days."""
    items = data.lead_items
    frame = pd.DataFrame(
        {
            "quarter": items["quarter"].to_numpy(),
            "done": [
                t.date().isoformat() for t in local_naive(items["done"], data.choice.board.tz)
            ],
            "key": items["key"].astype(str).to_numpy(),
            "summary": items["summary"].fillna("").astype(str).to_numpy(),
            "type": items["issue_type"].astype(str).to_numpy(),
            "days": np.round(items["lead_time"].to_numpy(dtype=float), 4),
        }
    )
    return defuse(frame, ["summary"])


@bp.route("/api/v1/quarterly")
def api_quarterly():
    """The quarterly page's throughput and lead time per fiscal quarter."""
    try:
        parsed, choice, data = request_view(quarterly_data)
    except NotFoundError as exc:
        return not_found_json(exc)
    lead = data.lead_time.rename(columns={k: str(k) for k in (50, 80, 90)})
    return json_response(
        {
            **json_head(choice, parsed),
            "source": choice.params.source,
            "fiscal_start_month": choice.board.fiscal_start_month,
            "quarters": len(data.grid),
            "span": data.span,
            "throughput": quarterly_throughput_csv(data),
            "likelihood": {str(k): v for k, v in data.likelihood.items()},
            "lead_time": lead,
            "empty": data.empty_message,
        }
    )


@bp.route("/download/quarterly-throughput.csv")
def quarterly_throughput_download() -> Response:
    """Completed items per fiscal quarter and the straight likelihood lines."""
    with state.engine().connect() as conn:
        choice = request_choice(conn)
        data = quarterly_data(conn, choice, state.now())
    return csv_response(quarterly_throughput_csv(data), _name(data, "quarterly-throughput"))


@bp.route("/download/quarterly-leadtime.csv")
def quarterly_leadtime_download() -> Response:
    """Every completed item with a lead time in the quarters shown."""
    with state.engine().connect() as conn:
        choice = request_choice(conn)
        data = quarterly_data(conn, choice, state.now())
    return csv_response(quarterly_leadtime_csv(data), _name(data, "quarterly-leadtime"))


def _name(data, chart: str) -> str:
    span = f"{data.grid.labels[0]}-{data.grid.labels[-1]}".replace(" ", "")
    return f"vger-{data.choice.board.slug}-{data.choice.params.source}-{chart}-{span}.csv"
