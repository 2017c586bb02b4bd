"""``/quality``: the data-quality report of a board — which issues the numbers treat
specially (no start, unmapped statuses, reopened, outliers...), why it matters, and
links to each affected issue in Jira."""

from __future__ import annotations

import logging
from urllib.parse import parse_qs

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, get_relative_path, html

from vger.errors import NotFoundError
from vger.store import boards
from vger.web import state
from vger.web.components import board_list, board_picker, checklist, page_frame
from vger.web.figures_quality import QualityData, quality_data
from vger.web.params import ViewParams, parse
from vger.web.safety import safe_render
from vger.web.urlsync import register_url_sync
from vger.web.views import choose_board

log = logging.getLogger(__name__)
P = "quality"
PATH = "/quality"
MAX_KEYS = 200  # keys listed per check on the page; the CSV has them all


def layout(**query) -> html.Div:
    parsed = parse(query)
    with state.engine().connect() as conn:
        all_boards = boards.list_boards(conn)
        try:
            choice = choose_board(conn, parsed.params)
        except NotFoundError as exc:
            return board_list(all_boards, "Boards", str(exc), page=PATH)
    p = choice.params
    controls = dbc.Row(
        [
            board_picker(P, all_boards, p.board),
            dbc.Col(
                [
                    dbc.Label("Work types"),
                    checklist(f"{P}-types", list(choice.work_types), list(p.types)),
                ]
            ),
        ],
        className="g-2 mb-3",
    )
    return page_frame(
        P,
        PATH,
        p.shared_query(),
        f"{choice.board.team_name} · {choice.board.name} · data quality",
        parsed.notices + choice.notices,
        controls,
        dcc.Loading(html.Div(id=f"{P}-report"), type="circle"),
        stores=[dcc.Store(id=f"{P}-shared", data=p.shared_query())],
    )


def params_from_controls(board, types, shared: str | None = None) -> ViewParams:
    """The view the controls show, validated exactly like a URL; the other shared
    parameters (source, dates, repositories) are kept for the page links."""
    kept = parse(parse_qs(shared or "", keep_blank_values=True)).params
    query = {"board": board, "types": types or [], "source": kept.source}
    if kept.start:
        query["from"] = kept.start.isoformat()
    if kept.end:
        query["to"] = kept.end.isoformat()
    if kept.repos and kept.board == board:
        query["repos"] = list(kept.repos)
    return parse(query).params


def render(params: ViewParams):
    """The report for ``params``; never raises."""
    return safe_render(
        params, quality_data, report, lambda message: dbc.Alert(message, color="danger")
    )


def _key_link(data: QualityData, key: str, detail: str) -> html.Li:
    url = data.url(key)
    summary = data.summaries.get(key, "")
    label = (
        html.A(key, href=url, target="_blank", rel="noopener", className="quality-key")
        if url
        else html.Span(key, className="quality-key")
    )
    return html.Li(
        [
            label,
            html.Span(f" {summary[:120]}", className="quality-summary"),
            html.Small(f" — {detail}", className="text-muted"),
        ]
    )


def _section(data: QualityData, check) -> html.Div:
    rows = check.rows.head(MAX_KEYS)
    items = [_key_link(data, k, d) for k, d in zip(rows["key"], rows["detail"], strict=True)]
    more = len(check.rows) - len(rows)
    body: list = [html.P(check.why, className="small mb-1")]
    if items:
        body.append(html.Ul(items, className="small mb-1"))
    if more > 0:
        body.append(html.P(f"… and {more} more in the CSV.", className="small text-muted"))
    if not items:
        body.append(html.P("None found.", className="small text-muted mb-0"))
    badge = dbc.Badge(
        str(check.count),
        color="warning" if check.count else "success",
        className="ms-2 quality-count",
        id=f"{P}-count-{check.id}",
    )
    return dbc.Card(
        [
            dbc.CardHeader(
                [
                    html.Span(check.title),
                    badge,
                    html.Small(f" {check.unit}", className="text-muted"),
                ]
            ),
            dbc.CardBody(body),
        ],
        className="mb-2 shadow-sm",
        id=f"{P}-check-{check.id}",
    )


def report(data: QualityData):
    """The summary table and one card per check (pure: no store access)."""
    message = data.empty_message
    if message:
        return dbc.Alert(message, color="info", id=f"{P}-empty")
    link = get_relative_path("/download/quality.csv") + f"?{data.choice.params.to_query()}"
    flagged = sum(1 for c in data.checks if c.count)
    summary = html.Div(
        [
            html.Span(
                f"{data.issues} issues checked · {flagged} of {len(data.checks)} checks found something · "
            ),
            html.A("CSV", href=link, id=f"{P}-csv", target="_blank", rel="noopener"),
            html.Span(" · "),
            html.A(
                "JSON",
                href=get_relative_path("/api/v1/quality") + f"?{data.choice.params.to_query()}",
                target="_blank",
                rel="noopener",
            ),
        ],
        className="text-muted small mb-2",
        id=f"{P}-summary",
    )
    table = dbc.Table(
        [
            html.Thead(html.Tr([html.Th("Check"), html.Th("Count"), html.Th("Why it matters")])),
            html.Tbody(
                [
                    html.Tr(
                        [
                            html.Td(html.A(c.title, href=f"#{P}-check-{c.id}")),
                            html.Td(f"{c.count} {c.unit}", id=f"{P}-row-{c.id}"),
                            html.Td(c.why, className="small"),
                        ]
                    )
                    for c in data.checks
                ]
            ),
        ],
        size="sm",
        bordered=False,
        hover=True,
        className="mb-3",
        id=f"{P}-table",
    )
    return html.Div([summary, table, *[_section(data, c) for c in data.checks]])


def register(app: Dash) -> None:
    """Work types → URL and page links, board → navigation, controls → report."""

    controls = [
        Input(f"{P}-board", "value"),
        Input(f"{P}-types", "value"),
        State(f"{P}-shared", "data"),
    ]
    register_url_sync(app, P, PATH, controls, params_from_controls, navigators=("board",))

    @app.callback(
        Output(f"{P}-report", "children"),
        Input(f"{P}-board", "value"),
        Input(f"{P}-types", "value"),
        State(f"{P}-shared", "data"),
    )
    def update_report(board, types, shared):
        return render(params_from_controls(board, types, shared))
