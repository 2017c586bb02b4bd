"""Pages never show a stack trace: a failing layout becomes a sentence in words."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

import dash_bootstrap_components as dbc
from dash import html
from sqlalchemy.exc import InterfaceError, OperationalError

log = logging.getLogger(__name__)


def safe_layout(layout: Callable[..., object]) -> Callable[..., object]:
    """Wrap a page's ``layout(**query)`` so an unreachable store or an unexpected error
    shows a message (and is logged) instead of a blank page."""

    @functools.wraps(layout)
    def wrapped(**query):
        try:
            return layout(**query)
        except (OperationalError, InterfaceError):
            log.exception("store unreachable while building %s", layout.__module__)
            return _message(
                "The store cannot be reached right now, so there is nothing to show. Try again in a minute; /health says whether the store answers."
            )
        except Exception:  # noqa: BLE001 - a page never shows a stack trace
            log.exception("page %s failed", layout.__module__)
            return _message("Something went wrong while building this page; the error was logged.")

    return wrapped


def _message(text: str) -> html.Div:
    return html.Div(dbc.Alert(text, color="danger"), className="container", id="page-error")
