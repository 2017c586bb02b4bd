"""A dashboard app on the example board (docs/metrics.md example 5), frozen clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.factories import example_board
from tests.web.forecast_flow_support import ff_app, ff_client  # noqa: F401 - fixtures
from vger.config import Settings
from vger.store.db import make_engine, upgrade

NOW = datetime(2024, 2, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def example_app(tmp_path):
    from vger.web import create_app

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'web.db'}", secret_key="test-key")
    engine = make_engine(settings.database_url)
    upgrade(engine)
    example_board(engine)
    app = create_app(settings, engine=engine)
    app.server.config["VGER_NOW"] = NOW
    app.server.config["TESTING"] = True
    return app


@pytest.fixture
def client(example_app):
    return example_app.server.test_client()
