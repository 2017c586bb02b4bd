"""Checks the admin pages ask of Jira before saving: is a JQL valid, which board has a
name, what are a board's columns. Each answers in words; the token never appears.

Validation asks for one issue id (``maxResults=1``, ``fields=id``): Cloud through the
enhanced search ``search/jql``, Data Center through ``search`` (strict validation is the
default of both). A 400 carries Jira's own ``errorMessages``, shown beside the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests
from jira import JIRAError

from etl.jira_client import Jira, describe
from etl.jira_transform import default_workflow
from vger.config import Settings
from vger.errors import ConfigError, SourceError


@dataclass(frozen=True)
class Check:
    """``ok`` True: Jira accepted it; False: Jira rejected it (``message`` is Jira's
    text); None: it could not be checked (no Jira configured, Jira unreachable...)."""

    ok: bool | None
    message: str = ""


def _client(settings: Settings) -> Jira:
    quick = settings.model_copy(
        update={"jira_timeout": min(settings.jira_timeout, 15.0), "jira_retries": 0}
    )
    api = Jira(quick, backoff=0.2)
    api.server_info()  # Cloud or Data Center: which search endpoint to use
    return api


def _redact(text: str, settings: Settings) -> str:
    token = settings.jira_token.get_secret_value() if settings.jira_token else ""
    return text.replace(token, "**********") if token else text


def _jira_messages(exc: JIRAError) -> str:
    """Jira's ``errorMessages`` (and field ``errors``) from a rejected request."""
    response = getattr(exc, "response", None)
    try:
        body = response.json() if response is not None else None
    except ValueError:
        body = None
    if isinstance(body, dict):
        parts = [str(m) for m in body.get("errorMessages") or []]
        parts += [f"{k}: {v}" for k, v in (body.get("errors") or {}).items()]
        if parts:
            return " ".join(parts)
    return (exc.text or "").strip() or f"HTTP {exc.status_code}"


def validate_jql(settings: Settings, jql: str) -> Check:
    """Ask Jira whether ``jql`` is a valid query."""
    if not settings.jira_url:
        return Check(
            None, "VGER_JIRA_URL is not set, so the JQL could not be checked against Jira."
        )
    if not jql.strip():
        return Check(False, "The JQL is empty: give a query such as project = ABC.")
    api = None
    try:
        api = _client(settings)
        api.search_page(jql, None, fields="id", expand=None, max_results=1)
        return Check(True, "Jira accepted the JQL.")
    except JIRAError as exc:
        if exc.status_code == 400:
            return Check(False, _redact(_jira_messages(exc), settings))
        return Check(None, _redact(f"The JQL could not be checked: {describe(exc)}", settings))
    except (requests.RequestException, ConfigError, SourceError) as exc:
        return Check(None, _redact(f"The JQL could not be checked: {describe(exc)}", settings))
    finally:
        if api is not None:
            api.close()


def jql_verdict(check: Check) -> tuple[str | None, str | None]:
    """(error, warning) in the words the admin page and ``vger board add`` both show."""
    if check.ok is False:
        return f"Jira rejected the JQL: {check.message}", None
    if check.ok is None:
        return None, f"Saved without a check against Jira: {check.message}"
    return None, None


def find_board(settings: Settings, name: str) -> int:
    """The id of the Jira board called ``name`` (exactly); ConfigError in words otherwise."""
    if not settings.jira_url:
        raise ConfigError("VGER_JIRA_URL is not set: enter the Jira board id instead of its name")
    api = None
    try:
        api = _client(settings)
        data = api.get("board", {"name": name, "maxResults": 50}, agile=True)
    except JIRAError as exc:
        raise ConfigError(
            _redact(f"Could not look up the Jira board {name!r}: {describe(exc)}", settings)
        ) from None
    except requests.RequestException as exc:
        raise ConfigError(
            _redact(f"Could not look up the Jira board {name!r}: {describe(exc)}", settings)
        ) from None
    finally:
        if api is not None:
            api.close()
    values: list[dict[str, Any]] = list((data or {}).get("values") or [])
    exact = [v for v in values if str(v.get("name", "")).strip() == name.strip()]
    found = exact or values
    if not found:
        raise ConfigError(f"Jira has no board named {name!r} that this user can see")
    if len(found) > 1:
        listed = ", ".join(f"{v.get('id')} ({v.get('name')})" for v in found[:10])
        raise ConfigError(f"Several Jira boards match {name!r}: {listed}; enter the id")
    return int(found[0]["id"])


def board_workflow(
    settings: Settings, board_id: int
) -> tuple[list[tuple[str, list[str]]], tuple[int, int]]:
    """Default work states (the board's columns) and lead-time interval."""
    if not settings.jira_url:
        raise ConfigError("VGER_JIRA_URL is not set: the board's columns cannot be read")
    api = None
    try:
        api = Jira(
            settings.model_copy(
                update={"jira_timeout": min(settings.jira_timeout, 15.0), "jira_retries": 0}
            )
        )
        config = api.board_configuration(int(board_id))
    except JIRAError as exc:
        if exc.status_code == 404:
            raise ConfigError(
                f"Jira board {board_id} not found (or this user cannot see it)"
            ) from None
        raise ConfigError(
            _redact(f"Could not read Jira board {board_id}: {describe(exc)}", settings)
        ) from None
    except requests.RequestException as exc:
        raise ConfigError(
            _redact(f"Could not read Jira board {board_id}: {describe(exc)}", settings)
        ) from None
    finally:
        if api is not None:
            api.close()
    default = default_workflow(config)
    if default is None:
        raise ConfigError(f"Jira board {board_id} has too few columns for work states")
    return default
