"""Review stages through the real PyGithub client and the fake GitHub's GraphQL: the
docs/metrics.md worked example stored as its ``pull_request_stage`` row, a pull request
with more reviews than one page asks marked cut, a store from before revision 0009
filled by the next sync, and the query asks for no request per pull request."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from sqlalchemy import delete, select

from etl.github_reviews import REVIEWS_PAGE
from etl.github_sync import sync_board_repos
from tests.etl.fake_github import DATA, make_pull
from tests.etl.github_fixtures import FAST, make_board
from tests.etl.review_fixtures import example_pull, many_reviews_pull
from vger.store import schema as s

REPO = "acme/widgets"


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


def test_real_review_timeline_by_hand(sqlite_engine, fake, settings):
    """PyGithub/PyGithub#538 (tests/data/github/pygithub_pr538_reviews.json): allevin's
    PR, created 2017-03-20 21:00:37, approved by jzelinskie 2017-03-22 19:06:59, merged
    2017-03-25 16:52:49; four COMMENTED reviews a year after the merge are ignored."""
    real = json.loads((DATA / "pygithub_pr538_reviews.json").read_text())
    p = real["pull"]
    fake.add_repo(
        "PyGithub/PyGithub",
        [
            make_pull(
                p["number"],
                p["createdAt"],
                merged_at=p["mergedAt"],
                updated_at=p["updatedAt"],
                author=p["author"],
                title=p["title"],
                reviews=[
                    {"login": r["login"], "state": r["state"], "at": r["submittedAt"]}
                    for r in real["reviews"]
                ],
            )
        ],
        [],
    )
    board = make_board(sqlite_engine, "PyGithub/PyGithub", slug="pygithub")
    sync(sqlite_engine, board, settings)
    row = stages(sqlite_engine).loc[538]
    # 03-20 21:00:37 -> 03-22 19:06:59 = 1 d 22:06:22 = 1 + 79 582 / 86 400 days
    assert row["wait_days"] == pytest.approx(1 + 79_582 / 86_400)
    assert row["review_days"] == 0.0  # the first review was the approval
    # 03-22 19:06:59 -> 03-25 16:52:49 = 2 d 21:45:50 = 2 + 78 350 / 86 400 days
    assert row["merge_days"] == pytest.approx(2 + 78_350 / 86_400)
    assert row["rounds"] == 1 and row["draft_days"] == 0.0 and not row["cut"]
