"""The line under the navigation of every page: how fresh the board's data is; and the
browser tab's title naming board and page."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import dash_bootstrap_components as dbc
from dash import html
from flask import request

from vger.metrics.freshness import freshness
from vger.store.sync import last_success
from vger.web import state
from vger.web.params import parse


def _board(slug: str | None):
    """The board named ``slug`` (else the first one), or None."""
    with state.engine().connect() as conn:
        all_boards = state.request_boards(conn)
        if not all_boards:
            return None, None
        board = next((b for b in all_boards if b.slug == slug), None) if slug else all_boards[0]
        return board, (last_success(conn, board.id) if board else None)


def freshness_line(search: str | None) -> html.Div | str:
    """ "Data as of …, N hours ago" for the board of the query string (a warning when
    older than two days); empty when there is no such board."""
    params = parse(parse_qs((search or "").lstrip("?"), keep_blank_values=True)).params
    board, synced = _board(params.board)
    if board is None:
        return ""
    fresh = freshness(synced, state.now(), board.tz)
    if fresh.stale:
        return dbc.Alert(fresh.text, color="warning", className="py-1 mb-2 small", id="fresh-text")
    return html.P(fresh.text, className="text-muted small mb-2", id="fresh-text")


def _requested_board() -> str | None:
    """The ``board`` of the page's query string: from the URL of a page load, from the
    ``Referer`` of the layout request (the page drawn into the layout, see
    :mod:`vger.web.shell`), or from the ``search`` input of Dash's page-routing callback."""
    if request.method == "GET" and request.path.endswith("/_dash-layout"):
        values = parse_qs(urlsplit(request.referrer or "").query).get("board")
        return values[-1] if values else None
    if request.method == "GET":
        return request.args.get("board")
    payload = request.get_json(silent=True) or {}
    for item in payload.get("inputs", []) or []:
        if isinstance(item, dict) and item.get("property") == "search":
            values = parse_qs(str(item.get("value") or "").lstrip("?")).get("board")
            return values[-1] if values else None
    return None


def page_title(page: str):
    """A Dash page ``title`` callable: "<board> · <page> — Vger" (the page alone when
    there is no board)."""

    def title(**_path_variables) -> str:
        try:
            board, _ = _board(parse({"board": _requested_board()}).params.board)
        except Exception:  # noqa: BLE001 - a title never breaks a page
            board = None
        return f"{board.name} · {page} — Vger" if board else f"{page} — Vger"

    return title
