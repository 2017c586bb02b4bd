"""``/admin``: teams, boards, work types, work states, ETL status and "sync now".

Server-rendered Flask forms (Jinja autoescapes every value). Every route needs a login
and every state-changing request a CSRF token (:mod:`vger.web.auth`). This package holds
one module per thing the admin manages: :mod:`~vger.web.admin.teams` (and the index),
:mod:`~vger.web.admin.boards`, :mod:`~vger.web.admin.workflow` (work types and work
states) and :mod:`~vger.web.admin.sync` (status and "sync now"); the Jira checks and
ETL runs they call are :mod:`~vger.web.admin.common`'s services.

The admin asks Jira to check a JQL, to find a board by name and for a board's columns,
and starts ETL runs: the one place the web reaches the ``etl`` package. That crossing is
declared in pyproject.toml (import-linter ``ignore_imports``, admin only), so every other
web module stays held to "the web never talks to Jira or GitHub". Tests or deployments
may replace the four services through ``server.extensions["vger"]["admin_services"]``.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request

from vger.web import auth

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _guard():
    if not auth.admin_enabled():
        if request.path.startswith("/admin/api/"):
            return jsonify({"error": "the admin is closed: see docs/admin.md"}), 403
        return render_template("admin/closed.html"), 403
    if auth.current_user() is None:
        return auth.refuse_anonymous()
    auth.check_csrf()
    return None


def init_app(server) -> None:
    """Register the admin blueprint (the login routes come from :mod:`vger.web.auth`)."""
    auth.init_app(server)
    server.register_blueprint(bp)


# The routes of each module register on ``bp`` when imported.
from vger.web.admin import boards, sync, teams, workflow  # noqa: E402, F401
from vger.web.admin.sync import start_sync, wait_for_syncs  # noqa: E402, F401 - public
