"""What the forecast and flow page tests share: the steady board, the ff_app/ff_client
fixtures (registered in tests/web/conftest.py) and helpers to read layouts and CSVs."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest

from tests.factories import EXAMPLE_STATES, example_board, issue, moves
from vger.config import Settings
from vger.store import boards, workflows
from vger.store.db import make_engine, upgrade
from vger.store.issues import save_issues
from vger.web.params import parse

NOW = datetime(2024, 2, 1, 12, 0, tzinfo=UTC)  # Thursday; week of 2024-01-29 in progress
NEXT_MONDAY = date(2024, 2, 5)
PER_WEEK = 3  # the ``steady`` board finishes 3 stories every week


def _steady(engine) -> None:
    """Board ``steady``: 3 stories done every week (Tuesday) for the 20 weeks before NOW."""
    with engine.begin() as conn:
        board_id = boards.add_board(
            conn, "steady", "ex-team", name="Steady board", jql="project = ST"
        )
        workflows.set_workflow(conn, board_id, EXAMPLE_STATES, (1, 3))
        workflows.set_work_types(conn, board_id, {"Feature": ["Story"], "Defect": ["Bug"]})
        board = boards.get_board(conn, "steady")
        rows, history = [], []
        monday = date(2024, 1, 22)
        for week in range(20):
            day = monday - timedelta(weeks=week)
            for k in range(PER_WEEK):
                n = f"{week}-{k}"
                rows.append(
                    issue(n, f"ST-{week * 10 + k}", "Story", f"{day} 09:00", "Done", "Done")
                )
                history += moves(n, ("To Do", "Done", f"{day + timedelta(days=1)} 10:00"))
        save_issues(conn, board, rows, history)


@pytest.fixture
def ff_app(tmp_path):
    from vger.web import create_app

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'ff.db'}", secret_key="test-key")
    engine = make_engine(settings.database_url)
    upgrade(engine)
    example_board(engine)
    _steady(engine)
    with engine.begin() as conn:
        boards.add_board(conn, "fresh", "ex-team", name="Fresh board", jql="project = NEW")
    app = create_app(settings, engine=engine)
    app.server.config["VGER_NOW"] = NOW
    app.server.config["TESTING"] = True
    return app


@pytest.fixture
def ff_client(ff_app):
    return ff_app.server.test_client()


def _csv(client, url: str) -> pd.DataFrame:
    response = client.get(url)
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return pd.read_csv(io.StringIO(response.data.decode()), keep_default_na=False, dtype=str)


def _render(app, page, query: dict) -> tuple:
    with app.server.app_context():
        return page.render(parse(query).params)
