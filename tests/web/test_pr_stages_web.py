"""The pull-request stages view on pull requests loaded through the fake GitHub (real
PyGithub): the docs/metrics.md worked example, a PR cut at one page of reviews and one
never reviewed; the CSV, the JSON, the page and its figures by hand."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pandas as pd
import pytest
from pydantic import SecretStr
from sqlalchemy import delete

from etl.github_sync import sync_board_repos
from tests.etl.fake_github import TOKEN, FakeGitHub
from tests.etl.github_fixtures import FAST, make_board
from tests.etl.review_fixtures import example_pull, many_reviews_pull, unreviewed_pull
from vger.config import Settings
from vger.store import schema as s
from vger.web import create_app
from vger.web.params import parse
from vger.web.views.pr_stages import page

REPO = "acme/widgets"
RANGE = "board=widgets&source=github&from=2024-03-01&to=2024-04-30"


def synced(engine) -> None:
    """The three pull requests loaded by a sync through the fake GitHub."""
    with FakeGitHub() as fake:
        fake.add_repo(REPO, [example_pull(), many_reviews_pull(), unreviewed_pull()], [])
        board = make_board(engine, REPO, slug="widgets")
        settings = Settings(github_token=SecretStr(TOKEN), github_url=fake.url, _env_file=None)
        assert all(r.ok for r in sync_board_repos(engine, board, settings, options=FAST))


def app_on(sqlite_engine):
    app = create_app(
        Settings(database_url=str(sqlite_engine.url), _env_file=None), engine=sqlite_engine
    )
    app.server.config["VGER_NOW"] = datetime(2024, 5, 15, tzinfo=UTC)
    return app


@pytest.fixture
def stages_app(sqlite_engine):
    synced(sqlite_engine)
    return app_on(sqlite_engine)


def test_csv_rows_by_hand(stages_app):
    response = stages_app.server.test_client().get(f"/download/pr-stages.csv?{RANGE}")
    assert response.status_code == 200
    assert (
        "vger-widgets-github-pr-stages-2024-03-01-2024-04-30.csv"
        in response.headers["Content-Disposition"]
    )
    csv = pd.read_csv(io.StringIO(response.get_data(as_text=True))).set_index("key")
    assert list(csv.index) == [f"{REPO}#1", f"{REPO}#2", f"{REPO}#3"]  # by merge time
    one = csv.loc[f"{REPO}#1"]
    assert (one["days_to_first_review"], one["days_in_review"]) == (1.0, 2.625)
    assert (one["days_approval_to_merge"], one["review_rounds"], one["days_draft"]) == (
        0.5,
        3,
        1.5,
    )
    assert (one["first_review"], one["last_approval"]) == (
        "2024-03-06T09:00:00Z",
        "2024-03-09T12:00:00Z",
    )
    assert bool(csv.loc[f"{REPO}#2", "cut"]) and not bool(one["cut"])
    three = csv.loc[f"{REPO}#3"]
    assert pd.isna(three["days_to_first_review"]) and three["review_rounds"] == 0
    assert three["title"] == "'=HYPERLINK(1)"  # defused for spreadsheets


def test_json_percentiles_by_hand(stages_app):
    body = stages_app.server.test_client().get(f"/api/v1/pr-stages?{RANGE}").get_json()
    assert body["board"] == "widgets" and body["empty"] is None
    assert body["draft_time"] == "excluded" and len(body["rows"]) == 3
    stages = {s["stage"]: s for s in body["stages"]}
    # waits: #1 1.0 day, #2 one hour, #3 never reviewed
    assert stages["wait"]["items"] == 2
    assert stages["wait"]["50"] == pytest.approx((1.0 + 1 / 24) / 2)
    assert stages["merge"]["items"] == 1 and stages["merge"]["90"] == pytest.approx(0.5)
    assert stages["total"]["items"] == 1 and stages["total"]["50"] == pytest.approx(4.125)
    assert body["counts"] == {
        "merged": 3,
        "no_review": 1,
        "no_approval": 1,
        "drafted": 1,
        "cut": 1,
        "no_stages": 0,
    }
    client = stages_app.server.test_client()
    paged = client.get(f"/api/v1/pr-stages?{RANGE}&limit=2&page=2").get_json()
    assert (paged["pages"], paged["rows_total"], paged["limit"]) == (2, 3, 2)
    assert [r["key"] for r in paged["rows"]] == [f"{REPO}#3"]
    bad = client.get(f"/api/v1/pr-stages?{RANGE}&limit=x").get_json()
    assert bad["limit"] == 1000 and any("limit" in n for n in bad["notices"])
    assert {r["rounds"]: r["items"] for r in body["rounds"]} == {
        **{k: 0 for k in range(51)},
        0: 1,
        3: 1,
        50: 1,
    }


def test_jira_source_and_unknown_board_answer_in_words(stages_app):
    client = stages_app.server.test_client()
    jira = RANGE.replace("source=github", "source=jira")
    response = client.get(f"/download/pr-stages.csv?{jira}")
    assert response.status_code == 404 and b"GitHub pull requests" in response.data
    assert "choose GitHub" in client.get(f"/api/v1/pr-stages?{jira}").get_json()["empty"]
    assert client.get("/api/v1/pr-stages?board=nope").status_code == 404
    empty = client.get(f"/api/v1/pr-stages?{RANGE.replace('2024-03-01', '2024-04-29')}")
    assert empty.get_json()["rows"] == [] and "No pull request" in empty.get_json()["empty"]


def test_page_renders_from_a_bookmark_and_is_in_the_navigation(stages_app):
    client = stages_app.server.test_client()
    assert client.get(f"/pr-stages?{RANGE}").status_code == 200
    with stages_app.server.test_request_context(f"/pr-stages?{RANGE}"):
        shown = page.render(parse(_query(RANGE)).params)
    stages, rounds, note, link = shown.stages, shown.rounds, shown.stages_note, shown.stages_csv
    assert link.endswith(f"/download/pr-stages.csv?{RANGE}")
    bars = [t for t in stages.data if t.type == "bar"]
    assert [t.name.split(" (")[0] for t in bars][0] == "waiting for first review"
    assert list(bars[2].x) == [0.5, 0.5, 0.5]  # approved → merged: one PR, every level
    assert "draft time is excluded" in note and "1 had more reviews" in note
    assert list(rounds.data[0].y)[3] == 1
    with stages_app.server.test_request_context(f"/pr-stages?{RANGE}"):
        tree = str(page.layout(**_query(RANGE)))
    assert "pull-request stages" in tree
    # the navigation (the shell's navbar, drawn with the page's layout) links to it
    referrer = {"Referer": f"http://localhost/pr-stages?{RANGE}"}
    shell = json.dumps(client.get("/_dash-layout", headers=referrer).get_json())
    assert '"PR stages"' in shell and f'"/pr-stages?{RANGE}"' in shell


def _query(text: str) -> dict:
    return {k: [v] for k, v in (pair.split("=") for pair in text.split("&"))}


def test_pull_requests_without_stage_rows_are_counted_not_guessed(sqlite_engine):
    synced(sqlite_engine)
    with sqlite_engine.begin() as conn:  # as stored before revision 0009
        conn.execute(delete(s.pull_request_stage).where(s.pull_request_stage.c.number == 1))
    app = app_on(sqlite_engine)
    body = app.server.test_client().get(f"/api/v1/pr-stages?{RANGE}").get_json()
    assert body["counts"]["no_stages"] == 1 and body["counts"]["merged"] == 3
    rows = {r["key"]: r for r in body["rows"]}
    assert rows[f"{REPO}#1"]["review_rounds"] is None
    assert rows[f"{REPO}#1"]["days_to_first_review"] is None
    stages = {x["stage"]: x for x in body["stages"]}
    assert stages["wait"]["items"] == 1  # only #2 is left with a first review
    with app.server.test_request_context(f"/pr-stages?{RANGE}"):
        note = page.render(parse(_query(RANGE)).params).stages_note
    assert "1 have no stages yet" in note
