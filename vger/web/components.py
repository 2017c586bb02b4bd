"""Layout pieces shared by the pages: navbar, notices, chart cards, board list."""

from __future__ import annotations

from collections.abc import Sequence

import dash_bootstrap_components as dbc
from dash import dcc, get_relative_path, html

from vger.store.boards import Board

# The chart toolbar: download PNG and reset axes only (zoom on charts that use it). No
# cloud sharing ("Share chart" / "Edit in Chart Studio" would upload issue keys and titles).
GRAPH_CONFIG = {
    "displaylogo": False,
    "showSendToCloud": False,
    "showEditInChartStudio": False,
    "modeBarButtons": [["toImage", "resetScale2d"]],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}


def graph_config(zoom: bool = False, **extra) -> dict:
    """``dcc.Graph`` config with the toolbar above (plus the zoom button when ``zoom``)."""
    buttons = [["zoom2d", "toImage", "resetScale2d"]] if zoom else GRAPH_CONFIG["modeBarButtons"]
    return {**GRAPH_CONFIG, "modeBarButtons": buttons, **extra}


def navbar(links: Sequence | None = None) -> dbc.Navbar:
    """The one navigation: brand, page links (``links``, else filled by a callback;
    collapsed behind a toggler on narrow screens), Admin."""
    return dbc.Navbar(
        dbc.Container(
            [
                html.A(
                    html.Span("Vger", className="navbar-brand fw-bold"), href=get_relative_path("/")
                ),
                html.Button(
                    html.Span(className="navbar-toggler-icon"),
                    id="nav-toggler",
                    className="navbar-toggler",
                    type="button",
                    n_clicks=0,
                    **{"aria-label": "Pages", "aria-controls": "nav-collapse"},
                ),
                dbc.Collapse(
                    [
                        html.Div(links, id="nav-links", className="navbar-nav me-auto"),
                        html.A(
                            "Admin",
                            href=get_relative_path("/admin/"),
                            className="nav-link text-light",
                        ),
                    ],
                    id="nav-collapse",
                    navbar=True,
                    is_open=False,
                ),
            ],
            fluid=True,
        ),
        color="dark",
        dark=True,
        expand="md",
        className="mb-2",
    )


def page_links(shared_query: str, current: str) -> list:
    """Links to the data pages that keep the shared parameters (board, source, types, dates)."""
    from vger.web.views import VIEWS  # the registry; its pages import this module

    suffix = f"?{shared_query}" if shared_query else ""
    return [
        dcc.Link(
            name,
            href=get_relative_path(path) + suffix,
            className="nav-link" + (" active" if path == current else ""),
            id=f"nav-{path.strip('/')}",
        )
        for name, path in ((view.nav, view.path) for view in VIEWS if view.nav)
    ]


def notices(messages: Sequence[str], id_: str = "notices") -> html.Div:
    return html.Div(
        [dbc.Alert(m, color="warning", className="py-2 mb-2", dismissable=True) for m in messages],
        id=id_,
    )


def chart_card(
    prefix: str, name: str, csv_name: str | None = None, headline: bool = False
) -> dbc.Card:
    """A chart (opened by its headline when ``headline``), its "How to read this"
    disclosure, the one-line note of how it is computed, and its CSV link."""
    from vger.web.explain import how_to_read

    footer = [html.Small(id=f"{prefix}-chart-{name}-note", className="text-muted")]
    if csv_name:
        footer.append(
            html.A(
                "CSV",
                id=f"{prefix}-chart-{name}-csv",
                href="#",
                className="float-end small",
                target="_blank",
                rel="noopener",
            )
        )
    top = []
    if headline:
        top.append(html.P(id=f"{prefix}-chart-{name}-headline", className="headline fw-semibold"))
    explanation = how_to_read(f"{prefix}-{name}")
    if explanation:
        footer.append(
            html.Details(
                [html.Summary("How to read this"), html.P(explanation, className="small mb-0")],
                id=f"{prefix}-chart-{name}-how",
                className="small mt-1",
            )
        )
    return dbc.Card(
        [
            *([dbc.CardHeader(top)] if top else []),
            dcc.Loading(
                dcc.Graph(id=f"{prefix}-chart-{name}", config=graph_config()), type="circle"
            ),
            dbc.CardFooter(footer),
        ],
        className="mb-3 shadow-sm",
    )


def board_list(
    all_boards: Sequence[Board], heading: str, message: str | None = None, page: str = "/quadrant"
) -> html.Div:
    """Teams and their boards, each linking to ``page``."""
    by_team: dict[str, list[Board]] = {}
    for board in all_boards:
        by_team.setdefault(board.team_name, []).append(board)
    items = []
    for team_name, team_boards in by_team.items():
        items.append(html.H5(team_name, className="mt-3"))
        items.append(
            html.Ul(
                [
                    html.Li(
                        [
                            dcc.Link(
                                b.name,
                                href=get_relative_path(page) + f"?board={b.slug}",
                                className="board-link",
                            ),
                            html.Small(f"  {b.slug} · {b.tz}", className="text-muted"),
                        ]
                    )
                    for b in team_boards
                ]
            )
        )
    body = [html.H1(heading, className="h3")]
    if message:
        body.append(dbc.Alert(message, color="info" if not all_boards else "warning"))
    if not all_boards:
        body.append(
            html.P(
                [
                    "No boards yet. Start with ",
                    html.Code("vger demo"),
                    " or add a board: ",
                    html.Code('vger team add T && vger board add B --team T --jql "project = X"'),
                    ".",
                ]
            )
        )
    return html.Div(body + items, id="board-list")


def labelled(label: str, control, md: int = 2) -> dbc.Col:
    """A control under its label, in a grid column."""
    return dbc.Col([dbc.Label(label), control], md=md)


def radio(
    id_: str, options: Sequence[tuple[str, object]], value, disabled: Sequence[object] = ()
) -> dbc.RadioItems:
    """Inline radio buttons from (label, value) pairs (native inputs, each labelled)."""
    return dbc.RadioItems(
        id=id_,
        options=[
            {"label": f" {label}", "value": v, "disabled": v in disabled} for label, v in options
        ],
        value=value,
        inline=True,
        input_class_name="me-1",
        label_class_name="me-3",
    )


def checklist(
    id_: str, options: Sequence, value: Sequence[str], shown: bool = True
) -> dbc.Checklist:
    """Inline checkboxes (native inputs, each labelled); hidden (but present, so
    callbacks keep their inputs) unless ``shown``."""
    return dbc.Checklist(
        id=id_,
        options=[o if isinstance(o, dict) else {"label": o, "value": o} for o in options],
        value=list(value),
        inline=True,
        input_class_name="me-1",
        label_class_name="me-3",
        style={"display": "block" if shown else "none"},
    )


def date_input(id_: str, value: str | None, placeholder: str | None = None) -> dcc.Input:
    """A native date field (YYYY-MM-DD), applied when it loses focus or on Enter."""
    return dcc.Input(
        id=id_,
        type="date",
        value=value,
        placeholder=placeholder,
        debounce=True,
        className="form-control",
    )


def board_picker(prefix: str, all_boards: Sequence[Board], value: str | None) -> dbc.Col:
    """The board choice every data page starts with (a native select; a change navigates)."""
    options = [{"label": f"{b.team_name} · {b.name}", "value": b.slug} for b in all_boards]
    return dbc.Col(
        [
            dbc.Label("Board", html_for=f"{prefix}-board"),
            dbc.Select(id=f"{prefix}-board", options=options, value=value),
        ],
        md=3,
    )


def source_picker(prefix: str, value: str) -> dbc.Col:
    """Jira issues or pull requests (a change navigates)."""
    return dbc.Col(
        [
            dbc.Label("Source"),
            radio(
                f"{prefix}-source", [("Jira issues", "jira"), ("Pull requests", "github")], value
            ),
        ],
        md=3,
    )


def page_frame(
    prefix: str,
    title: str,
    messages: Sequence[str],
    *body,
    stores: Sequence = (),
) -> html.Div:
    """The frame of every data page: the URL holders of :mod:`vger.web.urlsync`, the
    holder of the page links a control change writes, the title, notices, then ``body``."""
    return html.Div(
        [
            dcc.Location(id=f"{prefix}-url", refresh=False),
            dcc.Location(id=f"{prefix}-nav", refresh="callback-nav"),
            *stores,
            html.Div(
                # never shown, empty until a control changes the URL: the navbar (drawn
                # with its links) copies what the change writes here, in the browser (one
                # navigation, which collapses on phones; see vger.web.urlsync)
                className="d-none",
                id=f"{prefix}-pages",
            ),
            html.H1(title, id=f"{prefix}-title", className="h4"),
            notices(messages, f"{prefix}-notices"),
            *body,
        ],
        className="container-fluid page-frame",
    )


def one_chart_failure(message: str, colour: str) -> tuple:
    """Outputs of a one-chart page (figure, note, CSV link, status) that say what is
    missing or wrong in words."""
    from vger.web.figures import empty_figure

    return (empty_figure(message), "", "#", dbc.Alert(message, color=colour))


def item_filters(
    prefix: str,
    work_types: Sequence[str],
    repos: Sequence[str],
    types_value: Sequence[str],
    repos_value: Sequence[str],
    github: bool,
) -> list:
    """Label and checkboxes of the item filter: work types for Jira issues, repositories
    for pull requests (the other list stays in the page, hidden, so callbacks keep it)."""
    return [
        dbc.Label("Repositories" if github else "Work types"),
        checklist(f"{prefix}-types", list(work_types), list(types_value), not github),
        checklist(f"{prefix}-repos", list(repos), list(repos_value), github),
        html.Small(
            types_hint(list(repos_value) if github else list(types_value), github),
            id=f"{prefix}-types-hint",
            className="text-muted d-block",
        ),
    ]


def types_hint(ticked: Sequence[str], github: bool = False) -> str:
    """What an empty filter means, said next to it."""
    if ticked:
        return ""
    return "None ticked: all repositories." if github else "None ticked: all types."
