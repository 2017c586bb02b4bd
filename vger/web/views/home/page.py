"""``/``: teams and their boards, each linking to its quadrant."""

from __future__ import annotations

from dash import html

from vger.store import boards
from vger.web import state
from vger.web.components import board_list


def layout(**_query) -> html.Div:
    with state.engine().connect() as conn:
        all_boards = boards.list_boards(conn)
    intro = html.P(
        "Throughput, its variation, backlog growth and lead time per board: pick a board to open its four quadrants.",
        className="lead",
    )
    return html.Div([intro, board_list(all_boards, "Teams and boards")], className="container")
