"""``/quality``: the data-quality report of a board — which issues the numbers treat
specially (no start, unmapped statuses, reopened, outliers...), why it matters, and
links to each affected issue in Jira."""

from __future__ import annotations

import logging
from urllib.parse import parse_qs

import dash_bootstrap_components as dbc
from dash import MATCH, Dash, Input, Output, State, ctx, dcc, get_relative_path, html

from vger.web.components import board_picker, checklist
from vger.web.params import ViewParams, parse
from vger.web.urlsync import register_url_sync
from vger.web.views.common import Start, page_layout, safe_render
from vger.web.views.outputs import page_callback
from vger.web.views.quality.data import QualityData, page_rows, pages, quality_data

log = logging.getLogger(__name__)
P = "quality"
PATH = "/quality"
PAGE_KEYS = 10  # keys per page of a check's list; the CSV has them all


@page_layout(PATH)
def layout(head: Start) -> html.Div:
    choice, p = head.choice, head.params
    controls = dbc.Row(
        [
            board_picker(P, head.boards, p.board),
            dbc.Col(
                [
                    dbc.Label("Work types"),
                    checklist(f"{P}-types", list(choice.work_types), list(p.types)),
                ]
            ),
        ],
        className="g-2 mb-3",
    )
    return head.frame(
        P,
        PATH,
        "data quality",
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
        params,
        quality_data,
        report,
        lambda message: dbc.Alert(message, color="danger"),
        cache_as="quality",
    )


def render_page(params: ViewParams, check_id: str, page: int | None) -> list:
    """One page of a check's issue list for ``params``; never raises."""
    return safe_render(
        params,
        quality_data,
        lambda data: key_list(data, check_id, int(page or 1)),
        lambda message: [html.P(message, className="small text-danger")],
    )


def _key_link(data: QualityData, key: str, detail: str) -> html.Li:
    url = data.url(key)
    summary = data.summaries.get(key, "")
    label = (
        html.A(key, href=url, target="_blank", rel="noopener", className="quality-key")
        if url
        else html.Span(key, className="quality-key")
    )
    # the summary is a bare string (a text node): one component fewer per key
    return html.Li([label, f" {summary[:120]}", html.Small(f" — {detail}", className="text-muted")])


def key_list(data: QualityData, check_id: str, page: int) -> list:
    """Page ``page`` (1-based) of a check's issues, ``PAGE_KEYS`` at a time."""
    check = next((c for c in data.checks if c.id == check_id), None)
    if check is None:
        return [html.P(f"There is no check {check_id!r}.", className="small text-muted")]
    rows = page_rows(check, page, PAGE_KEYS)
    return [_key_link(data, k, d) for k, d in zip(rows["key"], rows["detail"], strict=True)]


def _issue_list(data: QualityData, check) -> html.Details:
    """The check's issues, collapsed: one page of keys and a pager."""
    n, total = len(check.rows), pages(check, PAGE_KEYS)
    listed = [
        html.Ul(
            key_list(data, check.id, 1),
            className="small mb-1",
            id={"type": f"{P}-keys", "check": check.id},
        )
    ]
    if total > 1:
        listed.append(
            dbc.Pagination(
                id={"type": f"{P}-pager", "check": check.id},
                max_value=total,
                active_page=1,
                fully_expanded=False,
                first_last=True,
                previous_next=True,
                size="sm",
                className="mb-0",
            )
        )
    label = f"Show the {n} issue{'s' if n != 1 else ''}"
    if total > 1:
        label += f" ({PAGE_KEYS} per page; all in the CSV)"
    return html.Details([html.Summary(label, className="small"), *listed])


def _section(data: QualityData, check) -> html.Div:
    body: list = [html.P(check.why, className="small mb-1")]
    if len(check.rows):
        body.append(_issue_list(data, check))
    else:
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
        Output({"type": f"{P}-keys", "check": MATCH}, "children"),
        Input({"type": f"{P}-pager", "check": MATCH}, "active_page"),
        State(f"{P}-board", "value"),
        State(f"{P}-types", "value"),
        State(f"{P}-shared", "data"),
        prevent_initial_call=True,
    )
    def turn_page(page, board, types, shared):
        return render_page(
            params_from_controls(board, types, shared), ctx.triggered_id["check"], page
        )

    @page_callback(
        app,
        PATH,
        Output(f"{P}-report", "children"),
        Input(f"{P}-board", "value"),
        Input(f"{P}-types", "value"),
        State(f"{P}-shared", "data"),
    )
    def update_report(board, types, shared):
        return render(params_from_controls(board, types, shared))
