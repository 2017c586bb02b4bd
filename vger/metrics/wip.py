"""Work in progress and net flow (docs/metrics.md, "Work in progress and net flow").

An item is in progress from its ``start`` to its ``done`` (completed or abandoned);
without a done it is still in progress. Items without a start are never in progress.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vger.metrics.calendar import WeekGrid, bucket_index, local_midnight_to_utc, utc_ns


def _started(start: pd.Series, done: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The sorted starts and the sorted dones (NaT dropped) of the items with a start."""
    begin = utc_ns(start)
    end = utc_ns(done)
    has_start = ~np.isnat(begin)
    end = end[has_start]
    return np.sort(begin[has_start]), np.sort(end[~np.isnat(end)])


def daily_wip(start: pd.Series, done: pd.Series, days: pd.DatetimeIndex, tz: str) -> pd.Series:
    """For each local day in ``days`` (tz-naive midnights, team zone ``tz``): the number
    of items in progress at the end of that day (the next local midnight, UTC), i.e.
    with ``start < end-of-day ≤ done`` (or no done). ``start`` and ``done`` are UTC
    instants, one per item."""
    starts, dones = _started(start, done)
    ends = utc_ns(local_midnight_to_utc(pd.DatetimeIndex(days) + pd.Timedelta(days=1), tz))
    counts = np.searchsorted(starts, ends, side="left") - np.searchsorted(dones, ends, side="left")
    return pd.Series(counts.astype(int), index=pd.DatetimeIndex(days, name="day"), name="wip")


def weekly_net_flow(start: pd.Series, done: pd.Series, grid: WeekGrid) -> pd.DataFrame:
    """Per week of ``grid``: ``arrivals`` (items whose ``start`` falls in the week),
    ``departures`` (items with a start whose ``done`` falls in it), ``net`` = arrivals −
    departures, and ``complete``. The net flow of a week is the change of the WIP from
    the end of the previous week to the end of this one."""
    begin = pd.Series(utc_ns(start))
    end = pd.Series(utc_ns(done))
    has_start = ~begin.isna().to_numpy()
    n = len(grid)
    arrivals = bucket_index(pd.to_datetime(begin[has_start], utc=True), grid.starts, grid.ends)
    departures = bucket_index(pd.to_datetime(end[has_start], utc=True), grid.starts, grid.ends)
    a = np.bincount(arrivals[arrivals >= 0], minlength=n)[:n] if n else np.zeros(0, int)
    d = np.bincount(departures[departures >= 0], minlength=n)[:n] if n else np.zeros(0, int)
    return pd.DataFrame(
        {
            "arrivals": a.astype(int),
            "departures": d.astype(int),
            "net": (a - d).astype(int),
            "complete": np.asarray(grid.complete, dtype=bool),
        },
        index=pd.DatetimeIndex(grid.labels, name="week"),
    )
