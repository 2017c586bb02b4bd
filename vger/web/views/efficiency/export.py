"""The efficiency view's CSV (``/download/efficiency.csv``) and JSON
(``/api/v1/efficiency``), for the same query string as the page, from the same data."""

from __future__ import annotations

import numpy as np
import pandas as pd
from flask import Blueprint, Response, abort

from vger.errors import NotFoundError
from vger.web import state
from vger.web.export import (
    csv_response,
    defuse,
    iso_utc,
    json_head,
    json_response,
    not_found_json,
    request_paging,
)
from vger.web.views.common import request_choice, request_view
from vger.web.views.efficiency.data import EfficiencyData, efficiency_data

bp = Blueprint("vger_efficiency", __name__)
COLUMNS = [
    "key",
    "summary",
    "type",
    "start",
    "done",
    "days",
    "days_working",
    "days_waiting",
    "efficiency",
    "days_flagged",
]


def efficiency_csv(data: EfficiencyData) -> pd.DataFrame:
    """One row per completed issue of the range's weeks (by done): key, summary, type,
    start and done (UTC), lead time (``days``: calendar or working days per the board),
    days in working and in waiting states, flow efficiency (0..1) and days flagged."""
    c = data.items

    def rounded(column: str) -> np.ndarray:
        return np.round(c[column].to_numpy(dtype=float), 4)

    frame = pd.DataFrame(
        {
            "key": c["key"].to_numpy(dtype=object),
            "summary": c["summary"].to_numpy(dtype=object),
            "type": c["issue_type"].to_numpy(dtype=object),
            "start": iso_utc(c["start"]),
            "done": iso_utc(c["done"]),
            "days": rounded("lead_time"),
            "days_working": rounded("working"),
            "days_waiting": rounded("waiting"),
            "efficiency": rounded("efficiency"),
            "days_flagged": rounded("flagged"),
        },
        columns=COLUMNS,
    )
    return defuse(frame, ["summary"])


@bp.route("/download/efficiency.csv")
def efficiency_download() -> Response:
    """Flow efficiency and days flagged of every completed issue of the range."""
    with state.engine().connect() as conn:
        choice = request_choice(conn)
        data = efficiency_data(conn, choice, state.now())
    message = data.empty_message
    if message:
        abort(404, description=message)
    return csv_response(
        efficiency_csv(data),
        f"vger-{data.choice.board.slug}-efficiency-{data.first_day}-{data.last_day}.csv",
    )


@bp.route("/api/v1/efficiency")
def api_efficiency() -> Response:
    """The efficiency page's numbers: per item (one page at a time: ``page``, ``limit``,
    see :class:`vger.web.export.Paging`), per week, the distribution and lead time by
    work state split working vs waiting."""
    try:
        parsed, choice, data = request_view(efficiency_data)
    except NotFoundError as exc:
        return not_found_json(exc)
    head = json_head(choice, parsed)
    paging = request_paging(head["notices"])
    weekly = data.weekly.reset_index(names="week")
    weekly["week"] = [pd.Timestamp(w).date().isoformat() for w in weekly["week"]]
    by_state = data.by_state.rename(columns={k: str(k) for k in (50, 80, 90)})
    return json_response(
        {
            **head,
            "from": data.first_day.isoformat(),
            "to": data.last_day.isoformat(),
            "unit": data.unit,
            "working_states": data.flags,
            **paging.of(efficiency_csv(data).drop(columns="summary"), "items"),
            "weekly_median": weekly,
            "histogram": data.histogram,
            "lead_time_by_state": by_state.drop(columns="position", errors="ignore"),
            "empty": data.empty_message,
        }
    )
