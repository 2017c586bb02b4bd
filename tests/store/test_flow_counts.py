"""The flow counts' local days, looked up in a cached table of local midnights per zone
(widened as pages ask for days outside it), against pandas' own local dates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vger.store import flow_counts
from vger.store.flow_counts import counts_of, local_days

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu"]


def _pandas_days(instants: np.ndarray, tz: str) -> np.ndarray:
    local = pd.DatetimeIndex(instants).tz_localize("UTC").tz_convert(tz).tz_localize(None)
    return (local.to_numpy(dtype="datetime64[D]") - np.datetime64("1970-01-01", "D")).astype(
        np.int64
    )


@pytest.mark.parametrize("tz", ZONES)
def test_local_days_match_local_dates_as_the_table_widens(tz, monkeypatch):
    monkeypatch.setattr(flow_counts, "_MIDNIGHTS", {})
    rng = np.random.default_rng(17)
    # pages far apart in time, later then earlier: the zone's table widens both ways
    for year in ("2024", "2031", "2003", "2024", "1969"):
        start = np.datetime64(f"{year}-01-01T00:00", "ns")
        instants = start + rng.integers(0, 366 * 86_400, 500) * np.timedelta64(1_000_000_000, "ns")
        # and each instant of the zone's midnights, and a nanosecond before each
        days = np.arange(0, 366).astype("timedelta64[D]") + np.datetime64(f"{year}-01-01", "D")
        midnights = (
            pd.DatetimeIndex(days)
            .tz_localize(tz, nonexistent="shift_forward", ambiguous=True)
            .tz_convert("UTC")
            .tz_localize(None)
            .to_numpy(dtype="datetime64[ns]")
        )
        instants = np.concatenate([instants, midnights, midnights - np.timedelta64(1, "ns")])
        assert local_days(instants, tz).tolist() == _pandas_days(instants, tz).tolist()
    first, table = flow_counts._MIDNIGHTS[tz]
    assert first < (np.datetime64("1969-01-01", "D") - np.datetime64("1970-01-01", "D")).astype(int)
    assert first + len(table) > (
        np.datetime64("2031-12-31", "D") - np.datetime64("1970-01-01", "D")
    ).astype(int)


def test_a_page_repeating_an_issue_id_is_refused():
    at = np.array(["2024-01-02T10:00"], dtype="datetime64[ns]")
    issues = {
        "issue_id": ["1", "1"],
        "issue_type": ["Story", "Story"],
        "is_subtask": [False, False],
        "created": np.array(["2024-01-01", "2024-01-01"], dtype="datetime64[ns]"),
        "status_id": ["3", "3"],
    }
    moves = {
        "issue_id": ["1"],
        "seq": [0],
        "at": at,
        "from_status_id": ["1"],
        "to_status_id": ["3"],
    }
    with pytest.raises(pd.errors.InvalidIndexError):
        counts_of(issues, moves, "UTC")
