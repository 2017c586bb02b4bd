"""The scatterplot's CSV (``/download/scatter.csv``) and JSON (``/api/v1/scatter``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from flask import Blueprint, Response, current_app, request

from vger.errors import NotFoundError
from vger.web import cache, state
from vger.web.export import (
    csv_response,
    defuse,
    json_head,
    not_found_json,
)
from vger.web.params import parse
from vger.web.views.common import choose_board, request_choice, view_key
from vger.web.views.linked import linked_prs
from vger.web.views.scatter.data import ScatterData, scatter_data

bp = Blueprint("vger_scatter", __name__)


def _prs(data: ScatterData) -> np.ndarray:
    """The points' linked PRs: carried by the view data, or read here for a scatterplot
    too big to name them in its hover (:data:`~vger.web.views.scatter.data.HOVER_PRS_POINTS`)."""
    if "prs" in data.points:
        return data.points["prs"].to_numpy(dtype=object)
    with state.engine().connect() as conn:
        key = view_key(conn, data.choice, state.now())
        return cache.cached("scatter-prs", key, lambda: linked_prs(conn, data.choice, data.points))


def scatter_csv(data: ScatterData) -> pd.DataFrame:
    """The points: key, summary, type, work type, done (UTC), days, url; for issues the
    linked pull requests (``repo#N`` separated by spaces, vger.metrics.links)."""
    p = data.points
    frame = pd.DataFrame(
        {
            "key": p["key"].to_numpy(),
            "summary": p["summary"].to_numpy(),
            "type": p["type"].to_numpy(),
            "work_type": p["work_type"].to_numpy(),
            "done": p["done"].dt.tz_convert("UTC").dt.strftime("%Y-%m-%dT%H:%M:%SZ").to_numpy(),
            "days": np.round(p["days"].to_numpy(dtype=float), 4),
            "url": p["url"].to_numpy(),
        }
    )
    if not data.params_github:
        frame["pull_requests"] = _prs(data)
        return defuse(frame, ["summary", "pull_requests"])
    return defuse(frame, ["summary"])


@bp.route("/api/v1/scatter")
def api_scatter():
    """The scatterplot's points and its 50/80/90 % lines. The answer's text is cached
    with the view's data (per view key and notices, as the quadrant's): writing the
    91,000 points of two years again cost each cached answer 0.1 CPU-s (1.8 MB)."""
    parsed = parse(request.args.to_dict(flat=False))
    try:
        with state.engine().connect() as conn:
            choice = choose_board(conn, parsed.params)
            now = state.now()
            key = view_key(conn, choice, now)
            head = json_head(choice, parsed)
            text = cache.cached(
                "api-scatter",
                (*key, tuple(head["notices"])),
                lambda: current_app.json.dumps(
                    _api_body(head, choice, scatter_data(conn, choice, now)), sort_keys=False
                ),
            )
    except NotFoundError as exc:
        return not_found_json(exc)
    return Response(text, 200, mimetype="application/json")


def _api_body(head: dict, choice, data: ScatterData) -> dict:
    return {
        **head,
        "source": choice.params.source,
        "from": data.first_day.isoformat(),
        "to": data.last_day.isoformat(),
        "complete_weeks": data.complete_weeks,
        "levels": {str(k): v for k, v in data.levels.items()},
        "points": scatter_csv(data),
        "empty": data.empty_message,
    }


@bp.route("/download/scatter.csv")
def scatter_download() -> Response:
    """The points of the lead-time scatterplot."""
    with state.engine().connect() as conn:
        choice = request_choice(conn)
        data = scatter_data(conn, choice, state.now())
    p = data.choice.params
    return csv_response(
        scatter_csv(data),
        f"vger-{data.choice.board.slug}-{p.source}-scatter-{data.first_day}-{data.last_day}.csv",
    )
