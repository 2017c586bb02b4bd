"""Per-app state reached from callbacks and routes: engine, settings, clock, and the
boards as one request reads them."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask, current_app, g, has_request_context
from sqlalchemy import Connection, Engine

from vger.config import Settings
from vger.store import boards
from vger.store.boards import Board


def engine() -> Engine:
    return current_app.extensions["vger"]["engine"]


def settings() -> Settings:
    return current_app.extensions["vger"]["settings"]


def now() -> datetime:
    """The current UTC time, or the frozen time tests set in ``app.config["VGER_NOW"]``."""
    frozen = current_app.config.get("VGER_NOW")
    return frozen if frozen is not None else datetime.now(UTC)


def settings_of(server: Flask) -> Settings:
    """The settings of ``server`` (outside a request, while the app is being built)."""
    return server.extensions["vger"]["settings"]


def engine_of(server: Flask) -> Engine:
    return server.extensions["vger"]["engine"]


def request_boards(conn: Connection) -> list[Board]:
    """Every board (:func:`vger.store.boards.list_boards`), read once per request: a
    page's layout needed them for its board choice, its freshness line and its list of
    boards, five reads. Outside a request, read each time."""
    if not has_request_context():
        return boards.list_boards(conn)
    if "vger_boards" not in g:
        g.vger_boards = boards.list_boards(conn)
    return list(g.vger_boards)
