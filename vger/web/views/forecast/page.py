"""``/forecast``: Monte Carlo forecasts from the weekly throughput of the last N complete
weeks: how many items by a date, and when K items will be done."""

from __future__ import annotations

import logging
from datetime import date
from typing import NamedTuple

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, get_relative_path, html

from vger.errors import NotFoundError
from vger.metrics.percentiles import LEVELS
from vger.web import state
from vger.web.components import (
    chart_card,
    date_input,
)
from vger.web.feedback import control_messages, message_slot, slot_id, typed_messages
from vger.web.params import RANGE_PRESETS, ViewParams, parse
from vger.web.ranges import range_presets
from vger.web.urlsync import register_url_sync
from vger.web.views.common import (
    Start,
    choose_board,
    local_today,
    page_layout,
    safe_render,
)
from vger.web.views.forecast.data import DEFAULT_AHEAD, ForecastData, forecast_data
from vger.web.views.forecast.figures import (
    answer_text,
    forecast_notes,
    how_many_figure,
    sample_figure,
    when_figure,
)
from vger.web.views.outputs import chart_places, failure, named_outputs, page_callback

log = logging.getLogger(__name__)
P = "fc"
PATH = "/forecast"
CHARTS = ("sample", "howmany", "when")
QUESTIONS = (("howmany", "How many by the date"), ("when", "When will the items be done"))
TYPED = ("sample", "by", "items")  # controls whose typed value can be refused


def _number_input(id_: str, value: int) -> dcc.Input:
    """A number field without min/max/step: the browser would turn a value outside them
    into an empty one, silently; the server says in words what it accepts."""
    return dcc.Input(
        id=id_, type="number", value=value, step="any", debounce=True, className="form-control"
    )


@page_layout(PATH)
def layout(head: Start) -> html.Div:
    p = head.params
    today = head.today
    controls = dbc.Row(
        [
            *head.pickers(P),
            dbc.Col(
                [
                    dbc.Label("Sample (complete weeks)", html_for=f"{P}-sample"),
                    _number_input(f"{P}-sample", p.sample),
                    message_slot(P, "sample"),
                ],
                md=2,
            ),
            dbc.Col(
                [
                    dbc.Label("How many by", html_for=f"{P}-by"),
                    date_input(f"{P}-by", (p.by or today + DEFAULT_AHEAD).isoformat()),
                    message_slot(P, "by"),
                ],
                md=2,
            ),
            dbc.Col(
                [
                    dbc.Label("When will … items be done", html_for=f"{P}-items"),
                    _number_input(f"{P}-items", p.items),
                    message_slot(P, "items"),
                ],
                md=2,
            ),
            range_presets(P, p),  # the range the other pages show, kept moving in the URL
        ],
        className="g-2 mb-2",
    )
    filters = head.filter_row(P)
    return head.frame(
        P,
        "forecast",
        controls,
        filters,
        html.Div(id=f"{P}-status"),
        html.Div(id=f"{P}-answers"),
        dbc.Row(
            [
                dbc.Col(chart_card(P, "howmany"), lg=6),
                dbc.Col(chart_card(P, "when"), lg=6),
            ]
        ),
        dbc.Row(dbc.Col(chart_card(P, "sample", "forecast"), lg=6)),
        stores=[  # the dates the other pages share: kept in the URL, not used here
            dcc.Store(
                id=f"{P}-range",
                data=[
                    p.start.isoformat() if p.start else None,
                    p.end.isoformat() if p.end else None,
                ],
            )
        ],
    )


def params_from_controls(
    board, source, sample, by, items, types, repos, relative=None, shared=None
) -> ViewParams:
    """The view the controls show, validated exactly like a URL (the shared dates are
    kept as they came, for the other pages)."""
    return parse(_query(board, source, sample, by, items, types, repos, relative, shared)).params


def control_feedback(sample, by, items, by_notices: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The messages under the sample, by and items fields: what the URL contract refuses,
    and ``by`` outside the forecast's days (``by_notices``, from the forecast)."""
    typed = typed_messages({"sample": _text(sample), "by": by, "items": _text(items)}, TYPED)
    by_words = " ".join(filter(None, (typed[1], *control_messages(by_notices, ("by",)))))
    return typed[0], by_words, typed[2]


def _query(board, source, sample, by, items, types, repos, relative=None, shared=None) -> dict:
    start, end = (shared or [None, None])[:2]
    query = {
        "range": relative if relative in RANGE_PRESETS else None,
        "board": board,
        "source": source,
        "from": start,
        "to": end,
        "sample": _text(sample),
        "by": by,
        "items": _text(items),
        "types": types or [],
        "repos": repos or [],
    }
    return query


def _text(value) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def render(params: ViewParams) -> tuple:
    """Figures, notes, CSV link, answers and status for ``params``; never raises."""
    return _render(params)[:-1]


def _render(params: ViewParams) -> tuple:
    """:func:`render`'s outputs and, last, the forecast's notices."""
    return safe_render(
        params,
        forecast_data,
        lambda data: (*_outputs(data), tuple(data.notices)),
        lambda message: (*_failed(message, "danger"), ()),
        cache_as="forecast",
    )


def update(board, source, sample, by, items, types, repos, relative=None, shared=None) -> tuple:
    """Every output of the page's chart callback: :func:`render`'s, then the messages
    under the sample, by and items fields."""
    params = params_from_controls(board, source, sample, by, items, types, repos, relative, shared)
    *outputs, notices = _render(params)
    return (*outputs, *control_feedback(sample, by, items, notices))


class Shown(NamedTuple):
    """What the page shows for one view, by name (the callback's outputs, in order)."""

    sample: object  # figures
    howmany: object
    when: object
    sample_note: str
    howmany_note: str
    when_note: str
    sample_csv: str
    answers: object
    status: object


WHERE = chart_places(P, CHARTS, ["sample"], "answers", "status")


def _failed(message: str, colour: str, extra: list | None = None) -> Shown:
    status = html.Div([*(extra or []), dbc.Alert(message, color=colour)])
    return failure(Shown, WHERE, message, colour, status)


def _answers(data: ForecastData) -> dbc.Card:
    texts = answer_text(data)
    head = html.Thead(
        html.Tr([html.Th("Likelihood"), *(html.Th(f"{level} %") for level in LEVELS)])
    )
    rows = [
        html.Tr(
            [
                html.Th(
                    f"How many by {data.by}"
                    if key == "howmany"
                    else f"When will {data.items} items be done"
                ),
                *(html.Td(texts[key][level], id=f"{P}-{key}-{level}") for level in LEVELS),
            ]
        )
        for key, _ in QUESTIONS
    ]
    return dbc.Card(
        dbc.CardBody(
            [
                dbc.Table([head, html.Tbody(rows)], bordered=False, size="sm", className="mb-1"),
                html.Small(
                    "10,000 trials from a fixed seed: same answer every time for the same data.",
                    className="text-muted",
                ),
            ]
        ),
        className="mb-3 shadow-sm",
        id=f"{P}-answer-table",
    )


def _outputs(data: ForecastData) -> Shown:
    warnings = [
        dbc.Alert(m, color="warning", className="py-2 mb-2", dismissable=True) for m in data.notices
    ]
    message = data.empty_message
    if message:
        return _failed(message, "info", warnings)
    link = get_relative_path("/download/forecast.csv") + f"?{data.choice.params.to_query()}"
    noun = "merged pull requests" if data.github else "completed issues"
    status = html.Div(
        [
            *warnings,
            html.Div(
                [
                    html.Span(
                        f"{int(data.weekly.sum())} {noun} in the sample of {len(data.grid)} weeks · "
                    ),
                    html.Span(data.sample_span, id=f"{P}-sample-span"),
                    html.Span(f" · forecasts start Monday {data.start}"),
                ],
                className="text-muted small mb-2",
                id=f"{P}-summary",
            ),
        ]
    )
    sample_note, how_note, when_note = forecast_notes(data)
    return Shown(
        sample=sample_figure(data),
        howmany=how_many_figure(data),
        when=when_figure(data),
        sample_note=sample_note,
        howmany_note=how_note,
        when_note=when_note,
        sample_csv=link,
        answers=_answers(data),
        status=status,
    )


def _default_by(params: ViewParams, by) -> str | None:
    """``by`` as the URL keeps it: left out while it is the default (6 weeks ahead)."""
    try:
        with state.engine().connect() as conn:
            choice = choose_board(conn, params)
    except NotFoundError:
        return by
    default = local_today(choice.board.tz, state.now()) + DEFAULT_AHEAD
    try:
        return None if by and date.fromisoformat(by) == default else by
    except (TypeError, ValueError):  # not a date: the parser below says so in words
        return by


def register(app: Dash) -> None:
    """Controls → URL (no reload) and page links, controls → charts, board/source → navigation."""
    controls = [
        Input(f"{P}-board", "value"),
        Input(f"{P}-source", "value"),
        Input(f"{P}-sample", "value"),
        Input(f"{P}-by", "value"),
        Input(f"{P}-items", "value"),
        Input(f"{P}-types", "value"),
        Input(f"{P}-repos", "value"),
        Input(f"{P}-preset", "value"),
    ]

    def current(board, source, sample, by, items, types, repos, relative, shared) -> ViewParams:
        base = params_from_controls(
            board, source, sample, None, items, types, repos, relative, shared
        )
        return params_from_controls(
            board, source, sample, _default_by(base, by), items, types, repos, relative, shared
        )

    register_url_sync(
        app, P, PATH, [*controls, State(f"{P}-range", "data")], current, types_hint=True
    )

    outputs = [
        *named_outputs(Shown, WHERE),
        *(Output(slot_id(P, name), "children") for name in TYPED),
    ]

    @page_callback(app, PATH, *outputs, *controls, State(f"{P}-range", "data"))
    def update_charts(board, source, sample, by, items, types, repos, relative, shared):
        return update(board, source, sample, by, items, types, repos, relative, shared)
