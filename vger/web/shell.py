"""The app's layout (navbar, freshness line, Dash's page container) with the page being
loaded already drawn in it, so a page load costs no callback round trip.

Dash's renderer asks for ``/_dash-layout`` first, then fills the page container through
its router callback once ``dcc.Location`` has read the URL (one round trip and a second
render); the navbar's links and freshness line came from another callback. The renderer
sends no URL with ``/_dash-layout``, but its ``Referer`` is the page's URL (same origin;
``Referrer-Policy: same-origin`` sends it whole). From it :func:`shell` draws the page
exactly as the router would (the same registered layout, the same query parsing) and
gives both ``dcc.Location`` components the path and query they will find, so neither
reports a change on mount and no callback runs on load.

Without a usable ``Referer`` (none, or only the origin, as Chromium sends for URLs over
4,096 characters: a bare ``/`` is never trusted) the layout is the empty container and
the router and navbar callbacks fill it as before.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlsplit

import dash
from dash import dcc, html
from dash.exceptions import UnsupportedRelativePath
from flask import Response, g, has_request_context, request

from vger.web import components, freshness
from vger.web.params import parse

log = logging.getLogger(__name__)
LAYOUT_PATH = "/_dash-layout"
# Dash's page container ids (dash.dash._ID_*): its router callback writes these
LOCATION, CONTENT, STORE, DUMMY = (
    "_pages_location",
    "_pages_content",
    "_pages_store",
    "_pages_dummy",
)


def init_app(app: dash.Dash) -> None:
    """Make :func:`shell` the app's layout; its answers vary with the ``Referer`` and are
    never stored by a cache."""
    app.layout = shell
    # the renderer asks for both only once its scripts have run: fetched meanwhile
    prefix = app.config.requests_pathname_prefix
    preloads = "".join(
        f'<link rel="preload" href="{prefix}{name}" as="fetch" crossorigin="anonymous">'
        for name in ("_dash-layout", "_dash-dependencies")
    )
    app.index_string = app.index_string.replace("{%css%}", preloads + "{%css%}", 1)

    # Dash checks the layout for duplicate ids once, in its first before-request hook;
    # the navbar's page links share their ids with the page's own (as they always did
    # once the navbar callback answered), so pages are drawn in only after that check.
    @app.server.before_request
    def _checked() -> None:
        g.vger_shell = True

    @app.server.after_request
    def _not_stored(response: Response) -> Response:
        if request.path.endswith(LAYOUT_PATH):
            response.headers["Cache-Control"] = "no-store"
            response.vary.add("Referer")
        return response


def shell() -> html.Div:
    """The app layout; for a ``/_dash-layout`` request from a page, with that page in it."""
    where = page_url()
    page = _registered_page(where[0]) if where else None
    if where is None or page is None:
        return _empty()
    pathname, search = where
    try:
        layout, title = page["layout"], page["title"]
        layout = layout(**_query(search)) if callable(layout) else layout
        title = title() if callable(title) else title
        links = components.page_links(_shared(search), pathname)
        fresh = freshness.freshness_line(search)
    except Exception:  # noqa: BLE001 - the callbacks draw the page then (and say what failed)
        log.exception("could not draw %s into the layout", pathname)
        return _empty()
    return _frame(
        dcc.Location(id="app-url", pathname=pathname, search=search),
        components.navbar(links),
        fresh,
        _container(pathname, search, layout, title),
    )


def _empty() -> html.Div:
    """The layout the callbacks fill: the URL's page and the navbar's links."""
    return _frame(dcc.Location(id="app-url"), components.navbar(), None, _container())


def page_url() -> tuple[str, str] | None:
    """(pathname, search) of the page whose renderer asks for the layout, as
    ``window.location`` has them; None outside a ``/_dash-layout`` request, without a
    ``Referer`` or for the root (which a long URL's ``Referer`` is cut down to)."""
    if not has_request_context() or not request.path.endswith(LAYOUT_PATH):
        return None
    if not g.get("vger_shell"):
        return None
    referrer = urlsplit(request.referrer or "")
    if referrer.path in ("", "/"):
        return None
    return referrer.path, f"?{referrer.query}" if referrer.query else ""


def _registered_page(pathname: str) -> dict | None:
    """The Dash page registered for ``pathname`` (as the router matches it), else None."""
    try:
        wanted = dash.strip_relative_path(pathname)
    except UnsupportedRelativePath:  # not under the app's path prefix
        return None
    return next((p for p in dash.page_registry.values() if p["path"].strip("/") == wanted), None)


def _query(search: str) -> dict:
    """The layout's keyword arguments, as Dash's router parses ``search``: one value a
    string, a repeated key a list."""
    parsed = parse_qs(search.lstrip("?"), keep_blank_values=True)
    return {k: v[0] if len(v) == 1 else v for k, v in parsed.items()}


def _shared(search: str) -> str:
    return parse(parse_qs(search.lstrip("?"), keep_blank_values=True)).params.shared_query()


def _frame(location, navbar, fresh, container) -> html.Div:
    return html.Div(
        [
            location,
            navbar,
            html.Main(
                [html.Div(fresh, id="freshness", className="container-fluid"), container],
                id="main",
            ),
        ]
    )


def _container(pathname=None, search=None, layout=None, title=None) -> html.Div:
    """``dash.page_container``, filled when the page is known: what the router callback
    would answer for ``pathname`` and ``search`` (its content and title)."""
    return html.Div(
        [
            dcc.Location(id=LOCATION, refresh="callback-nav", pathname=pathname, search=search),
            html.Div(layout, id=CONTENT, disable_n_clicks=True),
            dcc.Store(id=STORE, data=None if title is None else {"title": title}),
            html.Div(id=DUMMY, disable_n_clicks=True),
        ]
    )
