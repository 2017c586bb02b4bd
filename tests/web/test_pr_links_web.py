"""Issues linked to pull requests on the pages, CSVs and JSON (Flask test client): the
worked example of docs/metrics.md ("Issues linked to pull requests") on the example
board with repository acme/app, its PRs stored through the store's functions with the
keys vger.metrics.links finds (the sync's path is tested in tests/etl)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pandas as pd
import pytest

from tests.factories import example_board, issue, moves
from tests.pr_links import pr_row, store_example_prs
from vger.config import Settings
from vger.metrics.links import candidate_keys
from vger.store.db import make_engine, upgrade
from vger.store.issues import save_issues
from vger.store.links import save_pull_links
from vger.store.pulls import save_pull_requests
from vger.web.views.scatter import page as scatter

NOW = datetime(2024, 2, 1, 12, 0, tzinfo=UTC)
RANGE = "board=example&from=2024-01-01&to=2024-01-14"


@pytest.fixture
def app(tmp_path):
    from vger.web import create_app

    settings = Settings(
        _env_file=None, database_url=f"sqlite:///{tmp_path / 'links.db'}", secret_key="k"
    )
    engine = make_engine(settings.database_url)
    upgrade(engine)
    board = example_board(engine)
    store_example_prs(engine, board)
    with engine.begin() as conn:  # EX-8: open, in progress since 01-20; PR #4 names it
        save_issues(
            conn,
            board,
            [issue("108", "EX-8", "Story", "2024-01-15 09:00", "In Progress", None)],
            moves(
                "108",
                ("To Do", "Selected", "2024-01-16 09:00"),
                ("Selected", "In Progress", "2024-01-20 09:00"),
            ),
        )
        save_pull_requests(conn, 1, [pr_row(4, "EX-8 wip", "2024-01-21T09:00")])
        save_pull_links(conn, 1, {4: candidate_keys("EX-8 wip")})
    example_board(engine, slug="plain")  # the same issues, no repository
    app = create_app(settings, engine=engine)
    app.server.config["VGER_NOW"] = NOW
    app.server.config["TESTING"] = True
    return app


@pytest.fixture
def client(app):
    return app.server.test_client()


def _csv(client, url: str) -> pd.DataFrame:
    response = client.get(url)
    assert response.status_code == 200, response.data[:300]
    return pd.read_csv(io.StringIO(response.data.decode()), keep_default_na=False)


def test_scatter_and_leadtime_csvs_list_the_linked_prs(client):
    scatter_csv = _csv(client, f"/download/scatter.csv?{RANGE}").set_index("key")
    assert scatter_csv["pull_requests"].to_dict() == {"EX-1": "acme/app#1", "EX-4": ""}
    lead = _csv(client, f"/download/leadtime.csv?{RANGE}").set_index("key")
    assert lead.loc["EX-1", "pull_requests"] == "acme/app#1"
    assert lead.loc["EX-4", "pull_requests"] == ""
    api = json.loads(client.get(f"/api/v1/scatter?{RANGE}").data)
    assert [p["pull_requests"] for p in api["points"]] == ["acme/app#1", ""]


def test_scatter_hover_lists_the_prs(app):
    with app.server.test_request_context():
        fig, *_ = scatter.render(
            scatter.params_from_controls("example", "jira", "2024-01-01", "2024-01-14", [], [])
        )
    points = fig.data[0]
    assert [c[1] for c in points.customdata] == ["EX-1", "EX-4"]
    assert points.customdata[0][6] == "<br>PR: acme/app#1"
    assert points.customdata[1][6] == ""
    assert "%{customdata[6]}" in points.hovertemplate


def _checks(client, board: str) -> dict:
    body = json.loads(client.get(f"/api/v1/quality?board={board}").data)
    return {c["id"]: c for c in body["checks"]}


def test_quality_lines(client):
    checks = _checks(client, "example")
    alone = checks["completed_without_pr"]
    # completed: A (EX-1, linked), B (EX-2) and D (EX-4); C (EX-3) was abandoned
    assert [i["key"] for i in alone["issues"]] == ["EX-2", "EX-4"]
    assert alone["issues"][0]["url"] == "https://jira.example.com/browse/EX-2"
    orphans = checks["prs_without_issue"]
    assert orphans["unit"] == "pull requests"
    assert orphans["issues"] == [
        {
            "key": "acme/app#3",
            "detail": "names EX-20, no stored issue",
            "url": "https://github.com/acme/app/pull/3",
        }
    ]
    plain = _checks(client, "plain")  # no repository: no line about pull requests
    assert "completed_without_pr" not in plain and "prs_without_issue" not in plain
    csv = _csv(client, "/download/quality.csv?board=example")
    mine = csv[csv["check"].isin(["completed_without_pr", "prs_without_issue"])]
    assert mine["key"].tolist() == ["EX-2", "EX-4", "acme/app#3"]
    only = json.loads(client.get("/api/v1/quality?board=example&check=prs_without_issue").data)
    assert [c["id"] for c in only["checks"]] == ["prs_without_issue"]
    assert only["notices"] == []


def test_aging_csv_lists_the_open_issues_prs(client):
    frame = _csv(client, "/download/aging.csv?board=example&from=2024-01-01&to=2024-01-28")
    assert frame.set_index("key")["pull_requests"].to_dict() == {"EX-8": "acme/app#4"}


def test_big_scatter_reads_the_links_for_its_csv_only(app, client, monkeypatch):
    """Above HOVER_PRS_POINTS the view data carries no PRs (the WebGL hover has no
    per-point text); the CSV and the JSON read them themselves, with the same answer."""
    from vger.web.views.scatter import data as scatter_data

    monkeypatch.setattr(scatter_data, "HOVER_PRS_POINTS", 1)
    frame = _csv(client, f"/download/scatter.csv?{RANGE}").set_index("key")
    assert frame["pull_requests"].to_dict() == {"EX-1": "acme/app#1", "EX-4": ""}
    api = json.loads(client.get(f"/api/v1/scatter?{RANGE}").data)
    assert [p["pull_requests"] for p in api["points"]] == ["acme/app#1", ""]
    with app.server.test_request_context():
        fig, *_ = scatter.render(
            scatter.params_from_controls("example", "jira", "2024-01-01", "2024-01-14", [], [])
        )
    assert [c[6] for c in fig.data[0].customdata] == ["", ""]
