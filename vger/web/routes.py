"""Flask routes beside the Dash pages: CSV downloads, the JSON API, health."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import TypeVar

import numpy as np
import pandas as pd
from flask import Blueprint, Response, abort, jsonify, request
from sqlalchemy import Connection

from vger.errors import NotFoundError
from vger.store import boards, queries
from vger.store.db import ping
from vger.web import cache, csv, state
from vger.web.efficiency.data import days_flagged
from vger.web.params import Parsed, parse
from vger.web.views import (
    BoardChoice,
    choose_board,
    completed_with_details,
    quadrant_data,
    view_key,
)

log = logging.getLogger(__name__)
T = TypeVar("T")
bp = Blueprint("vger", __name__)
QUADRANT_CSVS = ("throughput", "variation", "backlog", "volume", "leadtime", "headlines")


def request_view(
    compute: Callable[[Connection, BoardChoice, datetime], T],
) -> tuple[Parsed, BoardChoice, T]:
    """Parse the request's query string, choose its board and compute the view with
    ``compute(conn, choice, now)``. Raises NotFoundError for an unknown board."""
    parsed = parse(request.args.to_dict(flat=False))
    with state.engine().connect() as conn:
        choice = choose_board(conn, parsed.params)
        return parsed, choice, compute(conn, choice, state.now())


def request_choice(conn: Connection) -> BoardChoice:
    """The board of the request's query string; an unknown board is a 404 that lists
    the boards there are."""
    try:
        return choose_board(conn, parse(request.args.to_dict(flat=False)).params)
    except NotFoundError as exc:
        slugs = ", ".join(b.slug for b in boards.list_boards(conn))
        abort(404, description=f"{exc} Boards: {slugs or 'none yet'}.")


@bp.route("/download/<chart>.csv")
def download(chart: str) -> Response:
    """The data behind a chart, for the same query string as the page."""
    if chart not in QUADRANT_CSVS:
        abort(
            404,
            description=f"There is no chart {chart!r} on the quadrant: use one of {', '.join(QUADRANT_CSVS)}.",
        )
    parsed = parse(request.args.to_dict(flat=False))
    try:
        with state.engine().connect() as conn:
            choice = choose_board(conn, parsed.params)
            now = state.now()
            data = quadrant_data(conn, choice, now)
            frame = cache.cached(
                f"csv-{chart}",
                view_key(conn, choice, now),
                lambda: _quadrant_csv(conn, chart, data),
            )
    except NotFoundError as exc:
        abort(404, description=str(exc))
    return csv_response(
        frame,
        f"vger-{choice.board.slug}-{data.source}-{chart}-{data.first_day}-{data.last_day}.csv",
    )


def _quadrant_csv(conn, chart: str, data) -> pd.DataFrame:
    github = data.source == "github"
    if (chart == "volume" and not github) or (chart == "backlog" and github):
        raise NotFoundError(
            f"The {chart} chart belongs to source={'jira' if chart == 'backlog' else 'github'}."
        )
    if chart == "leadtime":
        completed = completed_with_details(conn, data)
        states = None
        if "state_days" in completed:
            states = queries.completed_state_times_of(conn, data.choice.board, completed)
            completed = completed.drop(columns="state_days")
        flagged = None if github else days_flagged(conn, data.choice.board, completed)
        return csv.leadtime_csv(dataclasses.replace(data, completed=completed), states, flagged)
    return getattr(csv, f"{chart}_csv")(data)


def csv_stream(pieces: Iterable[pd.DataFrame], columns: list[str], filename: str) -> Response:
    """A CSV download written piece by piece (header row first, even when there are no
    pieces), so a large body is never held as one string."""

    def body() -> Iterator[str]:
        yield pd.DataFrame(columns=columns).to_csv(index=False)
        for piece in pieces:
            yield piece[columns].to_csv(index=False, header=False)

    return Response(
        body(),  # needs no request context: the pieces are computed already
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


CSV_CHUNK = 10_000  # rows per streamed piece


def csv_response(frame: pd.DataFrame, filename: str) -> Response:
    """A CSV download (UTF-8, header row, attachment named ``filename``), streamed in
    pieces of ``CSV_CHUNK`` rows."""
    pieces = (frame.iloc[k : k + CSV_CHUNK] for k in range(0, len(frame), CSV_CHUNK))
    return csv_stream(pieces, list(frame.columns), filename)


@bp.route("/api/v1/quadrant")
def api_quadrant():
    """The quadrant's series as JSON, for the same query string as the page."""
    try:
        parsed, choice, data = request_view(quadrant_data)
    except NotFoundError as exc:
        return jsonify({"error": str(exc)}), 404
    q = data.quadrant
    body = {
        "board": choice.board.slug,
        "source": data.source,
        "from": data.first_day.isoformat(),
        "to": data.last_day.isoformat(),
        "time_zone": choice.board.tz,
        "window_weeks": data.window,
        "lines": choice.params.lines,
        "notices": parsed.notices + choice.notices,
        "throughput": _records(csv.throughput_csv(data)),
        "variation": _records(csv.variation_csv(data)),
        "backlog" if data.source == "jira" else "volume": _records(
            csv.backlog_csv(data) if data.source == "jira" else csv.volume_csv(data)
        ),
        "lead_time": {
            "overall": {str(k): _num(v) for k, v in q.lead_time_overall.items()},
            "weekly": [
                {
                    "week": d.date().isoformat(),
                    **{str(k): _num(q.lead_time[k].iat[i]) for k in (50, 80, 90)},
                }
                for i, d in enumerate(q.lead_time.index)
            ],
        },
        "headlines": _headlines_json(data),
        "empty": data.empty_message,
    }
    return Response(json.dumps(body, allow_nan=False), mimetype="application/json")


def _headlines_json(data) -> dict:
    """The quadrant's headlines and story, as in /download/headlines.csv."""
    frame = csv.headlines_csv(data)
    cards = frame[frame["headline"] != "story"]
    return {
        "weeks": data.headlines.weeks,
        "story": data.headlines.story,
        "cards": {
            row["headline"]: {k: _jsonable(row[k]) for k in cards.columns if k != "headline"}
            for row in cards.to_dict(orient="records")
        },
    }


def _jsonable(value):
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return value.isoformat() if hasattr(value, "isoformat") else value


def _num(value) -> float | None:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else float(value)


def _records(frame: pd.DataFrame) -> list[dict]:
    return json.loads(frame.to_json(orient="records"))


@bp.route("/health")
def health():
    """Liveness and store reachability."""
    try:
        with state.engine().connect() as conn:
            ping(conn)
        return jsonify({"status": "ok", "store": "ok"})
    except Exception as exc:  # noqa: BLE001
        log.warning("health: store unreachable: %s", type(exc).__name__)
        return jsonify({"status": "error", "store": "unreachable"}), 503
