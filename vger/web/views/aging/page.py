"""``/aging``: every Jira issue started and not done, in its current work state at its
age, over the bands of how long the range's completed issues took to leave each state;
a click opens the issue in Jira."""

from __future__ import annotations

from functools import partial

from dash import Dash, Input, Output, dcc, get_relative_path, html

from vger.web.components import chart_card, one_chart_failure
from vger.web.params import ViewParams, from_shared_controls
from vger.web.ranges import register_range_sync
from vger.web.urlsync import register_url_sync
from vger.web.views.aging.data import AgingData, aging_data
from vger.web.views.aging.figures import aging_figure, aging_note
from vger.web.views.common import Start, page_layout, safe_render
from vger.web.views.outputs import (
    one_chart_outputs,
    page_callback,
    shared_inputs,
    shared_update,
)
from vger.web.views.scatter.page import OPEN_CLICKED

P = "aging"
PATH = "/aging"
GRAPH = f"{P}-chart-items"


@page_layout(PATH)
def layout(head: Start) -> html.Div:
    return head.frame(
        P,
        "aging work in progress",
        head.control_row(P),
        head.filter_row(P),
        html.Div(id=f"{P}-status"),
        chart_card(P, "items", "aging"),
        html.P(
            "The range chooses the completed issues the bands come from; the points are "
            "the issues in progress now. Click a point to open the issue in a new tab.",
            className="text-muted small",
        ),
        stores=[dcc.Store(id=f"{P}-clicked")],
    )


params_from_controls = from_shared_controls


def render(params: ViewParams) -> tuple:
    """Figure, note, CSV link and status for ``params``; never raises."""
    return safe_render(
        params,
        aging_data,
        _outputs,
        lambda m: one_chart_failure(m, "danger"),
        cache_as="aging",
    )


#: Every output of the chart callback: :func:`render`'s, then the messages under the
#: From and To fields (the shared controls' values in).
update = partial(shared_update, render)


def _outputs(data: AgingData) -> tuple:
    message = data.empty_message
    if message:
        return one_chart_failure(message, "info")
    link = get_relative_path("/download/aging.csv") + f"?{data.choice.params.to_query()}"
    passed = int((data.items["passed"] > 0).sum())
    status = html.Div(
        [
            html.Span(f"{len(data.items)} in progress, {passed} past the 50 % band · "),
            html.Span(f"bands from {data.first_day} to {data.last_day}", id=f"{P}-range"),
        ],
        className="text-muted small mb-2",
        id=f"{P}-summary",
    )
    return aging_figure(data), aging_note(data), link, status


def register(app: Dash) -> None:
    """Controls → URL and page links, controls → chart, point click → new tab."""
    controls = shared_inputs(P)
    register_url_sync(app, P, PATH, controls, params_from_controls, types_hint=True)
    register_range_sync(app, P)

    @page_callback(app, PATH, *one_chart_outputs(P, GRAPH), *controls)
    def update_chart(*values):
        return update(*values)

    app.clientside_callback(
        OPEN_CLICKED,
        Output(f"{P}-clicked", "data"),
        Input(GRAPH, "clickData"),
        prevent_initial_call=True,
    )
