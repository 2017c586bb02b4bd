"""``/distributions``: the lead-time histogram with its 50/80/90 % marks and the
weekly-throughput histogram with the likelihood marks (the spread behind the quadrant's
lines), for Jira issues or pull requests."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, get_relative_path, html

from vger.web.components import chart_card
from vger.web.feedback import slot_id, typed_messages
from vger.web.figures import empty_figure
from vger.web.params import ViewParams, from_shared_controls, shared_controls_query
from vger.web.ranges import range_fields, register_range_sync
from vger.web.urlsync import register_url_sync
from vger.web.views.common import Start, page_layout, safe_render
from vger.web.views.distributions.data import DistributionsData, distributions_data
from vger.web.views.distributions.figures import (
    distributions_notes,
    lead_time_histogram_figure,
    throughput_histogram_figure,
)

P = "distributions"
PATH = "/distributions"
CHARTS = (("leadtime", "leadtime-histogram"), ("throughput", "throughput-histogram"))


@page_layout(PATH)
def layout(head: Start) -> html.Div:
    p = head.params
    start, end = p.dates(head.today)
    controls = dbc.Row(
        [
            *head.pickers(P),
            *range_fields(P, p, start, end),
        ],
        className="g-2 mb-2",
    )
    filters = head.filter_row(P)
    return head.frame(
        P,
        PATH,
        "distributions",
        controls,
        filters,
        html.Div(id=f"{P}-status"),
        dbc.Row([dbc.Col(chart_card(P, name, csv), lg=6) for name, csv in CHARTS]),
    )


params_from_controls = from_shared_controls


def update(board, source, start, end, types, repos, relative=None) -> tuple:
    """Every output of the chart callback: :func:`render`'s, then the messages under the
    From and To fields."""
    query = shared_controls_query(board, source, start, end, types, repos, relative)
    return render(params_from_controls(board, source, start, end, types, repos, relative)) + (
        typed_messages(query, ("from", "to"))
    )


def render(params: ViewParams) -> tuple:
    """Both figures, notes and CSV links, then the status; never raises."""
    return safe_render(params, distributions_data, _outputs, lambda m: _failed(m, "danger"))


def _failed(message: str, colour: str) -> tuple:
    figure = empty_figure(message)
    return (figure, "", "#", figure, "", "#", dbc.Alert(message, color=colour))


def _outputs(data: DistributionsData) -> tuple:
    message = data.empty_message
    if message:
        return _failed(message, "info")
    query = data.choice.params.to_query()
    links = [get_relative_path(f"/download/{csv}.csv") + f"?{query}" for _, csv in CHARTS]
    lead_note, weekly_note = distributions_notes(data)
    status = html.Div(
        [
            html.Span(f"{data.lead_items} items, {data.weeks} complete weeks · "),
            html.Span(f"{data.first_day} to {data.last_day}", id=f"{P}-range"),
        ],
        className="text-muted small mb-2",
        id=f"{P}-summary",
    )
    return (
        lead_time_histogram_figure(data),
        lead_note,
        links[0],
        throughput_histogram_figure(data),
        weekly_note,
        links[1],
        status,
    )


def register(app: Dash) -> None:
    """Controls → URL and page links, controls → both charts."""
    controls = [
        Input(f"{P}-board", "value"),
        Input(f"{P}-source", "value"),
        Input(f"{P}-from", "value"),
        Input(f"{P}-to", "value"),
        Input(f"{P}-types", "value"),
        Input(f"{P}-repos", "value"),
        Input(f"{P}-preset", "value"),
    ]
    register_url_sync(app, P, PATH, controls, params_from_controls, types_hint=True)
    register_range_sync(app, P)
    outputs = [
        Output(f"{P}-chart-{name}{part}", prop)
        for name, _ in CHARTS
        for part, prop in (("", "figure"), ("-note", "children"), ("-csv", "href"))
    ]

    @app.callback(
        *outputs,
        Output(f"{P}-status", "children"),
        Output(slot_id(P, "from"), "children"),
        Output(slot_id(P, "to"), "children"),
        *controls,
    )
    def update_charts(*values):
        return update(*values)
