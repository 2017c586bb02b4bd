"""``/scatter``: one point per completed issue (or merged pull request) with its lead
time; a click opens the issue in Jira or the pull request on GitHub."""

from __future__ import annotations

import logging
from functools import partial

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, get_relative_path, html, no_update

from vger.web.components import (
    graph_config,
    one_chart_failure,
)
from vger.web.params import ViewParams, from_shared_controls
from vger.web.ranges import register_range_sync
from vger.web.urlsync import register_url_sync
from vger.web.views.common import Start, page_layout, safe_render
from vger.web.views.outputs import one_chart_outputs, page_callback, shared_inputs, shared_update
from vger.web.views.scatter.data import ScatterData, scatter_data
from vger.web.views.scatter.figures import scatter_figure, scatter_note, scatter_point_url

log = logging.getLogger(__name__)
P = "scatter"
PATH = "/scatter"
GRAPH = f"{P}-chart-points"

# A click on a point opens customdata[0] (an http(s) URL or "") in a new tab. A point of
# a WebGL scatterplot carries no URL: its trace and index go to {P}-pick, for the server.
OPEN_CLICKED = """
function (clickData) {
    const point = clickData && clickData.points && clickData.points[0];
    if (!point) {
        return window.dash_clientside.no_update;
    }
    const custom = point.customdata;
    if (custom === undefined) {
        const index = point.pointIndex !== undefined ? point.pointIndex : point.pointNumber;
        return {curve: point.curveNumber, index: index};
    }
    const url = Array.isArray(custom) ? custom[0] : custom;
    if (typeof url === "string" && /^https?:\\/\\//.test(url)) {
        window.open(url, "_blank", "noopener");
    }
    return window.dash_clientside.no_update;
}
"""

# The URL the server found for a WebGL point ({P}-open) opens in a new tab.
OPEN_RESOLVED = """
function (url) {
    if (typeof url === "string" && /^https?:\\/\\//.test(url)) {
        window.open(url, "_blank", "noopener");
    }
    return window.dash_clientside.no_update;
}
"""


@page_layout(PATH)
def layout(head: Start) -> html.Div:
    controls = head.control_row(P)
    filters = head.filter_row(P)
    card = dbc.Card(
        [
            dcc.Loading(
                dcc.Graph(
                    id=GRAPH,
                    config=graph_config(zoom=True, scrollZoom=True),
                    # the figure's height: the first draw (with the figure) fits it to the box
                    style={"height": "520px"},
                ),
                type="circle",
            ),
            dbc.CardFooter(
                [
                    html.Small(id=f"{GRAPH}-note", className="text-muted"),
                    html.A(
                        "CSV",
                        id=f"{GRAPH}-csv",
                        href="#",
                        className="float-end small",
                        target="_blank",
                        rel="noopener",
                    ),
                ]
            ),
        ],
        className="mb-3 shadow-sm",
    )
    return head.frame(
        P,
        "lead-time scatterplot",
        controls,
        filters,
        html.Div(id=f"{P}-status"),
        card,
        html.P(
            "Drag to zoom, double-click to reset, shift-drag or the toolbar to pan; "
            "click a point to open it in a new tab.",
            className="text-muted small",
        ),
        stores=[
            dcc.Store(id=f"{P}-clicked"),
            dcc.Store(id=f"{P}-pick"),
            dcc.Store(id=f"{P}-open"),
        ],
    )


params_from_controls = from_shared_controls


def render(params: ViewParams) -> tuple:
    """Figure, note, CSV link and status for ``params``; never raises."""
    return safe_render(
        params,
        scatter_data,
        _outputs,
        lambda message: _failed(message, "danger"),
        cache_as="scatter",
    )


#: Every output of the chart callback: :func:`render`'s, then the messages under the
#: From and To fields (the shared controls' values in).
update = partial(shared_update, render)


_failed = one_chart_failure


def _outputs(data: ScatterData) -> tuple:
    message = data.empty_message
    if message:
        return _failed(message, "info")
    link = get_relative_path("/download/scatter.csv") + f"?{data.choice.params.to_query()}"
    status = html.Div(
        [
            html.Span(f"{len(data.points)} points · "),
            html.Span(f"{data.first_day} to {data.last_day}", id=f"{P}-range"),
        ],
        className="text-muted small mb-2",
        id=f"{P}-summary",
    )
    return scatter_figure(data), scatter_note(data), link, status


def clicked_url(params: ViewParams, pick: dict | None):
    """The URL of the picked point (``{"curve": trace, "index": point}``) of a WebGL
    scatterplot; no_update when it is not a point of an item."""
    try:
        curve, index = int(pick["curve"]), int(pick["index"])
    except (TypeError, KeyError, ValueError):
        return no_update
    url = safe_render(
        params, scatter_data, lambda data: scatter_point_url(data, curve, index), lambda _: ""
    )
    return url or no_update


def register(app: Dash) -> None:
    """Controls → URL and page links, controls → chart, board/source → navigation,
    point click → new tab (in the browser)."""
    controls = shared_inputs(P)

    register_url_sync(app, P, PATH, controls, params_from_controls, types_hint=True)
    register_range_sync(app, P)

    @page_callback(app, PATH, *one_chart_outputs(P, GRAPH), *controls)
    def update_chart(*values):
        return update(*values)

    @app.callback(
        Output(f"{P}-open", "data"),
        Input(f"{P}-pick", "data"),
        *[State(c.component_id, c.component_property) for c in controls],
        prevent_initial_call=True,
    )
    def resolve_click(pick, *values):
        return clicked_url(params_from_controls(*values), pick)

    app.clientside_callback(
        OPEN_RESOLVED,
        Output(f"{P}-clicked", "data", allow_duplicate=True),
        Input(f"{P}-open", "data"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        OPEN_CLICKED,
        Output(f"{P}-pick", "data"),
        Input(GRAPH, "clickData"),
        prevent_initial_call=True,
    )
