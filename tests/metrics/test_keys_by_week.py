"""keys_by_week: each week's completed keys by done time, keys completed at the same
instant by key; items outside the grid or without a done time are left out."""

from __future__ import annotations

import pandas as pd

from vger.metrics.calendar import week_grid
from vger.metrics.quadrant import keys_by_week

NOW = pd.Timestamp("2026-03-20 12:00", tz="UTC")


def _grid(tz: str = "UTC"):
    return week_grid(pd.Timestamp("2026-03-02"), pd.Timestamp("2026-03-20"), tz, NOW)


def test_keys_by_done_time_then_key_within_each_week():
    at = pd.Timestamp("2026-03-03 09:00", tz="UTC")
    completed = pd.DataFrame(
        {
            "key": ["B-2", "A-9", "C-1", "A-10", "Z-1", "OLD-1", "OPEN-1"],
            "done": [
                at,
                at,  # same instant as B-2: by key
                at - pd.Timedelta(seconds=1),  # earlier: first
                at + pd.Timedelta(days=7),  # the next week
                at,  # same instant again
                pd.Timestamp("2026-02-01", tz="UTC"),  # before the grid
                pd.NaT,
            ],
        }
    )
    rows = keys_by_week(completed, _grid())
    assert rows["week"].tolist() == ["2026-03-02", "2026-03-09", "2026-03-16"]
    assert rows["keys"].tolist() == ["C-1 A-9 B-2 Z-1", "A-10", ""]
    assert rows["count"].tolist() == [4, 1, 0]
    assert rows["complete"].tolist() == [True, True, False]


def test_keys_that_are_not_text_are_written_as_text():
    at = pd.Timestamp("2026-03-10 09:00", tz="UTC")
    completed = pd.DataFrame({"key": pd.Series([12, 3], dtype=object), "done": [at, at]})
    assert keys_by_week(completed, _grid("Europe/Berlin"))["keys"].tolist() == ["", "12 3", ""]
