"""The freshness line, by hand."""

from __future__ import annotations

from datetime import UTC, datetime

from vger.metrics.freshness import freshness

NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)


def test_hours_since_the_last_sync_in_the_team_zone():
    f = freshness(datetime(2026, 11, 18, 11, 30, tzinfo=UTC), NOW, "Europe/Berlin")
    # 3 h 30 min → 3 whole hours; 11:30 UTC is 12:30 in Berlin (CET, UTC+1)
    assert (f.hours, f.stale) == (3, False)
    assert f.text == "Data as of 2026-11-18 12:30 (Europe/Berlin), 3 hours ago."


def test_naive_times_are_utc_and_under_an_hour_says_so():
    f = freshness(datetime(2026, 11, 18, 14, 1), NOW, "UTC")
    assert f.hours == 0 and f.text.endswith("less than an hour ago.")


def test_older_than_two_days_warns():
    at_limit = freshness(datetime(2026, 11, 16, 15, 0, tzinfo=UTC), NOW, "UTC")
    assert (at_limit.hours, at_limit.stale) == (48, False)
    old = freshness(datetime(2026, 11, 15, 14, 0, tzinfo=UTC), NOW, "UTC")
    assert (old.hours, old.stale) == (73, True)
    assert "more than two days (3 days)" in old.text


def test_never_synced():
    f = freshness(None, NOW, "UTC")
    assert f.stale and f.hours is None and "No successful sync" in f.text
