"""The one mechanism every data page uses to keep its view in the URL.

- Controls → URL: a page-local ``dcc.Location(refresh=False)`` (``<prefix>-url``) gets
  the query of the view (``history.pushState``; the page is not rebuilt), and the page
  and navbar links get the shared parameters.
- Board (and source) → navigation: ``<prefix>-nav`` (``refresh="callback-nav"``) loads
  the page again for the new board, keeping every other parameter; work types and
  repositories are kept only on the same board. One history entry per change, so
  Back/Forward restore the previous view.

On load neither fires: their outputs are all inside the page, so Dash honours
``prevent_initial_call`` and a page load costs the layout only (:mod:`vger.web.shell`).
The navbar (outside the page) follows the page links in the browser, without a request.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from urllib.parse import parse_qs

from dash import Dash, Input, Output, State, ctx, get_relative_path, no_update

from vger.web.components import page_links
from vger.web.params import ViewParams, parse


def register_url_sync(
    app: Dash,
    prefix: str,
    path: str,
    controls: Sequence[Input | State],
    to_params: Callable[..., ViewParams],
    navigators: Sequence[str] = ("board", "source"),
    types_hint: bool = False,
) -> None:
    """Register both callbacks for a page. ``controls`` are passed, in order, to
    ``to_params``; the controls named in ``navigators`` (``<prefix>-board`` ...)
    navigate instead of writing the URL."""
    nav_ids = [f"{prefix}-{name}" for name in navigators]
    if types_hint:  # the item filter's "None ticked: all types" (in the browser, no round trip)
        app.clientside_callback(
            """(types, repos, source) => {
                const ticked = source === 'github' ? repos : types;
                if (ticked && ticked.length) { return ''; }
                return source === 'github' ? 'None ticked: all repositories.'
                    : 'None ticked: all types.';
            }""",
            Output(f"{prefix}-types-hint", "children"),
            Input(f"{prefix}-types", "value"),
            Input(f"{prefix}-repos", "value"),
            Input(f"{prefix}-source", "value"),
            prevent_initial_call=True,  # the layout draws it: a call on load re-renders for nothing
        )

    @app.callback(
        Output(f"{prefix}-url", "search"),
        Output(f"{prefix}-pages", "children"),
        *controls,
        prevent_initial_call=True,
    )
    def controls_to_url(*values):
        if ctx.triggered_id in nav_ids:
            return no_update, no_update  # navigate() reloads the page
        params = to_params(*values)
        return "?" + params.to_query(), page_links(params.shared_query(), path)

    # An output outside the page (the navbar) would make Dash call a callback on load
    # despite prevent_initial_call; copying the page links in the browser costs nothing.
    # The holder starts empty (the navbar is drawn with its links); Dash calls this when
    # the router draws the page in, and then it leaves the navbar alone.
    app.clientside_callback(
        "function (links) {"
        " return links && links.length ? links : window.dash_clientside.no_update; }",
        Output("nav-links", "children", allow_duplicate=True),
        Input(f"{prefix}-pages", "children"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output(f"{prefix}-nav", "href"),
        *[Input(i, "value") for i in nav_ids],
        State(f"{prefix}-url", "search"),
        prevent_initial_call=True,
    )
    def navigate(*values):
        *chosen, search = values
        current = parse(parse_qs((search or "").lstrip("?"), keep_blank_values=True)).params
        wanted = dict(zip(navigators, chosen, strict=True))
        if all(getattr(current, name) == value for name, value in wanted.items()):
            return no_update
        same_board = current.board == wanted["board"]
        following = replace(
            current,
            **wanted,
            types=current.types if same_board else (),
            repos=current.repos if same_board else (),
        )
        return get_relative_path(path) + "?" + following.to_query()
