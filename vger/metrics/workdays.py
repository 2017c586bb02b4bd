"""Working-day durations: Saturdays and Sundays in the team time zone do not count.

Exact and fractional, no holiday calendar. A duration is the difference of a
cumulative "working seconds since 1970-01-01 (local wall time)" clock.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SECONDS_PER_DAY = 86_400.0
_EPOCH_DAY = np.datetime64("1970-01-01", "D")


def working_clock(instants: pd.Series | pd.DatetimeIndex, tz: str) -> np.ndarray:
    """Working seconds elapsed from 1970-01-01 local to each UTC instant (float; NaN for NaT).

    Weekend time adds nothing; weekday time adds one second per second of local
    wall-clock time.
    """
    index = pd.DatetimeIndex(pd.to_datetime(instants, utc=True)).tz_convert(tz).tz_localize(None)
    return local_working_clock(index.to_numpy(dtype="datetime64[ns]"))


def local_working_clock(ns: np.ndarray) -> np.ndarray:
    """:func:`working_clock` of local wall-clock times (naive ``datetime64[ns]``; NaT
    gives NaN). In UTC the wall time is the instant: callers skip the zone conversion."""
    missing = np.isnat(ns)
    safe = np.where(missing, np.datetime64(0, "ns"), ns)
    days = safe.astype("datetime64[D]")
    business_days = np.busday_count(_EPOCH_DAY, days).astype(float)
    seconds_into_day = (safe - days.astype("datetime64[ns]")).astype("timedelta64[ns]").astype(
        np.int64
    ) / 1e9
    clock = business_days * SECONDS_PER_DAY + np.where(np.is_busday(days), seconds_into_day, 0.0)
    return np.where(missing, np.nan, clock)
