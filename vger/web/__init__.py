"""The dashboard: a Dash 4 multi-page app on a Flask server, built by :func:`create_app`.

Production: ``gunicorn 'vger.web:create_app()'``.
"""

from __future__ import annotations

import logging
from importlib.resources import files

import dash
import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, html
from flask import render_template
from werkzeug.exceptions import HTTPException

from vger.config import Settings
from vger.store.db import make_engine
from vger.web import api, cache, components, freshness, routes, routes_flow, routes_periods, speed
from vger.web.pages import flow, forecast, home, quadrant, quality, quarterly, scatter
from vger.web.params import parse
from vger.web.safety import safe_layout

# Shipped inside the package (pyproject maps the repository's static/ and templates/ to
# vger.static and vger.templates), so a wheel install finds them as an editable one does.
STATIC = files("vger.static")
TEMPLATES = files("vger.templates")
log = logging.getLogger(__name__)

PAGES = (
    (home, "/", "Teams and boards"),
    (quadrant, "/quadrant", "Four quadrants"),
    (quarterly, "/quarterly", "Quarterly"),
    (scatter, "/scatter", "Lead-time scatterplot"),
    (forecast, "/forecast", "Forecast"),
    (flow, "/flow", "Cumulative flow"),
    (quality, "/quality", "Data quality"),
)


def create_app(settings: Settings | None = None, *, engine=None) -> Dash:
    """Build the dashboard for ``settings`` (default: from the environment)."""
    settings = settings or Settings()
    engine = engine or make_engine(settings.database_url)
    app = Dash(
        __name__,
        use_pages=True,
        pages_folder="",
        assets_folder=str(STATIC),
        external_stylesheets=[]
        if STATIC.joinpath("bootstrap.min.css").is_file()
        else [dbc.themes.BOOTSTRAP],
        title="Vger",
        suppress_callback_exceptions=True,
        update_title=None,
    )
    # plotly.js from a fingerprinted URL, before the graphs ask for it (see vger.web.speed)
    app.config.external_scripts.append(speed.plotly_script(app.config.requests_pathname_prefix))
    server = app.server
    speed.init_speed(server)
    server.template_folder = str(TEMPLATES)
    server.extensions["vger"] = {"engine": engine, "settings": settings}
    cache.init_cache(server, settings)
    secret = settings.secret_key.get_secret_value() if settings.secret_key else None
    server.secret_key = secret or _random_key()
    server.register_blueprint(routes.bp)
    server.register_blueprint(routes_periods.bp)
    server.register_blueprint(routes_flow.bp)
    server.register_blueprint(api.bp)
    from vger.web import admin  # the /admin blueprint, login and CSRF

    admin.init_app(server)
    from vger.web import hooks  # POST /hooks/jira, /hooks/github

    hooks.init_app(server, settings)
    _register_errors(server)
    for module, path, title in PAGES:
        dash.register_page(
            module.__name__,
            path=path,
            title=title if path == "/" else freshness.page_title(title),
            name=title,
            layout=safe_layout(module.layout),
        )
        if hasattr(module, "register"):
            module.register(app)
    app.layout = html.Div(
        [
            dcc.Location(id="app-url"),
            components.navbar(),
            html.Main(
                [html.Div(id="freshness", className="container-fluid"), dash.page_container],
                id="main",
            ),
        ]
    )
    app.index_string = app.index_string.replace("<html>", '<html lang="en">', 1)
    _register_nav(app)
    app.clientside_callback(
        "(n, open) => n ? !open : open",
        Output("nav-collapse", "is_open"),
        Input("nav-toggler", "n_clicks"),
        State("nav-collapse", "is_open"),
    )
    return app


def _random_key() -> str:
    import secrets

    return secrets.token_hex(32)


def _register_nav(app: Dash) -> None:
    @app.callback(
        Output("nav-links", "children"),
        Output("freshness", "children"),
        Input("app-url", "pathname"),
        Input("app-url", "search"),
    )
    def nav_links(pathname, search):
        params = parse(_qs(search)).params
        fresh = "" if (pathname or "/") in ("/", "") else freshness.freshness_line(search)
        return components.page_links(params.shared_query(), pathname or "/"), fresh


def _qs(search: str | None) -> dict[str, list[str]]:
    from urllib.parse import parse_qs

    return parse_qs((search or "").lstrip("?"), keep_blank_values=True)


def _register_errors(server) -> None:
    @server.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return render_template(
            "error.html", code=exc.code, title=exc.name, message=exc.description
        ), exc.code

    @server.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error")
        return render_template(
            "error.html",
            code=500,
            title="Something went wrong",
            message="The error was logged. Try again, or go back to the boards.",
        ), 500
