"""``/pr-stages``: the review stages of the pull requests merged in the range — waiting
for the first review, in review, approved to merge — each stage's 50/80/90 % stacked,
and the review rounds (docs/metrics.md, "Pull-request stages")."""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

from dash import Dash, Output, get_relative_path, html

from vger.web.components import chart_card
from vger.web.feedback import slot_id
from vger.web.params import ViewParams, from_shared_controls
from vger.web.ranges import register_range_sync
from vger.web.urlsync import register_url_sync
from vger.web.views.common import Start, page_layout, safe_render
from vger.web.views.outputs import (
    chart_places,
    failure,
    named_outputs,
    page_callback,
    shared_inputs,
    shared_update,
)
from vger.web.views.pr_stages.data import PrStagesData, pr_stages_data
from vger.web.views.pr_stages.figures import notes, rounds_figure, stages_figure

P = "prs"
PATH = "/pr-stages"
CHARTS = ("stages", "rounds")


@page_layout(PATH)
def layout(head: Start) -> html.Div:
    return head.frame(
        P,
        "pull-request stages",
        head.control_row(P),
        head.one_filter_row(P, "repos"),
        html.Div(id=f"{P}-status"),
        chart_card(P, "stages", "pr-stages"),
        chart_card(P, "rounds"),
    )


params_from_controls = from_shared_controls


def render(params: ViewParams) -> Shown:
    """Two figures, two notes, the CSV link and the status; never raises."""
    return safe_render(
        params, pr_stages_data, _outputs, lambda m: _failed(m, "danger"), cache_as="pr-stages"
    )


#: Every output of the chart callback: :func:`render`'s, then the messages under the
#: From and To fields (the shared controls' values in).
update = partial(shared_update, render)


class Shown(NamedTuple):
    """What the page shows for one view, by name (the callback's outputs, in order)."""

    stages: object  # figures
    rounds: object
    stages_note: str
    rounds_note: str
    stages_csv: str
    status: object


WHERE = chart_places(P, CHARTS, ["stages"], "status")


def _failed(message: str, colour: str) -> Shown:
    return failure(Shown, WHERE, message, colour)


def _outputs(data: PrStagesData) -> Shown:
    message = data.empty_message
    if message:
        return _failed(message, "info")
    link = get_relative_path("/download/pr-stages.csv") + f"?{data.choice.params.to_query()}"
    c = data.counts
    status = html.Div(
        [
            html.Span(
                f"{c['merged']} merged pull requests · {c['no_review']} without a review · "
                "draft time excluded · "
            ),
            html.Span(f"{data.first_day} to {data.last_day}", id=f"{P}-range"),
        ],
        className="text-muted small mb-2",
        id=f"{P}-summary",
    )
    stages_note, rounds_note = notes(data)
    return Shown(
        stages=stages_figure(data.levels, merged=c["merged"]),
        rounds=rounds_figure(data.rounds),
        stages_note=stages_note,
        rounds_note=rounds_note,
        stages_csv=link,
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
