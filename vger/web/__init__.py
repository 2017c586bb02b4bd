"""The dashboard: a Dash 4 multi-page app on a Flask server, built by :func:`create_app`.

Production: ``gunicorn 'vger.web:create_app()'``.
"""

from __future__ import annotations

import logging
from importlib.resources import files

import dash
import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State
from flask import Response, jsonify, render_template, request
from redis.exceptions import RedisError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from vger.config import Settings
from vger.errors import ConfigError
from vger.store.db import make_engine
from vger.web import cache, components, freshness, guard, routes, security, shell, speed
from vger.web.jsonprovider import VgerJSONProvider
from vger.web.params import parse
from vger.web.safety import safe_layout
from vger.web.views import VIEWS

# Shipped inside the package (pyproject maps the repository's static/ and templates/ to
# vger.static and vger.templates), so a wheel install finds them as an editable one does.
STATIC = files("vger.static")
TEMPLATES = files("vger.templates")
log = logging.getLogger(__name__)


def create_app(
    settings: Settings | None = None, *, engine=None, single_process: bool = False
) -> Dash:
    """Build the dashboard for ``settings`` (default: from the environment).

    ``single_process``: only the development server (``vger serve``) runs this app, so a
    random secret key is enough; anywhere else (gunicorn workers, Lambda containers) a
    login needs ``VGER_SECRET_KEY`` shared by every process, and the app refuses to start
    without it."""
    settings = settings or Settings()
    check_secret_key(settings, single_process)
    engine = engine or make_engine(settings.database_url)
    app = Dash(
        __name__,
        use_pages=True,
        pages_folder="",
        assets_folder=str(STATIC),
        assets_path_ignore=["vendor"],  # plotly.js: loaded by external_scripts, fingerprinted
        external_stylesheets=[]
        if STATIC.joinpath("bootstrap.min.css").is_file()
        else [dbc.themes.BOOTSTRAP],
        title="Vger",
        suppress_callback_exceptions=True,
        update_title=None,
        on_error=_callback_failed,
    )
    # plotly.js from a fingerprinted URL, before the graphs ask for it (see vger.web.speed)
    app.config.external_scripts.append(speed.plotly_script(app.config.requests_pathname_prefix))
    speed.lean_scripts(app, [view.path for view in VIEWS if not view.charts])
    server = app.server
    speed.init_speed(server)
    server.template_folder = str(TEMPLATES)
    server.extensions["vger"] = {"engine": engine, "settings": settings}
    cache.init_cache(server, settings)
    secret = settings.secret_key.get_secret_value() if settings.secret_key else None
    server.secret_key = secret or _random_key()
    server.json = VgerJSONProvider(server)  # numpy, pandas, NaN → null: every /api/* body
    server.register_blueprint(routes.bp)
    for view in VIEWS:
        if view.blueprint is not None:
            server.register_blueprint(view.blueprint)
    from vger.web import admin  # the /admin blueprint, login and CSRF

    admin.init_app(server)
    from vger.web import hooks  # POST /hooks/jira, /hooks/github

    hooks.init_app(server, settings)
    _register_errors(server)
    guard.init_app(
        server, app.callback_map, slots=settings.busy_slots, wait=settings.busy_wait_seconds
    )
    for view in VIEWS:
        dash.register_page(
            view.page.__name__,
            path=view.path,
            title=view.title if view.path == "/" else freshness.page_title(view.title),
            name=view.title,
            layout=safe_layout(view.page.layout),
        )
        if hasattr(view.page, "register"):
            view.page.register(app)
    shell.init_app(app)  # the layout, with the page being loaded drawn in
    app.index_string = app.index_string.replace("<html>", '<html lang="en">', 1)
    _register_nav(app)
    app.clientside_callback(
        "(n, open) => n ? !open : open",
        Output("nav-collapse", "is_open"),
        Input("nav-toggler", "n_clicks"),
        State("nav-collapse", "is_open"),
        prevent_initial_call=True,  # closed until the toggler is clicked
    )
    security.init_app(app, settings)
    return app


def check_secret_key(settings: Settings, single_process: bool) -> None:
    """Refuse (ConfigError) a password login without ``VGER_SECRET_KEY`` when more than
    one process may serve it: each would sign sessions and CSRF tokens with its own
    random key, and every other login or form would fail."""
    password = settings.admin_password and settings.admin_password.get_secret_value()
    key = settings.secret_key and settings.secret_key.get_secret_value()
    if password and not key and not single_process:
        raise ConfigError(
            "VGER_ADMIN_PASSWORD is set but VGER_SECRET_KEY is not: every worker would sign "
            "logins with its own random key and reject the others' logins. Set "
            "VGER_SECRET_KEY to a long random value shared by every worker, e.g. the output "
            "of: python -c 'import secrets; print(secrets.token_hex(32))'"
        )


def _callback_failed(exc: Exception) -> None:
    """A callback that raised (a bug: pages catch what they expect) is logged and leaves
    the page as it was, instead of answering 500."""
    log.error("callback failed", exc_info=exc)


def _random_key() -> str:
    import secrets

    return secrets.token_hex(32)


def _register_nav(app: Dash) -> None:
    @app.callback(
        Output("nav-links", "children"),
        Output("freshness", "children"),
        Input("app-url", "pathname"),
        Input("app-url", "search"),
        prevent_initial_call=True,  # in the layout (vger.web.shell) unless the URL was unknown
    )
    def nav_links(pathname, search):
        params = parse(_qs(search)).params
        fresh = "" if (pathname or "/") in ("/", "") else freshness.freshness_line(search)
        return components.page_links(params.shared_query(), pathname or "/"), fresh


def _qs(search: str | None) -> dict[str, list[str]]:
    from urllib.parse import parse_qs

    return parse_qs((search or "").lstrip("?"), keep_blank_values=True)


STORE_DOWN = (
    "The store cannot be reached right now, so there is nothing to show. "
    "Try again in a minute; /health says whether the store answers."
)


REDIS_DOWN = (
    "The shared session and limit store (Redis, VGER_CACHE_URL) cannot be reached right now. "
    "Try again in a minute."
)


def _register_errors(server) -> None:
    @server.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.response is not None:  # an answer made for it (the login limit's page)
            return exc.response
        return render_template(
            "error.html", code=exc.code, title=exc.name, message=exc.description
        ), exc.code

    @server.errorhandler(OperationalError)
    @server.errorhandler(InterfaceError)
    @server.errorhandler(RedisError)
    def store_unreachable(exc: Exception):
        log.warning("store unreachable for %s: %s", request.path, type(exc).__name__)
        message = REDIS_DOWN if isinstance(exc, RedisError) else STORE_DOWN
        if request.path.startswith("/api/"):
            return jsonify({"error": message}), 503
        if request.path.startswith("/download/"):
            return Response(message + "\n", 503, mimetype="text/plain")
        return render_template(
            "error.html", code=503, title="The store cannot be reached", message=message
        ), 503

    @server.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error")
        return render_template(
            "error.html",
            code=500,
            title="Something went wrong",
            message="The error was logged. Try again, or go back to the boards.",
        ), 500
