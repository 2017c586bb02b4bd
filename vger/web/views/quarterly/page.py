"""``/quarterly``: throughput and lead time per fiscal quarter, for Jira issues or
merged pull requests (``source=github``)."""

from __future__ import annotations

import logging
from typing import NamedTuple

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, get_relative_path, html

from vger.web.components import (
    chart_card,
    date_input,
    radio,
)
from vger.web.feedback import message_slot, slot_id, typed_messages
from vger.web.params import QUARTERS, RANGE_PRESETS, ViewParams, parse
from vger.web.ranges import picker_value, range_presets, register_range_sync
from vger.web.urlsync import register_url_sync
from vger.web.views.common import Start, page_layout, safe_render
from vger.web.views.outputs import chart_places, failure, named_outputs, page_callback
from vger.web.views.quarterly.data import QuarterlyData, quarterly_data
from vger.web.views.quarterly.figures import (
    quarterly_lead_time_figure,
    quarterly_notes,
    quarterly_throughput_figure,
)

log = logging.getLogger(__name__)
P = "qtr"
PATH = "/quarterly"
CHARTS = ("throughput", "leadtime")


@page_layout(PATH)
def layout(head: Start) -> html.Div:
    p = head.params
    today = head.today
    controls = dbc.Row(
        [
            *head.pickers(P),
            dbc.Col(
                [
                    dbc.Label("Up to (quarter containing)", html_for=f"{P}-to"),
                    # an explicit date only: empty (today, moving) under a relative range
                    date_input(f"{P}-to", picker_value(p, "to"), today.isoformat()),
                    message_slot(P, "to"),
                ],
                md=2,
            ),
            dbc.Col(
                [
                    dbc.Label("Quarters"),
                    radio(f"{P}-quarters", [(str(n), n) for n in QUARTERS], p.quarters),
                ],
                md=2,
            ),
            range_presets(P, p),
        ],
        className="g-2 mb-2",
    )
    filters = head.filter_row(P)
    return head.frame(
        P,
        "quarterly",
        controls,
        filters,
        html.Div(id=f"{P}-status"),
        dbc.Row(
            [
                dbc.Col(chart_card(P, "throughput", "quarterly-throughput"), lg=6),
                dbc.Col(chart_card(P, "leadtime", "quarterly-leadtime"), lg=6),
            ]
        ),
        stores=[dcc.Store(id=f"{P}-from", data=p.start.isoformat() if p.start else None)],
    )


def params_from_controls(
    board, source, end, quarters, types, repos, relative=None, start=None
) -> ViewParams:
    """The view the controls show, validated exactly like a URL (``from`` is kept as
    it came, for the other pages, unless it is after ``to``; a relative range wins)."""
    return parse(_query(board, source, end, quarters, types, repos, relative, start)).params


def _query(board, source, end, quarters, types, repos, relative=None, start=None) -> dict:
    relative = relative if relative in RANGE_PRESETS else None
    query = {
        "board": board,
        "source": source,
        "to": end,  # a relative range wins in parse (a typed "to" then selects "the dates")
        "types": types or [],
        "repos": repos or [],
        "quarters": str(quarters) if quarters else None,
        "range": relative,
    }
    if start and not relative and (not end or start <= end):
        query["from"] = start
    return query


def update(board, source, end, quarters, types, repos, relative=None, start=None) -> tuple:
    """Every output of the chart callback: :func:`render`'s, then the message under the
    "Up to" field."""
    query = _query(board, source, end, quarters, types, repos, relative, start)
    return render(parse(query).params) + typed_messages(query, ("to",))


def render(params: ViewParams) -> tuple:
    """Figures, notes, CSV links and status for ``params``; never raises."""
    return safe_render(
        params,
        quarterly_data,
        _outputs,
        lambda message: _failed(message, "danger"),
        cache_as="quarterly",
    )


class Shown(NamedTuple):
    """What the page shows for one view, by name (the callback's outputs, in order)."""

    throughput: object  # figures
    leadtime: object
    throughput_note: str
    leadtime_note: str
    throughput_csv: str
    leadtime_csv: str
    status: object


WHERE = chart_places(P, CHARTS, CHARTS, "status")


def _failed(message: str, colour: str) -> Shown:
    return failure(Shown, WHERE, message, colour)


def _outputs(data: QuarterlyData) -> Shown:
    message = data.empty_message
    if message:
        return _failed(message, "info")
    query = data.choice.params.to_query()
    throughput_csv, leadtime_csv = (
        get_relative_path(f"/download/{name}.csv") + f"?{query}"
        for name in ("quarterly-throughput", "quarterly-leadtime")
    )
    github = data.choice.params.source == "github"
    total = int(data.throughput["count"].sum())
    status = html.Div(
        [
            html.Span(
                f"{total} {'merged pull requests' if github else 'completed issues'} in "
                f"{len(data.grid)} quarters · "
            ),
            html.Span(data.span, id=f"{P}-range"),
        ],
        className="text-muted small mb-2",
        id=f"{P}-summary",
    )
    throughput_note, leadtime_note = quarterly_notes(data)
    return Shown(
        throughput=quarterly_throughput_figure(data),
        leadtime=quarterly_lead_time_figure(data),
        throughput_note=throughput_note,
        leadtime_note=leadtime_note,
        throughput_csv=throughput_csv,
        leadtime_csv=leadtime_csv,
        status=status,
    )


def register(app: Dash) -> None:
    """Controls → URL (no reload) and page links, controls → charts, board/source → navigation."""
    controls = [
        Input(f"{P}-board", "value"),
        Input(f"{P}-source", "value"),
        Input(f"{P}-to", "value"),
        Input(f"{P}-quarters", "value"),
        Input(f"{P}-types", "value"),
        Input(f"{P}-repos", "value"),
        Input(f"{P}-preset", "value"),
    ]

    register_url_sync(
        app, P, PATH, [*controls, State(f"{P}-from", "data")], params_from_controls, types_hint=True
    )
    register_range_sync(app, P, ("to",))

    outputs = [*named_outputs(Shown, WHERE), Output(slot_id(P, "to"), "children")]

    @page_callback(app, PATH, *outputs, *controls, State(f"{P}-from", "data"))
    def update_charts(*values):
        return update(*values)
