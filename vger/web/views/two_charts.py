"""A page of two charts side by side over the shared controls (board, source, range,
work types, repositories): its layout, its one chart callback and its outputs. The
distributions and WIP pages are each one :class:`TwoChartPage`; their data and figures
stay in their own folders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Output, get_relative_path, html

from vger.web.components import chart_card
from vger.web.feedback import slot_id
from vger.web.figures import empty_figure
from vger.web.params import ViewParams, from_shared_controls
from vger.web.ranges import register_range_sync
from vger.web.urlsync import register_url_sync
from vger.web.views.common import Start, page_layout, safe_render
from vger.web.views.outputs import page_callback, shared_inputs, shared_update


@dataclass(frozen=True)
class TwoChartPage:
    """``charts``: (chart name, CSV name) of the left and the right chart; ``data``: the
    view data of a ViewParams; ``figures``/``notes``: both figures / both notes of the
    data; ``summary``: the status line's words before the range."""

    prefix: str
    path: str
    what: str
    charts: tuple[tuple[str, str], tuple[str, str]]
    data: Callable[..., Any]
    figures: Callable[[Any], tuple]
    notes: Callable[[Any], tuple[str, str]]
    summary: Callable[[Any], str]

    def layout(self) -> Callable[..., html.Div]:
        """The page's Dash layout function (query parameters → controls and empty cards)."""
        P, PATH = self.prefix, self.path

        @page_layout(PATH)
        def layout(head: Start) -> html.Div:
            controls = head.control_row(P)
            cards = [dbc.Col(chart_card(P, name, csv), lg=6) for name, csv in self.charts]
            return head.frame(
                P,
                self.what,
                controls,
                head.filter_row(P),
                html.Div(id=f"{P}-status"),
                dbc.Row(cards),
            )

        return layout

    def update(self, board, source, start, end, types, repos, relative=None) -> tuple:
        """Every output of the chart callback: :meth:`render`'s, then the messages under
        the From and To fields."""
        return shared_update(self.render, board, source, start, end, types, repos, relative)

    def render(self, params: ViewParams) -> tuple:
        """Both figures, notes and CSV links, then the status; never raises."""
        return safe_render(
            params,
            self.data,
            self._outputs,
            lambda m: self._failed(m, "danger"),
            cache_as=self.prefix,
        )

    def _failed(self, message: str, colour: str) -> tuple:
        figure = empty_figure(message)
        return (figure, "", "#", figure, "", "#", dbc.Alert(message, color=colour))

    def _outputs(self, data) -> tuple:
        message = data.empty_message
        if message:
            return self._failed(message, "info")
        query = data.choice.params.to_query()
        links = [get_relative_path(f"/download/{csv}.csv") + f"?{query}" for _, csv in self.charts]
        left, right = self.figures(data)
        left_note, right_note = self.notes(data)
        status = html.Div(
            [
                html.Span(self.summary(data)),
                html.Span(f"{data.first_day} to {data.last_day}", id=f"{self.prefix}-range"),
            ],
            className="text-muted small mb-2",
            id=f"{self.prefix}-summary",
        )
        return (left, left_note, links[0], right, right_note, links[1], status)

    def register(self, app: Dash) -> None:
        """Controls → URL and page links, controls → both charts."""
        P = self.prefix
        controls = shared_inputs(P)
        register_url_sync(app, P, self.path, controls, from_shared_controls, types_hint=True)
        register_range_sync(app, P)
        outputs = [
            Output(f"{P}-chart-{name}{part}", prop)
            for name, _ in self.charts
            for part, prop in (("", "figure"), ("-note", "children"), ("-csv", "href"))
        ]

        @page_callback(
            app,
            self.path,
            *outputs,
            Output(f"{P}-status", "children"),
            Output(slot_id(P, "from"), "children"),
            Output(slot_id(P, "to"), "children"),
            *controls,
        )
        def update_charts(*values):
            return self.update(*values)
