"""Flask routes that belong to no view: health, the list of boards, unknown API paths."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify

from vger.store import boards, sync
from vger.store.db import ping
from vger.web import state
from vger.web.export import json_response

bp = Blueprint("vger", __name__)
log = logging.getLogger(__name__)


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


@bp.route("/api/v1/boards")
def api_boards():
    """Every team and its boards."""
    with state.engine().connect() as conn:
        teams: dict[str, dict] = {}
        for b in boards.list_boards(conn):
            team = teams.setdefault(
                b.team_slug,
                {
                    "slug": b.team_slug,
                    "name": b.team_name,
                    "time_zone": b.tz,
                    "fiscal_start_month": b.fiscal_start_month,
                    "boards": [],
                },
            )
            last = sync.last_success(conn, b.id)
            team["boards"].append(
                {
                    "slug": b.slug,
                    "name": b.name,
                    "time_zone": b.tz,
                    "work_types": boards.work_types(conn, b.id),
                    "repositories": list(boards.repos(conn, b.id)),
                    "last_successful_sync": last.isoformat() if last else None,
                }
            )
    return jsonify({"teams": list(teams.values())})


@bp.route("/api", defaults={"rest": ""}, methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
@bp.route("/api/<path:rest>", methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
def api_unknown(rest: str) -> Response:
    """Any other ``/api/...`` path: a JSON 404 naming the API's paths, never the HTML page."""
    from flask import current_app

    paths = sorted(
        {r.rule for r in current_app.url_map.iter_rules() if r.rule.startswith("/api/v1/")}
    )
    return json_response({"error": f"no API at /api/{rest}", "paths": paths}, 404)
