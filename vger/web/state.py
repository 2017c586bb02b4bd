"""Per-app state reached from callbacks and routes: engine, settings, clock."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import Engine

from vger.config import Settings


def engine() -> Engine:
    return current_app.extensions["vger"]["engine"]


def settings() -> Settings:
    return current_app.extensions["vger"]["settings"]


def now() -> datetime:
    """The current UTC time, or the frozen time tests set in ``app.config["VGER_NOW"]``."""
    frozen = current_app.config.get("VGER_NOW")
    return frozen if frozen is not None else datetime.now(UTC)
