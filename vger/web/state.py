"""Per-app state reached from callbacks and routes: engine, settings, clock."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask, current_app
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


def settings_of(server: Flask) -> Settings:
    """The settings of ``server`` (outside a request, while the app is being built)."""
    return server.extensions["vger"]["settings"]


def engine_of(server: Flask) -> Engine:
    return server.extensions["vger"]["engine"]
