"""The pull-request quadrant and tag overlays on data loaded through the fake GitHub
(real PyGithub, the real alloy pull requests), checked against the CSV they came from."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from pydantic import SecretStr

from etl.github_sync import sync_board_repos
from tests.etl.fake_github import DATA, TOKEN, FakeGitHub, alloy_pulls, alloy_tags
from tests.etl.github_fixtures import FAST, make_board
from vger.config import Settings
from vger.web import create_app
from vger.web.views.quadrant import page as quadrant

ALLOY = "tidev/alloy"
RANGE = "board=alloy&source=github&from=2013-01-01&to=2013-12-31"


@pytest.fixture
def alloy_app(sqlite_engine):
    with FakeGitHub() as fake:
        fake.add_repo(ALLOY, alloy_pulls(), alloy_tags())
        board = make_board(sqlite_engine, ALLOY)
        settings = Settings(github_token=SecretStr(TOKEN), github_url=fake.url, _env_file=None)
        assert all(r.ok for r in sync_board_repos(sqlite_engine, board, settings, options=FAST))
    app = create_app(
        Settings(database_url=str(sqlite_engine.url), _env_file=None), engine=sqlite_engine
    )
    app.server.config["VGER_NOW"] = datetime(2025, 12, 1, tzinfo=UTC)
    return app


def _expected_weeks() -> pd.Series:
    csv = pd.read_csv(DATA / "tidev_alloy_pulls.csv.gz")
    merged = pd.to_datetime(csv["merged_at"], utc=True)
    week = merged.dt.tz_localize(None).dt.normalize() - pd.to_timedelta(
        merged.dt.day_of_week, unit="D"
    )
    return week.value_counts().reindex(
        pd.date_range("2012-12-31", "2013-12-30", freq="7D"), fill_value=0
    )


def test_pr_throughput_csv_and_api_match_the_source_data(alloy_app):
    client = alloy_app.server.test_client()
    frame = pd.read_csv(
        io.StringIO(client.get(f"/download/throughput.csv?{RANGE}").data.decode()),
        keep_default_na=False,
    )
    expected = _expected_weeks()
    assert frame["week"].tolist() == [d.date().isoformat() for d in expected.index]
    assert frame["count"].tolist() == expected.tolist()
    busiest = frame.loc[frame["count"].idxmax()]
    assert len(busiest["prs"].split()) == busiest["count"] and busiest["prs"].startswith(
        "tidev/alloy#"
    )
    body = client.get(f"/api/v1/quadrant?{RANGE}").get_json()
    assert [w["count"] for w in body["throughput"]] == expected.tolist()
    assert sum(w["merged_lines"] for w in body["volume"]) > 0 and all(
        w["rejected_lines"] == 0 for w in body["volume"]
    )


def test_pr_lead_time_csv_is_merged_minus_created(alloy_app):
    client = alloy_app.server.test_client()
    frame = pd.read_csv(io.StringIO(client.get(f"/download/leadtime.csv?{RANGE}").data.decode()))
    csv = pd.read_csv(DATA / "tidev_alloy_pulls.csv.gz")
    merged = pd.to_datetime(csv["merged_at"], utc=True)
    in_range = (merged >= pd.Timestamp("2012-12-31", tz="UTC")) & (
        merged < pd.Timestamp("2013-12-30", tz="UTC") + pd.Timedelta(days=7)
    )
    days = (
        (merged - pd.to_datetime(csv["first_commit_authored_at"], utc=True)).dt.total_seconds()
        / 86400
    )[in_range]
    assert len(frame) == int(in_range.sum())
    assert np.quantile(frame["days"], 0.8) == pytest.approx(np.quantile(days, 0.8), rel=1e-3)
    assert frame["url"].str.startswith("https://").all()


def test_tags_overlay_every_pr_chart(alloy_app):
    with alloy_app.server.test_request_context():
        params = quadrant.params_from_controls(
            "alloy",
            "github",
            "2013-01-01",
            "2013-12-31",
            [],
            [],
            12,
            "rolling",
            "overall",
            "absolute",
            ["1"],
        )
        figures = quadrant.render(params)[:4]
    tags = pd.read_csv(DATA / "tidev_alloy_tags.csv.gz")
    when = pd.to_datetime(tags["tagged_at"].fillna(tags["commit_committed_at"]), utc=True)
    expected = set(
        tags.loc[
            (when >= pd.Timestamp("2012-12-31", tz="UTC"))
            & (when < pd.Timestamp("2014-01-06", tz="UTC")),
            "tag",
        ]
    )
    assert expected, "the alloy data has tags in 2013"
    for figure in figures:
        labels = {a.text for a in _tag_labels(figure)}
        assert labels == expected
        assert len(figure.layout.shapes) == len(expected)


def test_tags_stay_off_the_by_work_state_chart(tmp_path):
    """Tags are drawn on weekly charts only: the by-state chart's x axis is work states."""
    from tests.factories import example_board
    from vger.store import boards
    from vger.store.db import make_engine, upgrade
    from vger.store.pulls import save_tags

    engine = make_engine(f"sqlite:///{tmp_path / 'tags.db'}")
    upgrade(engine)
    board = example_board(engine)
    with engine.begin() as conn:
        repo_id = boards.add_repo(conn, board.id, "example/app")
        save_tags(
            conn,
            repo_id,
            [{"name": "v1.0.0", "at": datetime(2024, 1, 3, tzinfo=UTC), "sha": "abc"}],
        )
    app = create_app(Settings(database_url=str(engine.url), _env_file=None), engine=engine)
    app.server.config["VGER_NOW"] = datetime(2024, 2, 1, tzinfo=UTC)
    with app.server.test_request_context():
        params = quadrant.params_from_controls(
            "example",
            "jira",
            "2024-01-01",
            "2024-01-14",
            [],
            [],
            12,
            "rolling",
            "states",
            "absolute",
            ["1"],
        )
        throughput, variation, backlog, by_state = quadrant.render(params)[:4]
    for weekly in (throughput, variation, backlog):
        assert [a.text for a in _tag_labels(weekly)] == ["v1.0.0"]
    assert not by_state.layout.shapes and not by_state.layout.annotations


def _tag_labels(figure) -> list:
    """Annotations other than the likelihood lines' end labels (named ``end-<level>``)."""
    return [a for a in figure.layout.annotations if not (a.name or "").startswith("end-")]
