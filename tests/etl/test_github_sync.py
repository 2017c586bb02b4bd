"""GitHub ETL against the fake GitHub server, through the real PyGithub client."""

from __future__ import annotations

import logging
import math
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select

from etl.github_sync import sync_board_repos
from tests.etl.fake_github import (
    DATA,
    TOKEN,
    alloy_pulls,
    alloy_tags,
    make_pull,
    make_tag,
)
from tests.etl.github_fixtures import FAST, make_board, synthetic
from vger.metrics.pulls import weekly_volume
from vger.metrics.quadrant import QuadrantOptions, weekly_quadrant
from vger.store import schema as s
from vger.store.queries import board_tags, pull_items
from vger.store.sync import acquire_lock, runs

ALLOY = "tidev/alloy"


def stored_pulls(engine) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql(select(s.pull_request), conn)


def n_pulls(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(s.pull_request)).scalar_one()


def sync(engine, board, settings, **kw):
    (report,) = sync_board_repos(engine, board, settings, options=kw.pop("options", FAST), **kw)
    return report


# -- transform (pure) --------------------------------------------------------------------


def test_github_alloy_full_then_no_change_sync(engine, fake, settings):
    fake.add_repo(ALLOY, alloy_pulls(), alloy_tags())
    board = make_board(engine, ALLOY)
    report = sync(engine, board, settings)
    assert report.ok, report.error
    assert report.added == 668 and report.updated == 0
    # N/100 list requests carry the line counts too; tags: 163 -> 2 requests
    assert report.extra["list_requests"] == math.ceil(668 / 100) == 7
    assert report.extra["tag_requests"] == 2
    assert report.requests == fake.count == 9
    frame = stored_pulls(engine)
    assert len(frame) == 668 and set(frame["state"]) == {"merged"}
    csv = pd.read_csv(DATA / "tidev_alloy_pulls.csv.gz").set_index("number")
    frame = frame.set_index("number").sort_index()
    assert (frame["additions"] == csv.loc[frame.index, "additions"]).all()
    assert (frame["deletions"] == csv.loc[frame.index, "deletions"]).all()
    assert frame.loc[4, "url"] == "https://github.com/tidev/alloy/pull/4"
    with engine.connect() as conn:
        tags = board_tags(conn, board).set_index("name")
    tag_csv = pd.read_csv(DATA / "tidev_alloy_tags.csv.gz").set_index("tag")
    expected = pd.to_datetime(
        tag_csv["tagged_at"].where(tag_csv["annotated"] == 1, tag_csv["commit_committed_at"]),
        utc=True,
    )
    assert len(tags) == 163
    assert (tags["at"] == expected.loc[tags.index]).all()

    fake.reset_counts()
    again = sync(engine, board, settings)
    assert again.ok and again.added == 0 and again.updated == 0
    assert fake.count == again.requests <= 2


def test_github_alloy_metrics_match_the_csv(sqlite_engine, fake, settings):
    engine = sqlite_engine
    fake.add_repo(ALLOY, alloy_pulls(), alloy_tags())
    board = make_board(engine, ALLOY)
    assert sync(engine, board, settings).ok
    with engine.connect() as conn:
        items = pull_items(conn, board)
    opts = QuadrantOptions(
        first_day=pd.Timestamp("2013-01-01"),
        last_day=pd.Timestamp("2014-12-31"),
        tz="UTC",
        now=pd.Timestamp("2025-12-01", tz="UTC"),
        window=12,
        rolling=False,
    )
    quadrant = weekly_quadrant(items, opts)

    # Independent expectation: plain pandas/numpy over the CSV.
    csv = pd.read_csv(DATA / "tidev_alloy_pulls.csv.gz")
    merged = pd.to_datetime(csv["merged_at"], utc=True)
    created = pd.to_datetime(csv["first_commit_authored_at"], utc=True)
    week = merged.dt.tz_localize(None).dt.normalize() - pd.to_timedelta(
        merged.dt.day_of_week, unit="D"
    )
    weeks = pd.date_range("2012-12-31", "2014-12-29", freq="7D")
    expected_counts = week.value_counts().reindex(weeks, fill_value=0)
    assert list(quadrant.throughput.index) == list(weeks)
    assert quadrant.throughput["count"].tolist() == expected_counts.tolist()
    assert quadrant.throughput["count"].sum() == ((week >= weeks[0]) & (week <= weeks[-1])).sum()

    in_range = (week >= weeks[0]) & (week <= weeks[-1])
    lead = ((merged - created).dt.total_seconds() / 86400.0)[in_range].to_numpy()
    for level in (50, 80, 90):
        assert quadrant.lead_time_overall[level] == pytest.approx(np.quantile(lead, level / 100))

    volume = weekly_volume(items, quadrant.grid)
    lines = (csv["additions"] + csv["deletions"])[in_range]
    expected_volume = lines.groupby(week[in_range]).sum().reindex(weeks, fill_value=0)
    assert volume["merged"].tolist() == expected_volume.tolist()
    assert volume["rejected"].sum() == 0


# -- incremental runs ------------------------------------------------------------------------


def test_github_incremental_picks_up_changes(engine, fake, settings):
    fake.add_repo("o/r", synthetic(250))
    board = make_board(engine, "o/r")
    first = sync(engine, board, settings)
    assert first.ok and first.added == 250 and first.requests == 3 + 1

    later = "2030-01-01T00:00:00Z"
    fake.update_pull("o/r", 10, merged_at=None, closed_at=later, updated_at=later)
    fake.add_pull("o/r", make_pull(251, later, updated_at=later, draft=True, author=None))
    fake.reset_counts()
    second = sync(engine, board, settings)
    assert second.ok, second.error
    assert (second.added, second.updated) == (1, 1)
    assert fake.count == second.requests == 2
    frame = stored_pulls(engine).set_index("number")
    assert frame.loc[10, "state"] == "rejected" and pd.isna(frame.loc[10, "merged"])
    assert frame.loc[251, "state"] == "open" and bool(frame.loc[251, "draft"])

    fake.reset_counts()
    full = sync(engine, board, settings, full=True)
    assert full.ok and (full.added, full.updated) == (0, 0)
    assert full.extra["list_requests"] == 3 and fake.count == 4


def test_github_new_tag_on_old_commit_is_found(sqlite_engine, fake, settings):
    tags = [make_tag(f"v{k}", f"{k:040d}", f"2024-01-{k:02d}T00:00:00Z") for k in range(1, 21)]
    fake.add_repo("o/r", synthetic(5), tags)
    board = make_board(sqlite_engine, "o/r")
    opts = FAST.__class__(**{**FAST.__dict__, "page_size": 5})
    assert sync(sqlite_engine, board, settings, options=opts).ok
    fake.add_tag("o/r", make_tag("old-fix", "9" * 40, "2023-01-01T00:00:00Z"))
    report = sync(sqlite_engine, board, settings, options=opts)
    assert report.ok and report.extra["tags"] == 1
    with sqlite_engine.connect() as conn:
        assert "old-fix" in set(board_tags(conn, board)["name"])


def test_github_tags_deleted_upstream_vanish(engine, fake, settings):
    """A tag deleted on GitHub leaves the store (and so the overlays) on the next pass
    that reads every tag page: an incremental run whose upstream count no longer matches,
    and a full run."""
    tags = [make_tag(f"v{k}", f"{k:040d}", f"2024-01-{k:02d}T00:00:00Z") for k in range(1, 21)]
    fake.add_repo("o/r", synthetic(5), tags)
    board = make_board(engine, "o/r")
    opts = FAST.__class__(**{**FAST.__dict__, "page_size": 5})
    assert sync(engine, board, settings, options=opts).ok
    fake.delete_tag("o/r", "v3")  # an old tag: on the last page
    report = sync(engine, board, settings, options=opts)
    assert report.ok and report.extra["tags_removed"] == 1
    with engine.connect() as conn:
        names = set(board_tags(conn, board)["name"])
    assert names == {f"v{k}" for k in range(1, 21)} - {"v3"}
    fake.delete_tag("o/r", "v20")
    fake.add_tag("o/r", make_tag("v21", "8" * 40, "2024-01-25T00:00:00Z"))  # count unchanged
    report = sync(engine, board, settings, full=True, options=opts)
    assert report.ok and report.extra["tags_removed"] == 1 and report.extra["tags"] == 1
    with engine.connect() as conn:
        names = set(board_tags(conn, board)["name"])
    assert names == ({f"v{k}" for k in range(1, 22)} - {"v3", "v20"})


# -- rate limits -----------------------------------------------------------------------------


def test_github_budget_reserve_stops_cleanly_and_resumes(engine, fake, settings):
    fake.add_repo("o/r", synthetic(1000))
    board = make_board(engine, "o/r")
    fake.remaining = 53  # the reserve is 50: four pages (49 left), then stop
    stopped = sync(engine, board, settings)
    assert not stopped.ok
    assert "o/r" in stopped.error and "resets at" in stopped.error
    reset = datetime.fromtimestamp(fake.reset_at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    assert reset in stopped.error
    assert fake.count == stopped.requests == 4
    assert n_pulls(engine) == 400  # kept
    with engine.connect() as conn:
        (last,) = runs(conn, "github", "github:o/r", limit=1)
    assert last["status"] == "failed" and last["cursor"]

    fake.remaining = 5000
    fake.reset_counts()
    resumed = sync(engine, board, settings)
    assert resumed.ok, resumed.error
    assert n_pulls(engine) == 1000 and resumed.added == 600
    # the rest of the interrupted pass (6 pages), the head check (1) and tags (1)
    assert fake.count == resumed.requests == 8
    fake.reset_counts()
    assert sync(engine, board, settings).requests == 2 == fake.count


@pytest.mark.parametrize("status", [200, 403])  # GraphQL RATE_LIMITED error, or a 403
def test_github_primary_limit_exhausted_stops_without_waiting(
    sqlite_engine, fake, settings, status
):
    fake.add_repo("o/r", synthetic(10))
    board = make_board(sqlite_engine, "o/r")
    fake.remaining = 0
    fake.graphql_limit_status = status
    report = sync(sqlite_engine, board, settings)
    assert not report.ok
    assert report.error.startswith("o/r: GitHub rate limit exhausted; it resets at")
    assert n_pulls(sqlite_engine) == 0


@pytest.mark.parametrize("status", [403, 429])
def test_github_secondary_limit_is_retried(sqlite_engine, fake, settings, status):
    fake.add_repo("o/r", synthetic(10))
    board = make_board(sqlite_engine, "o/r")
    fake.secondary(1, status=status, retry_after=0)
    report = sync(sqlite_engine, board, settings)
    assert report.ok, report.error
    assert report.extra["retries"] == 1
    assert fake.count == report.requests == 3
    assert n_pulls(sqlite_engine) == 10


def test_github_rejected_cursor_falls_back_to_the_watermark(sqlite_engine, fake, settings):
    engine = sqlite_engine
    fake.add_repo("o/r", synthetic(300))
    board = make_board(engine, "o/r")
    fake.remaining = 51
    assert not sync(engine, board, settings).ok
    assert n_pulls(engine) == 200
    with engine.begin() as conn:
        conn.execute(
            s.sync.update().values(cursor='{"after": "not a cursor", "floor": null, "top": null}')
        )
    fake.remaining = 5000
    report = sync(engine, board, settings)
    assert report.ok, report.error
    assert n_pulls(engine) == 300 and report.added == 100


# -- faults ------------------------------------------------------------------------------


def test_github_502_retried_then_reported(engine, fake, settings):
    fake.add_repo("o/r", synthetic(150))
    board = make_board(engine, "o/r")
    fake.fail(2, 502)
    report = sync(engine, board, settings)
    assert report.ok and report.extra["retries"] == 2 and fake.count == report.requests == 5

    fake.add_pull("o/r", make_pull(151, "2031-01-01T00:00:00Z"))
    fake.fail(10, 502)
    fake.reset_counts()
    failed = sync(engine, board, settings)
    assert not failed.ok
    assert failed.error == "o/r: GitHub answered 502 after 3 retries: Server Error"
    assert fake.count == failed.requests == 4  # first attempt + 3 retries
    assert n_pulls(engine) == 150  # nothing stored is lost
    fake.clear_faults()
    assert sync(engine, board, settings).added == 1


def test_github_unknown_repo_and_other_repo_still_syncs(sqlite_engine, fake, settings):
    fake.add_repo("o/r", synthetic(3))
    board = make_board(sqlite_engine, "o/missing", "o/r")
    missing, ok = sync_board_repos(sqlite_engine, board, settings, options=FAST)
    assert missing.scope == "o/missing" and not missing.ok
    assert missing.error.startswith("o/missing: repository not found on GitHub (404)")
    assert "\n" not in missing.error
    assert ok.ok and ok.added == 3


def test_github_bad_token_is_one_line_without_the_token(sqlite_engine, fake, settings, caplog):
    fake.add_repo("o/r", synthetic(3))
    board = make_board(sqlite_engine, "o/r")
    fake.token = "another-token"
    with caplog.at_level(logging.DEBUG):
        (report,) = sync_board_repos(sqlite_engine, board, settings, options=FAST)
    assert not report.ok
    assert report.error == (
        "o/r: GitHub rejected the token (401 Bad credentials); check VGER_GITHUB_TOKEN"
    )
    assert TOKEN not in caplog.text and TOKEN not in report.line()
    with sqlite_engine.connect() as conn:
        assert TOKEN not in str(runs(conn, "github"))


def test_github_empty_answer_is_an_error_not_a_deletion(engine, fake, settings):
    fake.add_repo("o/r", synthetic(20))
    board = make_board(engine, "o/r")
    assert sync(engine, board, settings).ok
    fake.blank("o/r")
    report = sync(engine, board, settings)
    assert not report.ok and "no pull requests" in report.error and "o/r" in report.error
    assert n_pulls(engine) == 20
    fake.blank("o/r", False)
    assert sync(engine, board, settings).ok


def test_github_locked_repository_is_reported(sqlite_engine, fake, settings):
    fake.add_repo("o/r", synthetic(3))
    board = make_board(sqlite_engine, "o/r")
    with sqlite_engine.begin() as conn:
        acquire_lock(conn, "github:o/r", "someone-else")
    report = sync(sqlite_engine, board, settings)
    assert not report.ok and "another sync is running" in report.error
    assert fake.count == 0


def test_github_no_token_reports_each_repo(sqlite_engine, fake, settings):
    board = make_board(sqlite_engine, "o/r")
    (report,) = sync_board_repos(
        sqlite_engine, board, settings.model_copy(update={"github_token": None}), options=FAST
    )
    assert not report.ok and "VGER_GITHUB_TOKEN" in report.error


def test_github_progress_bar_on_a_full_sync(sqlite_engine, fake, settings, capsys):
    fake.add_repo("o/r", synthetic(120))
    board = make_board(sqlite_engine, "o/r")
    report = sync(sqlite_engine, board, settings, progress=True)
    assert report.ok and report.added == 120
    assert "o/r" in capsys.readouterr().err
