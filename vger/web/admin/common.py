"""What every admin module shares: the Jira checks and ETL runs (services, replaceable
by tests and deployments), and the 404s of a missing team or board."""

from __future__ import annotations

import functools
from types import SimpleNamespace
from typing import Any

from flask import abort, current_app

from vger.errors import ConfigError, NotFoundError
from vger.store import boards, teams


@functools.cache
def _default_services() -> SimpleNamespace:
    from etl import jira_validate as checks
    from etl import run as runner

    return SimpleNamespace(
        validate_jql=checks.validate_jql,
        find_board=checks.find_board,
        board_workflow=checks.board_workflow,
        run_etl=runner.run_etl,
    )


def services() -> Any:
    return current_app.extensions["vger"].get("admin_services") or _default_services()


def board_or_404(conn, slug: str):
    try:
        return boards.get_board(conn, slug)
    except NotFoundError as exc:
        abort(404, description=str(exc))


def team_or_404(conn, slug: str) -> dict:
    try:
        return teams.get_team(conn, slug)
    except NotFoundError as exc:
        abort(404, description=str(exc))


def int_or_none(text: str | None, what: str) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        raise ConfigError(f"the {what} must be a whole number") from None
    if not 0 < value < 2**31:
        raise ConfigError(f"the {what} must be a positive number")
    return value
