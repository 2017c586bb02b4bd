"""``/efficiency``: flow efficiency (time in working states / lead time) of the range's
completed Jira issues — its distribution, its weekly median and lead time by work state
split working vs waiting (docs/metrics.md, "Flow efficiency")."""

from __future__ import annotations

import logging
from functools import partial
from typing import NamedTuple

import dash_bootstrap_components as dbc
from dash import Dash, Output, get_relative_path, html

from vger.metrics.efficiency import median_efficiency
from vger.web.components import chart_card
from vger.web.feedback import slot_id
from vger.web.figures import empty_figure
from vger.web.params import ViewParams, from_shared_controls
from vger.web.ranges import register_range_sync
from vger.web.urlsync import register_url_sync
from vger.web.views.common import Start, page_layout, safe_render
from vger.web.views.efficiency.data import EfficiencyData, efficiency_data
from vger.web.views.efficiency.figures import (
    histogram_figure,
    notes,
    split_figure,
    weekly_figure,
)
from vger.web.views.outputs import (
    chart_places,
    failure,
    named_outputs,
    page_callback,
    shared_inputs,
    shared_update,
)

log = logging.getLogger(__name__)
P = "eff"
PATH = "/efficiency"
CHARTS = ("histogram", "weekly", "states")


@page_layout(PATH)
def layout(head: Start) -> html.Div:
    return head.frame(
        P,
        "flow efficiency",
        head.control_row(P),
        head.one_filter_row(P, "types"),
        html.Div(id=f"{P}-status"),
        dbc.Row(
            [
                dbc.Col(chart_card(P, "histogram", "efficiency"), lg=6),
                dbc.Col(chart_card(P, "weekly"), lg=6),
            ]
        ),
        chart_card(P, "states"),
    )


params_from_controls = from_shared_controls


def render(params: ViewParams) -> tuple:
    """Three figures, three notes, the CSV link and the status; never raises."""
    return safe_render(
        params, efficiency_data, _outputs, lambda m: _failed(m, "danger"), cache_as="efficiency"
    )


#: Every output of the chart callback: :func:`render`'s, then the messages under the
#: From and To fields (the shared controls' values in).
update = partial(shared_update, render)


class Shown(NamedTuple):
    """What the page shows for one view, by name (the callback's outputs, in order)."""

    histogram: object  # figures
    weekly: object
    states: object
    histogram_note: str
    weekly_note: str
    states_note: str
    histogram_csv: str
    status: object


WHERE = chart_places(P, CHARTS, ["histogram"], "status")


def _failed(message: str, colour: str) -> Shown:
    return failure(Shown, WHERE, message, colour)


def _outputs(data: EfficiencyData) -> Shown:
    message = data.empty_message
    if message:
        return _failed(message, "info")
    link = get_relative_path("/download/efficiency.csv") + f"?{data.choice.params.to_query()}"
    counted = data.counted
    median = median_efficiency(counted["efficiency"])
    flagged = int((counted["flagged"].to_numpy(dtype=float) > 0).sum())
    status = html.Div(
        [
            html.Span(
                f"{len(counted)} completed issues · median flow efficiency "
                f"{'—' if median is None else f'{median:.0%}'} · {flagged} flagged in Jira · "
            ),
            html.Span(f"{data.first_day} to {data.last_day}", id=f"{P}-range"),
        ],
        className="text-muted small mb-2",
        id=f"{P}-summary",
    )
    states = (
        split_figure(data.by_state, unit=data.unit)
        if not data.by_state.empty
        else empty_figure("No completed issue in a complete week of the range.")
    )
    histogram_note, weekly_note, states_note = notes(data)
    return Shown(
        histogram=histogram_figure(data.histogram, median, items=len(counted)),
        weekly=weekly_figure(data.weekly),
        states=states,
        histogram_note=histogram_note,
        weekly_note=weekly_note,
        states_note=states_note,
        histogram_csv=link,
        status=status,
    )


def register(app: Dash) -> None:
    """Controls → URL and page links, controls → charts."""
    controls = shared_inputs(P)
    register_url_sync(app, P, PATH, controls, params_from_controls)
    register_range_sync(app, P)
    outputs = [
        *named_outputs(Shown, WHERE),
        Output(slot_id(P, "from"), "children"),
        Output(slot_id(P, "to"), "children"),
    ]

    @page_callback(app, PATH, *outputs, *controls)
    def update_charts(*values):
        return update(*values)
