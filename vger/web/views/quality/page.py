"""``/quality``: the data-quality report of a board — which issues the numbers treat
specially (no start, unmapped statuses, reopened, outliers...), why it matters, and
links to each affected issue in Jira."""

from __future__ import annotations

import logging
from urllib.parse import parse_qs

import dash_bootstrap_components as dbc
from dash import MATCH, Dash, Input, Output, State, ctx, dcc, get_relative_path, html, no_update

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
        "data quality",
        controls,
        # the spinner covers the report only while the report itself is drawn: opening a
        # check or turning its page keeps the rest of the report in view
        dcc.Loading(
            html.Div(id=f"{P}-report"),
            type="circle",
            target_components={f"{P}-report": "children"},
        ),
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


def render_list(params: ViewParams, check_id: str) -> list:
    """A check's opened issue list for ``params``: its first page of keys and, when it
    has more, a pager; never raises."""
    return safe_render(
        params,
        quality_data,
        lambda data: issue_list(data, check_id),
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


def _check(data: QualityData, check_id: str):
    return next((c for c in data.checks if c.id == check_id), None)


def _no_check(check_id: str) -> list:
    return [html.P(f"There is no check {check_id!r}.", className="small text-muted")]


def key_list(data: QualityData, check_id: str, page: int) -> list:
    """Page ``page`` (1-based) of a check's issues, ``PAGE_KEYS`` at a time."""
    check = _check(data, check_id)
    if check is None:
        return _no_check(check_id)
    rows = page_rows(check, page, PAGE_KEYS)
    return [_key_link(data, k, d) for k, d in zip(rows["key"], rows["detail"], strict=True)]


def issue_list(data: QualityData, check_id: str) -> list:
    """What an opened check shows: its first page of keys and, if it has more, a pager."""
    check = _check(data, check_id)
    if check is None:
        return _no_check(check_id)
    listed: list = [
        html.Ul(
            key_list(data, check.id, 1),
            className="small mb-1",
            id={"type": f"{P}-keys", "check": check.id},
        )
    ]
    total = pages(check, PAGE_KEYS)
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
    return listed


#: what a check's list holds until it is first opened (a text node, not a component)
UNOPENED = "Loading the issues…"


def _section(check) -> html.Div:
    """A check that found something: a card whose header (title and count) is the
    summary of a disclosure holding its issues, not yet drawn: opening it (a click on
    the summary, by mouse or keyboard) fills in the first page of keys (``open_list``).
    Why it matters is said once, in the table above. Bootstrap's card markup on plain
    elements: the same look for fewer, lighter components."""
    header = [
        f"{check.title} ",
        html.Span(
            str(check.count),
            className="badge bg-warning ms-1 quality-count",
            id=f"{P}-count-{check.id}",
        ),
        f" {check.unit}",
    ]
    if not len(check.rows):  # counted, yet no issue to list
        body = html.Div(header, className="card-header")
    else:
        more = f" ({PAGE_KEYS} per page; all in the CSV)" if pages(check, PAGE_KEYS) > 1 else ""
        body = html.Details(
            [
                html.Summary(
                    [*header, f" · show the list{more}"],
                    className="card-header",
                    id={"type": f"{P}-open", "check": check.id},
                ),
                html.Div(
                    UNOPENED,
                    className="card-body py-2",
                    id={"type": f"{P}-list", "check": check.id},
                ),
            ]
        )
    return html.Div(body, className="card mb-2 shadow-sm", id=f"{P}-check-{check.id}")


def _row(check) -> html.Tr:
    """A check that found something: its line of the summary table (its title links to
    its card)."""
    title = html.A(check.title, href=f"#{P}-check-{check.id}")
    return html.Tr(
        [
            html.Td(title),
            html.Td(f"{check.count} {check.unit}", id=f"{P}-row-{check.id}"),
            html.Td(check.why, className="small"),
        ]
    )


def report(data: QualityData):
    """The summary table, and a card for each check that found something (pure: no
    store access)."""
    message = data.empty_message
    if message:
        return dbc.Alert(message, color="info", id=f"{P}-empty")
    query = data.choice.params.to_query()
    flagged = [c for c in data.checks if c.count]
    summary = html.Div(
        [
            f"{data.issues} issues checked · {len(flagged)} of {len(data.checks)} checks"
            " found something · ",
            html.A(
                "CSV",
                href=get_relative_path("/download/quality.csv") + f"?{query}",
                id=f"{P}-csv",
                target="_blank",
                rel="noopener",
            ),
            " · ",
            html.A(
                "JSON",
                href=get_relative_path("/api/v1/quality") + f"?{query}",
                target="_blank",
                rel="noopener",
            ),
        ],
        className="text-muted small mb-2",
        id=f"{P}-summary",
    )
    table = html.Table(
        [
            html.Thead(html.Tr([html.Th("Check"), html.Th("Count"), html.Th("Why it matters")])),
            html.Tbody([_row(c) for c in flagged]),
        ],
        className="table table-sm table-hover mb-3",
        id=f"{P}-table",
    )
    return html.Div([summary, table, _nothing_found(data.checks), *[_section(c) for c in flagged]])


def _nothing_found(checks) -> html.Details | str:
    """The checks that found nothing, in one line (a row each was most of the table's
    components); why each matters behind a disclosure, as one text node."""
    empty = [c for c in checks if not c.count]
    if not empty:
        return ""
    return html.Details(
        [
            html.Summary(
                f"{len(empty)} check{'s' if len(empty) != 1 else ''} found nothing (0 each): "
                + " · ".join(c.title for c in empty)
            ),
            html.P(
                "\n".join(f"{c.title}: {c.why}" for c in empty),
                className="small mb-0",
                style={"whiteSpace": "pre-line"},
            ),
        ],
        className="small text-muted mb-3",
        id=f"{P}-none",
    )


def register(app: Dash) -> None:
    """Work types → URL and page links, board → navigation, controls → report."""

    controls = [
        Input(f"{P}-board", "value"),
        Input(f"{P}-types", "value"),
        State(f"{P}-shared", "data"),
    ]
    register_url_sync(app, P, PATH, controls, params_from_controls, navigators=("board",))
    # the report's filter, as params_from_controls takes it
    filters = (
        State(f"{P}-board", "value"),
        State(f"{P}-types", "value"),
        State(f"{P}-shared", "data"),
    )

    @app.callback(
        Output({"type": f"{P}-list", "check": MATCH}, "children"),
        Input({"type": f"{P}-open", "check": MATCH}, "n_clicks"),
        State({"type": f"{P}-list", "check": MATCH}, "children"),
        *filters,
        prevent_initial_call=True,
    )
    def open_list(_clicks, shown, board, types, shared):
        if shown != UNOPENED:  # drawn at the first opening; later ones keep its page
            return no_update
        return render_list(params_from_controls(board, types, shared), ctx.triggered_id["check"])

    @app.callback(
        Output({"type": f"{P}-keys", "check": MATCH}, "children"),
        Input({"type": f"{P}-pager", "check": MATCH}, "active_page"),
        *filters,
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
