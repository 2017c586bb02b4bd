"""Review stages through the real PyGithub client and the fake GitHub's GraphQL: the
docs/metrics.md worked example stored as its ``pull_request_stage`` row, a pull request
with more reviews than one page asks marked cut, a store from before revision 0009
filled by the next sync, and the query asks for no request per pull request."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pandas as pd
import pytest
from pydantic import SecretStr
from sqlalchemy import delete, select

from etl.github_reviews import REVIEWS_PAGE
from etl.github_sync import sync_board_repos
from tests.etl.fake_github import TOKEN, FakeGitHub, make_pull
from tests.etl.github_fixtures import FAST, make_board
from vger.config import Settings
from vger.store import schema as s

REPO = "acme/widgets"


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub() as server:
        yield server


@pytest.fixture
def settings(fake: FakeGitHub) -> Settings:
    return Settings(github_token=SecretStr(TOKEN), github_url=fake.url, _env_file=None)


def review(login, state, when, bot=False):
    return {"login": login, "state": state, "at": when, "bot": bot}


def example_pull() -> dict:
    """docs/metrics.md's worked example, as GitHub's GraphQL would list it."""
    return make_pull(
        1,
        "2024-03-04T09:00:00Z",
        merged_at="2024-03-10T00:00:00Z",
        updated_at="2024-03-10T06:00:00Z",
        author="alice",
        reviews=[
            review("ci", "COMMENTED", "2024-03-05T12:00:00Z", bot=True),
            review("bob", "COMMENTED", "2024-03-06T09:00:00Z"),
            review("alice", "COMMENTED", "2024-03-06T10:00:00Z"),
            review("erin", "PENDING", None),
            review("carol", "CHANGES_REQUESTED", "2024-03-08T09:00:00Z"),
            review("carol", "APPROVED", "2024-03-09T09:00:00Z"),
            review("bob", "APPROVED", "2024-03-09T12:00:00Z"),
            review("dave", "APPROVED", "2024-03-10T06:00:00Z"),
        ],
        timeline=[
            {"type": "ReadyForReviewEvent", "at": "2024-03-05T09:00:00Z"},
            {"type": "PullRequestCommit", "at": "2024-03-06T15:00:00Z"},
            {"type": "ConvertToDraftEvent", "at": "2024-03-07T09:00:00Z"},
            {"type": "ReadyForReviewEvent", "at": "2024-03-07T21:00:00Z"},
            {"type": "ReviewRequestedEvent", "at": "2024-03-08T12:00:00Z"},
        ],
    )


def many_reviews_pull() -> dict:
    """A pull request with more reviews than one page asks: bob comments, alice pushes,
    ... and the approval comes after the page."""
    base = pd.Timestamp("2024-04-01T00:00:00Z")
    reviews, timeline = [], []
    for k in range(REVIEWS_PAGE + 5):
        when = base + pd.Timedelta(hours=2 * k + 1)
        state = "APPROVED" if k == REVIEWS_PAGE + 4 else "COMMENTED"
        reviews.append(review("bob", state, when.strftime("%Y-%m-%dT%H:%M:%SZ")))
        commit = when + pd.Timedelta(minutes=30)
        timeline.append({"type": "PullRequestCommit", "at": commit.strftime("%Y-%m-%dT%H:%M:%SZ")})
    merged = (base + pd.Timedelta(days=6)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return make_pull(
        2,
        "2024-04-01T00:00:00Z",
        merged_at=merged,
        author="alice",
        reviews=reviews,
        timeline=timeline,
    )


def stages(engine) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql(select(s.pull_request_stage), conn).set_index("number")


def sync(engine, board, settings, **kw):
    (report,) = sync_board_repos(engine, board, settings, options=FAST, **kw)
    assert report.ok, report.error
    return report


def test_worked_example_and_a_cut_pull_request_are_stored(engine, fake, settings):
    fake.add_repo(REPO, [example_pull(), many_reviews_pull()], [])
    board = make_board(engine, REPO)
    report = sync(engine, board, settings)
    assert report.extra["list_requests"] == 1  # reviews ride along: no request per PR
    row = stages(engine).loc[1]
    assert pd.Timestamp(row["first_review"]).tz_localize(None) == pd.Timestamp("2024-03-06 09:00")
    assert pd.Timestamp(row["last_approval"]).tz_localize(None) == pd.Timestamp("2024-03-09 12:00")
    assert row["wait_days"] == pytest.approx(1.0)
    assert row["review_days"] == pytest.approx(2.625)
    assert row["merge_days"] == pytest.approx(0.5)
    assert row["rounds"] == 3 and row["draft_days"] == pytest.approx(1.5)
    assert not row["cut"]
    cut = stages(engine).loc[2]
    assert cut["cut"]  # 55 reviews, 50 fetched: the approval was beyond the page
    assert cut["rounds"] == REVIEWS_PAGE and math.isnan(cut["review_days"])
    assert cut["wait_days"] == pytest.approx(1 / 24)


def test_a_store_from_before_the_stages_is_filled_by_the_next_sync(sqlite_engine, fake, settings):
    fake.add_repo(REPO, [example_pull(), many_reviews_pull()], [])  # #1 older than #2
    board = make_board(sqlite_engine, REPO)
    sync(sqlite_engine, board, settings)
    with sqlite_engine.begin() as conn:  # as a store migrated to 0009 holds them
        conn.execute(delete(s.pull_request_stage))
    fake.reset_counts()
    report = sync(sqlite_engine, board, settings)  # incremental, yet re-reads all once
    assert report.updated == 0 and report.added == 0
    assert stages(sqlite_engine).loc[1, "rounds"] == 3  # #1 is before the watermark
    fake.reset_counts()
    sync(sqlite_engine, board, settings)
    assert fake.count_of("graphql") <= 2  # then incremental again
