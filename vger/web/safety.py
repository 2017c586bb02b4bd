"""Pages never show a stack trace: a failing layout becomes a sentence in words."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

import dash_bootstrap_components as dbc
from dash import html
from sqlalchemy.exc import InterfaceError, OperationalError

from vger.errors import NotFoundError
from vger.web import state
from vger.web.views import choose_board

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


UNEXPECTED = "Something went wrong while computing this view; the error was logged."


def safe_render(
    params,
    compute: Callable[[Any, Any, Any], Any],
    outputs: Callable[[Any], Any],
    failed: Callable[[str], Any],
) -> Any:
    """A page's outputs for ``params``, never an exception: ``compute(conn, choice, now)``
    reads the store, ``outputs(data)`` builds what the page shows, and ``failed(message)``
    says in words what went wrong (an unknown board, an unreachable store, a bug)."""
    try:
        with state.engine().connect() as conn:
            data = compute(conn, choose_board(conn, params), state.now())
        return outputs(data)
    except NotFoundError as exc:
        return failed(str(exc))
    except (OperationalError, InterfaceError):
        log.exception("store unreachable for %s", params.to_query())
        return failed("The store cannot be reached right now; try again in a minute.")
    except Exception:  # noqa: BLE001 - a page never shows a stack trace
        log.exception("%s failed for %s", getattr(compute, "__name__", "page"), params.to_query())
        return failed(UNEXPECTED)
