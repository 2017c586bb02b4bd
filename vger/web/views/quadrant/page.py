"""``/quadrant``: the four quadrants for Jira issues, or for pull requests (``source=github``)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import timedelta

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import Dash, Input, Output, dcc, get_relative_path, html

from vger.web.components import (
    chart_card,
    checklist,
    item_filters,
    labelled,
    radio,
)
from vger.web.feedback import message_slot, slot_id, typed_messages, typed_text
from vger.web.figures import empty_figure, review_start_words
from vger.web.params import RANGE_PRESETS, ViewParams, parse
from vger.web.ranges import range_fields, range_presets, register_range_sync
from vger.web.urlsync import register_url_sync
from vger.web.views.common import Start, page_layout, safe_render
from vger.web.views.outputs import page_callback
from vger.web.views.quadrant.data import QuadrantData, quadrant_data
from vger.web.views.quadrant.figures import (
    add_tags,
    backlog_figure,
    lead_time_figure,
    lead_time_states_figure,
    throughput_figure,
    variation_figure,
    volume_figure,
)

log = logging.getLogger(__name__)
P = "quad"
PATH = "/quadrant"
CHARTS = ("throughput", "variation", "backlog", "leadtime")
TYPED = ("from", "to", "window")  # controls whose typed value can be refused
CONTROL_IDS = (
    "from", "to", "types", "repos", "window", "lines", "leadtime", "backlog", "tags", "preset",
)  # fmt: skip


@page_layout(PATH)
def layout(head: Start) -> html.Div:
    choice, p = head.choice, head.params
    start, end = p.dates(head.today)
    github = p.source == "github"
    controls = dbc.Row(
        [
            *head.pickers(P),
            *range_fields(P, p, start, end)[:2],  # From and To; the presets go below
            dbc.Col(
                [
                    dbc.Label("Rolling weeks", html_for=f"{P}-window"),
                    dcc.Input(
                        id=f"{P}-window",
                        type="number",
                        step="any",  # no min/max: the server says what it accepts
                        value=p.window or choice.board.rolling_weeks,
                        debounce=True,
                        className="form-control",
                    ),
                    message_slot(P, "window"),
                ],
                md=2,
            ),
        ],
        className="g-2 mb-2",
    )
    presets = dbc.Row(range_presets(P, p), className="g-2 mb-2")
    toggles = dbc.Row(
        [
            dbc.Col(
                [
                    *item_filters(P, choice.work_types, choice.repos, p.types, p.repos, github),
                ],
                md=4,
            ),
            labelled(
                "Likelihood lines",
                radio(f"{P}-lines", [("rolling", "rolling"), ("straight", "straight")], p.lines),
            ),
            labelled(
                "Lead time",
                radio(
                    f"{P}-leadtime",
                    [("overall", "overall"), ("by work state", "states")],
                    p.leadtime,
                    disabled=("states",) if github else (),
                ),
            ),
            labelled(
                "Backlog",
                radio(
                    f"{P}-backlog", [("absolute", "absolute"), ("relative", "relative")], p.backlog
                ),
            ),
            labelled(
                "Git tags",
                checklist(f"{P}-tags", [{"label": " show", "value": "1"}], ["1"] if p.tags else []),
            ),
        ],
        className="g-2 mb-3",
    )
    grid = dbc.Row(
        [
            dbc.Col(
                [
                    chart_card(P, "throughput", "throughput", headline=True),
                    chart_card(P, "variation", "variation", headline=True),
                ],
                lg=6,
            ),
            dbc.Col(
                [
                    chart_card(P, "backlog", "backlog", headline=True),
                    chart_card(P, "leadtime", "leadtime", headline=True),
                ],
                lg=6,
            ),
        ]
    )
    return head.frame(
        P,
        None,
        html.Div([controls, presets, toggles], className="page-controls"),
        html.Div(id=f"{P}-status"),
        html.P(id=f"{P}-story", className="lead story mb-3"),
        grid,
    )


def params_from_controls(
    board, source, start, end, types, repos, window, lines, leadtime, backlog, tags, relative=None
) -> ViewParams:
    """The view the controls show, validated exactly like a URL."""
    return parse(
        _query(
            board,
            source,
            start,
            end,
            types,
            repos,
            window,
            lines,
            leadtime,
            backlog,
            tags,
            relative,
        )
    ).params


def _query(
    board, source, start, end, types, repos, window, lines, leadtime, backlog, tags, relative=None
) -> dict:
    return {
        "board": board,
        "source": source,
        "from": start,
        "to": end,
        "types": types or [],
        "repos": repos or [],
        "window": typed_text(window),
        "lines": lines,
        "leadtime": leadtime,
        "backlog": backlog,
        "tags": "1" if tags else None,
        "range": relative if relative in RANGE_PRESETS else None,
    }


# Each output of the chart callback by name: per chart (field, id suffix, property), then
# the single ones (field, id). The callback's Outputs and Shown.values() both follow it.
PER_CHART = (
    ("figures", "", "figure"),
    ("notes", "-note", "children"),
    ("csv", "-csv", "href"),
    ("headlines", "-headline", "children"),
)
SINGLE = (("story", f"{P}-story"), ("status", f"{P}-status"))


@dataclass
class Shown:
    """What the quadrant shows for one view: per chart (keyed by ``CHARTS``) its figure,
    note, CSV link and headline, then the story and the status line."""

    figures: dict[str, go.Figure]
    status: object
    notes: dict[str, str] = field(default_factory=lambda: dict.fromkeys(CHARTS, ""))
    csv: dict[str, str] = field(default_factory=lambda: dict.fromkeys(CHARTS, "#"))
    headlines: dict[str, str] = field(default_factory=lambda: dict.fromkeys(CHARTS, ""))
    story: str = ""

    def values(self) -> tuple:
        """The callback's outputs, in :func:`chart_outputs`' order."""
        per_chart = tuple(getattr(self, name)[c] for name, _, _ in PER_CHART for c in CHARTS)
        return per_chart + tuple(getattr(self, name) for name, _ in SINGLE)


def chart_outputs() -> list[Output]:
    """The Outputs of :class:`Shown`'s fields, in :meth:`Shown.values`' order."""
    per_chart = [Output(f"{P}-chart-{c}{end}", prop) for _, end, prop in PER_CHART for c in CHARTS]
    return per_chart + [Output(id_, "children") for _, id_ in SINGLE]


def update(*values) -> tuple:
    """Every output of the chart callback (values in ``register``'s order): :func:`render`'s,
    then the messages under the From, To and Rolling weeks fields."""
    return render(params_from_controls(*values)) + typed_messages(_query(*values), TYPED)


def render(params: ViewParams) -> tuple:
    """Every output of the page for ``params``: figures, notes, CSV links, status."""
    return safe_render(
        params, quadrant_data, lambda data: _shown(data).values(), _failed, cache_as="quadrant"
    )


def _failed(message: str) -> tuple:
    blank = empty_figure(message)
    return Shown(dict.fromkeys(CHARTS, blank), dbc.Alert(message, color="danger")).values()


def _shown(data: QuadrantData) -> Shown:
    board, p = data.choice.board, data.choice.params
    github = p.source == "github"
    noun = "PRs" if github else "Issues"
    unit = "working days" if board.working_days and not github else "days"
    weeks = data.quadrant.complete_weeks
    method = "linear percentiles"
    zone = f"team time zone {board.tz}"
    lines = (
        f"rolling {data.window}-week window" if p.lines == "rolling" else "straight over the range"
    )
    query = p.to_query()
    csv = {
        name: get_relative_path(f"/download/{name}.csv") + f"?{query}"
        for name in ("throughput", "variation", "backlog", "volume", "leadtime")
    }
    message = data.empty_message
    if message:  # said once, with where the data is; the charts stay blank
        blank = empty_figure("")
        alert = dbc.Alert([message, *_where_data_is(data)], color="info", id=f"{P}-empty")
        return Shown(dict.fromkeys(CHARTS, blank), alert)
    q = data.quadrant
    title = "PR throughput" if github else "Throughput"
    fig_tp = throughput_figure(q.throughput, title=title, noun=noun, lines=p.lines)
    fig_var = variation_figure(q.variation, title=f"{title} variation")
    if github:
        fig_bl = volume_figure(data.volume, title="PR volume")
    else:
        fig_bl = backlog_figure(q.backlog, title=f"Backlog growth ({p.backlog})")
    if p.leadtime == "states" and not github:
        fig_lt = lead_time_states_figure(
            data.by_state, q.lead_time_overall, title="Lead time by work state", unit=unit
        )
    else:
        fig_lt = lead_time_figure(
            q.lead_time, title="PR lead time" if github else "Lead time", unit=unit, lines=p.lines
        )
    if p.tags:
        by_state = p.leadtime == "states" and not github  # its x axis is work states, not weeks
        for fig in (fig_tp, fig_var, fig_bl) if by_state else (fig_tp, fig_var, fig_bl, fig_lt):
            add_tags(fig, data.tags, board.tz)
    in_progress = " · week in progress drawn pale, not counted" if not q.grid.complete.all() else ""
    notes = dict(
        zip(
            CHARTS,
            (
                f"{weeks} complete weeks · {lines} · {method} · {zone}{in_progress}",
                f"population std / mean over a {data.window}-week window · gaps where the mean is 0 · {zone}",
                (
                    "lines added + deleted of PRs merged / closed unmerged each week · "
                    if github
                    else f"cumulative at the end of each week, {p.backlog} · "
                )
                + zone,
                f"{'merged − created' if github else 'done − ' + review_start_words(board)} in {unit} · {lines if p.leadtime == 'overall' or github else 'issues completed in the range'} · {method} · {zone}",
            ),
            strict=True,
        )
    )
    links = {c: csv[c] for c in CHARTS} | ({"backlog": csv["volume"]} if github else {})
    done = int(data.completed.shape[0])
    status = html.Div(
        [
            html.Span(
                f"{done} {'merged pull requests' if github else 'completed issues'} in {weeks} complete weeks · "
            ),
            html.Span(f"{data.first_day} to {data.last_day}", id=f"{P}-range"),
        ],
        className="text-muted small mb-2",
        id=f"{P}-summary",
    )
    figures = dict(zip(CHARTS, (fig_tp, fig_var, fig_bl, fig_lt), strict=True))
    return Shown(figures, status, notes, links, _headlines(data), data.headlines.story)


def _where_data_is(data: QuadrantData) -> list:
    """ " The last completion on this board was on D: show the 90 days up to it." (a link)."""
    last = data.last_completion
    if last is None:
        return []
    p = data.choice.params
    start = last - timedelta(days=89)
    query = replace(p, start=start, end=last, relative=None).to_query()
    return [
        f" The last completion on board {data.choice.board.name} was on {last}: ",
        dcc.Link(
            f"show {start} to {last}",
            href=get_relative_path("/quadrant") + f"?{query}",
            id=f"{P}-data-link",
        ),
        ".",
    ]


def _headlines(data: QuadrantData) -> dict[str, str]:
    """The four card headlines, by chart (none on the PR volume card)."""
    texts = {c: card.text for c, card in data.headlines.cards.items() if c in CHARTS}
    return texts | ({"backlog": ""} if data.source == "github" else {})


def register(app: Dash) -> None:
    """Callbacks of the page: controls → URL (no reload), controls → charts, board/source → navigation."""
    controls = [Input(f"{P}-board", "value"), Input(f"{P}-source", "value")] + [
        Input(f"{P}-{c}", "value") for c in CONTROL_IDS
    ]

    register_url_sync(app, P, PATH, controls, params_from_controls, types_hint=True)
    register_range_sync(app, P)

    outputs = chart_outputs() + [Output(slot_id(P, name), "children") for name in TYPED]

    @page_callback(app, PATH, *outputs, *controls)
    def update_charts(*values):
        return update(*values)
