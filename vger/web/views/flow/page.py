"""``/flow``: cumulative flow diagram, the number of Jira issues in each work state at the
end of each day of the range (team time zone)."""

from __future__ import annotations

import logging
from urllib.parse import parse_qs

from dash import Dash, Input, get_relative_path, html

from vger.web.components import (
    chart_card,
    labelled,
    one_chart_failure,
    radio,
)
from vger.web.feedback import typed_messages
from vger.web.params import ViewParams, from_shared_controls, parse, shared_controls_query
from vger.web.ranges import register_range_sync
from vger.web.urlsync import register_url_sync
from vger.web.views.common import Start, page_layout, safe_render
from vger.web.views.flow.data import FlowData, flow_data
from vger.web.views.flow.figures import flow_figure, flow_note
from vger.web.views.outputs import one_chart_outputs, page_callback

log = logging.getLogger(__name__)
P = "flow"
PATH = "/flow"
GRAPH = f"{P}-chart-states"


@page_layout(PATH)
def layout(head: Start) -> html.Div:
    controls = head.control_row(
        P,
        labelled(
            "Bands",
            radio(
                f"{P}-bands",
                [
                    ("all states", "all"),
                    ("hide done", "nodone"),
                    ("done from zero at the start", "zero"),
                ],
                head.params.bands,
            ),
            md=12,
        ),
    )
    return head.frame(
        P,
        "cumulative flow",
        controls,
        head.one_filter_row(P, "types"),
        html.Div(id=f"{P}-status"),
        chart_card(P, "states", "flow"),
    )


def params_from_controls(board, source, start, end, types, repos, relative=None, bands=None):
    """The view the controls show, validated exactly like a URL."""
    shared = from_shared_controls(board, source, start, end, types, repos, relative)
    query = parse_qs(shared.to_query()) | ({"bands": [bands]} if bands else {})
    return parse(query).params


def update(board, source, start, end, types, repos, relative=None, bands=None) -> tuple:
    """Every output of the chart callback: :func:`render`'s, then the messages under the
    From and To fields."""
    params = params_from_controls(board, source, start, end, types, repos, relative, bands)
    query = shared_controls_query(board, source, start, end, types, repos, relative)
    return render(params) + typed_messages(query, ("from", "to"))


def render(params: ViewParams) -> tuple:
    """Figure, note, CSV link and status for ``params``; never raises."""
    return safe_render(
        params,
        flow_data,
        _outputs,
        lambda message: _failed(message, "danger"),
        cache_as="flow",
    )


_failed = one_chart_failure


def _outputs(data: FlowData) -> tuple:
    message = data.empty_message
    if message:
        return _failed(message, "info")
    link = get_relative_path("/download/flow.csv") + f"?{data.choice.params.to_query()}"
    last = data.flow.iloc[-1]
    status = html.Div(
        [
            html.Span(f"{int(last.sum())} issues at the end of {data.last_day} · "),
            html.Span(f"{data.first_day} to {data.last_day}", id=f"{P}-range"),
        ],
        className="text-muted small mb-2",
        id=f"{P}-summary",
    )
    return flow_figure(data), flow_note(data), link, status


def register(app: Dash) -> None:
    """Controls → URL and page links, controls → chart, board/source → navigation."""
    controls = [
        Input(f"{P}-board", "value"),
        Input(f"{P}-source", "value"),
        Input(f"{P}-from", "value"),
        Input(f"{P}-to", "value"),
        Input(f"{P}-types", "value"),
        Input(f"{P}-repos", "value"),
        Input(f"{P}-preset", "value"),
        Input(f"{P}-bands", "value"),
    ]

    register_url_sync(app, P, PATH, controls, params_from_controls)
    register_range_sync(app, P)

    @page_callback(app, PATH, *one_chart_outputs(P, GRAPH), *controls)
    def update_chart(*values):
        return update(*values)
