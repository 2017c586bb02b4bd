"""Fiscal quarters and the week rules (METRICS.md, "Weekly charts" and "Quarterly page")."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vger.metrics.calendar import (
    fiscal_quarter,
    quarter_grid,
    quarter_label,
    quarter_start,
    week_grid,
    week_labels,
)
from vger.metrics.quadrant import QuadrantOptions, weekly_quadrant
from vger.metrics.quarterly import quarterly_throughput
from vger.metrics.throughput import rolling_likelihood, weekly_counts
from vger.metrics.variation import coefficient_of_variation, rolling_variation

UTC = "UTC"
D = pd.Timestamp


def ts(text: str, tz: str = UTC) -> pd.Timestamp:
    return pd.Timestamp(text, tz=tz)


# --- Fiscal quarters ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "label"),
    [
        ("2024-01-01", "FY2024 Q1"),
        ("2024-03-31", "FY2024 Q1"),
        ("2024-04-01", "FY2024 Q2"),
        ("2024-09-30", "FY2024 Q3"),
        ("2024-12-31", "FY2024 Q4"),
    ],
)
def test_quarter_labels_with_a_january_start(day, label):
    assert quarter_label(D(day)) == label


@pytest.mark.parametrize(
    ("day", "label", "start"),
    [
        ("2023-10-01", "FY2024 Q1", "2023-10-01"),
        ("2023-12-31", "FY2024 Q1", "2023-10-01"),
        ("2024-01-01", "FY2024 Q2", "2024-01-01"),
        ("2024-06-15", "FY2024 Q3", "2024-04-01"),
        ("2024-09-30", "FY2024 Q4", "2024-07-01"),
        ("2024-10-01", "FY2025 Q1", "2024-10-01"),
    ],
)
def test_quarter_labels_with_an_october_start(day, label, start):
    assert quarter_label(D(day), 10) == label
    assert quarter_start(D(day), 10) == D(start)


def test_fiscal_year_is_named_after_the_year_it_ends_for_every_start_month():
    for start_month in range(1, 13):
        for month in range(1, 13):
            day = D(year=2024, month=month, day=15)
            year, quarter = fiscal_quarter(day, start_month)
            fiscal_start = D(year=year - (start_month > 1), month=start_month, day=1)
            fiscal_end = fiscal_start + pd.DateOffset(years=1)
            assert fiscal_start <= day < fiscal_end
            assert (fiscal_end - pd.Timedelta(days=1)).year == year
            assert quarter == (month - start_month) % 12 // 3 + 1
            q_start = quarter_start(day, start_month)
            assert q_start <= day < q_start + pd.DateOffset(months=3)
            assert (q_start.month - start_month) % 3 == 0


def test_quarter_grid_with_an_october_start():
    grid = quarter_grid(D("2024-02-10"), 3, UTC, 10, ts("2024-02-10"))
    assert grid.labels == ["FY2023 Q4", "FY2024 Q1", "FY2024 Q2"]
    assert list(grid.starts_local) == [D("2023-07-01"), D("2023-10-01"), D("2024-01-01")]
    assert grid.complete.tolist() == [True, True, False]
    frame, _ = quarterly_throughput(pd.Series([ts("2023-12-31 12:00")]), grid)
    assert frame["start"].astype(str).tolist() == ["2023-07-01", "2023-10-01", "2024-01-01"]
    assert frame["end"].astype(str).tolist() == ["2023-09-30", "2023-12-31", "2024-03-31"]
    assert frame["count"].tolist() == [0, 1, 0]


@pytest.mark.parametrize(
    ("tz", "boundary_utc"),
    [
        ("UTC", "2024-01-01 00:00"),
        ("Europe/Berlin", "2023-12-31 23:00"),
        ("America/Los_Angeles", "2024-01-01 08:00"),
        ("Pacific/Kiritimati", "2023-12-31 10:00"),
    ],
)
def test_quarter_boundaries_are_cut_in_the_team_time_zone(tz, boundary_utc):
    grid = quarter_grid(D("2024-01-15"), 2, tz, 1, ts("2024-06-01"))
    assert grid.labels == ["FY2023 Q4", "FY2024 Q1"]
    assert grid.starts[1] == ts(boundary_utc) == grid.ends[0]
    just_before = ts(boundary_utc) - pd.Timedelta(minutes=1)
    frame, _ = quarterly_throughput(pd.Series([just_before, ts(boundary_utc)]), grid)
    assert frame["count"].tolist() == [1, 1]


# --- Weeks ---------------------------------------------------------------------------


@pytest.mark.parametrize("tz", ["UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo"])
def test_weeks_start_monday_midnight_in_the_team_zone(tz):
    grid = week_grid(D("2024-03-20"), D("2024-04-10"), tz, ts("2024-06-01"))
    assert all(label.weekday() == 0 for label in grid.labels)
    assert [d.date().isoformat() for d in grid.labels] == [
        "2024-03-18",
        "2024-03-25",
        "2024-04-01",
        "2024-04-08",
    ]
    local_starts = grid.starts.tz_convert(tz)
    assert all((s.hour, s.minute, s.weekday()) == (0, 0, 0) for s in local_starts)
    assert (grid.starts[1:] == grid.ends[:-1]).all()
    assert all(
        s.tz_localize(None) == label for s, label in zip(local_starts, grid.labels, strict=True)
    )


def test_dst_week_is_one_hour_short_in_berlin():
    grid = week_grid(D("2024-03-25"), D("2024-03-31"), "Europe/Berlin", ts("2024-06-01"))
    assert grid.ends[0] - grid.starts[0] == pd.Timedelta(hours=167)


def test_week_label_of_an_instant():
    instants = pd.Series(
        [ts("2024-01-07 23:59:59"), ts("2024-01-08 00:00"), ts("2024-01-08 04:30")]
    )
    assert week_labels(instants, UTC).tolist() == [
        D("2024-01-01"),
        D("2024-01-08"),
        D("2024-01-08"),
    ]
    assert week_labels(instants, "America/New_York").tolist() == [D("2024-01-01")] * 3


def test_a_range_shows_every_week_containing_one_of_its_days():
    # Wednesday 2024-01-03 .. Tuesday 2024-01-16: three whole weeks.
    grid = week_grid(D("2024-01-03"), D("2024-01-16"), UTC, ts("2024-02-01"))
    assert [d.date().isoformat() for d in grid.labels] == ["2024-01-01", "2024-01-08", "2024-01-15"]
    assert grid.starts[0] == ts("2024-01-01") and grid.ends[-1] == ts("2024-01-22")
    # A completion on Monday 2024-01-01 (before `from`) counts: weeks are counted whole.
    counts = weekly_counts(pd.Series([ts("2024-01-01 01:00"), ts("2024-01-21 23:00")]), grid)
    assert counts.tolist() == [1, 0, 1]


def test_single_day_range_shows_its_week():
    grid = week_grid(D("2024-01-07"), D("2024-01-07"), UTC, ts("2024-02-01"))
    assert [d.date().isoformat() for d in grid.labels] == ["2024-01-01"]


def test_in_progress_week_is_drawn_but_not_complete_and_future_weeks_are_not_drawn():
    grid = week_grid(D("2024-01-01"), D("2024-02-28"), UTC, ts("2024-01-17 10:00"))
    assert [d.date().isoformat() for d in grid.labels] == ["2024-01-01", "2024-01-08", "2024-01-15"]
    assert grid.complete.tolist() == [True, True, False]
    # The week is complete at its Monday 00:00 end exactly.
    grid = week_grid(D("2024-01-01"), D("2024-01-14"), UTC, ts("2024-01-15 00:00"))
    assert grid.complete.tolist() == [True, True]


def make_items(done: list[pd.Timestamp], lead: list[float] | None = None) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "issue_id": [f"{k}" for k in range(len(done))],
            "key": [f"K-{k}" for k in range(len(done))],
            "created": [d - pd.Timedelta(days=2) for d in done],
            "done": done,
            "outcome": "completed",
            "lead_time": lead if lead is not None else [2.0] * len(done),
        }
    )


def weekly_done(counts: list[int], first_monday: str = "2024-01-01") -> list[pd.Timestamp]:
    out = []
    for week, count in enumerate(counts):
        monday = ts(first_monday) + pd.Timedelta(weeks=week)
        out += [monday + pd.Timedelta(days=2, hours=10 + n % 8) for n in range(count)]
    return out


@pytest.mark.parametrize("rolling", [True, False])
def test_in_progress_week_is_excluded_from_every_statistic(rolling):
    counts = [3, 5, 2, 8]
    done = weekly_done(counts)
    leads = [float(k % 5 + 1) for k in range(len(done))]
    # The in-progress week (2024-01-29) has a flood of very slow items.
    flood = [ts("2024-01-30 09:00") + pd.Timedelta(minutes=k) for k in range(50)]
    items = make_items(done + flood, leads + [100.0] * 50)
    opts = QuadrantOptions(
        D("2024-01-01"), D("2024-02-04"), UTC, ts("2024-01-31 12:00"), window=12, rolling=rolling
    )
    quadrant = weekly_quadrant(items, opts)
    assert quadrant.throughput["count"].tolist() == [*counts, 50]  # drawn
    assert quadrant.throughput["complete"].tolist() == [True] * 4 + [False]
    assert quadrant.complete_weeks == 4
    last = quadrant.throughput.iloc[-1]
    assert np.isnan([last[50], last[80], last[90]]).all()
    assert np.isnan(quadrant.variation.iloc[-1])
    assert quadrant.lead_time.iloc[-1].isna().all()
    # Statistics of the complete weeks ignore the flood.
    complete_week = quadrant.throughput.iloc[3]
    expected = np.quantile(counts, [0.5, 0.2, 0.1])
    assert [complete_week[50], complete_week[80], complete_week[90]] == pytest.approx(expected)
    assert quadrant.variation.iloc[3] == pytest.approx(np.std(counts) / np.mean(counts))
    assert quadrant.lead_time.iloc[3].tolist() == pytest.approx(np.quantile(leads, [0.5, 0.8, 0.9]))
    assert quadrant.lead_time_overall == pytest.approx(
        dict(zip((50, 80, 90), np.quantile(leads, [0.5, 0.8, 0.9]), strict=True))
    )


def test_rolling_windows_reach_back_before_from_when_data_exists():
    counts = [1, 9, 9, 9, 2, 4]  # weeks 2024-01-01 .. 2024-02-05
    items = make_items(weekly_done(counts))
    opts = QuadrantOptions(D("2024-02-05"), D("2024-02-11"), UTC, ts("2024-02-12"), window=3)
    quadrant = weekly_quadrant(items, opts)
    assert [d.date().isoformat() for d in quadrant.grid.labels] == ["2024-02-05"]
    row = quadrant.throughput.iloc[0]
    assert row["count"] == 4
    window = [9, 2, 4]
    assert [row[50], row[80], row[90]] == pytest.approx(np.quantile(window, [0.5, 0.2, 0.1]))
    assert quadrant.variation.iloc[0] == pytest.approx(np.std(window) / np.mean(window))
    assert quadrant.history_weeks == 3


def test_rolling_windows_use_fewer_weeks_when_fewer_exist():
    counts = [4, 2, 6]
    items = make_items(weekly_done(counts, "2024-01-15"))
    opts = QuadrantOptions(D("2024-01-15"), D("2024-02-04"), UTC, ts("2024-02-05"), window=12)
    quadrant = weekly_quadrant(items, opts)
    assert quadrant.throughput["count"].tolist() == counts
    # Week 1: one week is enough for likelihood, not for variation.
    first = quadrant.throughput.iloc[0]
    assert [first[50], first[80], first[90]] == [4.0, 4.0, 4.0]
    assert np.isnan(quadrant.variation.iloc[0])
    # Week 2: two weeks -> variation defined.
    assert quadrant.variation.iloc[1] == pytest.approx(np.std([4, 2]) / 3.0)
    assert quadrant.throughput.iloc[2][50] == pytest.approx(4.0)
    assert quadrant.history_weeks == 3


def test_no_data_means_no_reach_back():
    items = make_items([])
    opts = QuadrantOptions(D("2024-01-15"), D("2024-01-28"), UTC, ts("2024-02-05"), window=12)
    quadrant = weekly_quadrant(items, opts)
    assert len(quadrant.grid) == 2
    assert quadrant.complete_weeks == 2
    assert quadrant.history_weeks == 2
    assert quadrant.throughput["count"].tolist() == [0, 0]
    assert quadrant.variation.isna().all()  # mean 0: a gap, not 0


def test_history_weeks_counts_the_window_of_the_last_complete_week():
    counts = [1] * 14
    items = make_items(weekly_done(counts))
    # Week 2024-04-01 (the 14th) is in progress: the last statistic uses 12 complete weeks.
    opts = QuadrantOptions(D("2024-03-01"), D("2024-04-07"), UTC, ts("2024-04-03"), window=12)
    quadrant = weekly_quadrant(items, opts)
    assert not quadrant.grid.complete[-1]
    assert quadrant.history_weeks == 12


def test_variation_is_a_gap_when_the_mean_is_zero():
    assert np.isnan(coefficient_of_variation(np.array([0.0, 0.0, 0.0])))
    assert np.isnan(coefficient_of_variation(np.array([5.0])))
    assert coefficient_of_variation(np.array([2.0, 2.0])) == 0.0
    grid = week_grid(D("2024-01-01"), D("2024-01-28"), UTC, ts("2024-02-01"))
    counts = weekly_counts(pd.Series([ts("2024-01-24 10:00")]), grid)
    assert counts.tolist() == [0, 0, 0, 1]
    variation = rolling_variation(counts, grid.complete, 2)
    assert np.isnan(variation.iloc[0])  # one week
    assert np.isnan(variation.iloc[1]) and np.isnan(variation.iloc[2])  # mean 0
    assert variation.iloc[3] == pytest.approx(1.0)  # [0, 1]: std 0.5 / mean 0.5
    rolling = rolling_likelihood(counts, grid.complete, 2)
    assert rolling[50].tolist() == [0.0, 0.0, 0.0, 0.5]
