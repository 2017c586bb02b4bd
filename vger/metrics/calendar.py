"""Weeks and fiscal quarters, cut in the team's time zone.

A week runs from Monday 00:00 to the next Monday 00:00 in the team time zone and is
labelled by that Monday's date (a tz-naive midnight ``Timestamp``). Instants are
tz-aware UTC ``Timestamp``s.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

WEEK = pd.Timedelta(days=7)


def local_days(instants: pd.Series, tz: str) -> pd.Series:
    """Local calendar day (tz-naive midnight) of each UTC instant, in zone ``tz``."""
    local = pd.to_datetime(instants, utc=True).dt.tz_convert(tz).dt.tz_localize(None)
    return local.dt.normalize()


def week_labels(instants: pd.Series, tz: str) -> pd.Series:
    """Monday (tz-naive local midnight) of the week that contains each UTC instant."""
    days = local_days(instants, tz)
    return days - pd.to_timedelta(days.dt.day_of_week, unit="D")


def monday_of(day: pd.Timestamp) -> pd.Timestamp:
    """Monday of the week that contains the (tz-naive) day."""
    day = pd.Timestamp(day).normalize()
    return day - pd.Timedelta(days=day.weekday())


def local_midnight_to_utc(labels: pd.DatetimeIndex | pd.Series, tz: str) -> pd.DatetimeIndex:
    """UTC instants of local midnights (DST gaps shift forward, repeats take the first)."""
    idx = pd.DatetimeIndex(labels)
    return idx.tz_localize(tz, nonexistent="shift_forward", ambiguous=True).tz_convert("UTC")


@dataclass(frozen=True)
class WeekGrid:
    """The weeks a chart shows: labels, their UTC bounds and which have ended.

    ``labels``: Mondays (tz-naive, team zone); ``starts``/``ends``: UTC instants;
    ``complete``: the week ended at or before ``now``.
    """

    labels: pd.DatetimeIndex
    starts: pd.DatetimeIndex
    ends: pd.DatetimeIndex
    complete: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)


def week_grid(
    first_day: pd.Timestamp, last_day: pd.Timestamp, tz: str, now: pd.Timestamp
) -> WeekGrid:
    """Every week containing a day of ``first_day..last_day`` (local dates), up to ``now``.

    Weeks that start after ``now`` are not drawn; the week containing ``now`` is
    drawn but not complete.
    """
    now_utc = (
        pd.Timestamp(now).tz_convert("UTC")
        if pd.Timestamp(now).tzinfo
        else pd.Timestamp(now, tz="UTC")
    )
    now_day = now_utc.tz_convert(tz).tz_localize(None).normalize()
    last_day = min(pd.Timestamp(last_day).normalize(), now_day)
    first = monday_of(first_day)
    last = monday_of(last_day)
    if last < first:
        labels = pd.DatetimeIndex([], dtype="datetime64[ns]")
    else:
        labels = pd.date_range(first, last, freq="7D")
    starts = local_midnight_to_utc(labels, tz)
    ends = local_midnight_to_utc(labels + WEEK, tz)
    complete = np.asarray(ends <= now_utc, dtype=bool)
    return WeekGrid(labels=labels, starts=starts, ends=ends, complete=complete)


def fiscal_quarter(day: pd.Timestamp, start_month: int = 1) -> tuple[int, int]:
    """(fiscal year, quarter 1-4) of a local date.

    The fiscal year starts in ``start_month`` and is named after the calendar year in
    which it ends: with a January start FY2024 Q1 = Jan-Mar 2024; with an October start
    FY2024 Q1 = Oct-Dec 2023.
    """
    month_offset = (day.month - start_month) % 12
    year = day.year + (1 if start_month > 1 and day.month >= start_month else 0)
    return year, month_offset // 3 + 1


def quarter_start(day: pd.Timestamp, start_month: int = 1) -> pd.Timestamp:
    """First local midnight of the fiscal quarter that contains ``day``."""
    month_offset = (day.month - start_month) % 12
    months_back = month_offset % 3
    first = pd.Timestamp(year=day.year, month=day.month, day=1) - pd.DateOffset(months=months_back)
    return pd.Timestamp(first)


def quarter_label(day: pd.Timestamp, start_month: int = 1) -> str:
    """``FY2024 Q1`` style label of the quarter containing the local ``day``."""
    year, quarter = fiscal_quarter(day, start_month)
    return f"FY{year} Q{quarter}"


@dataclass(frozen=True)
class QuarterGrid:
    """Fiscal quarters: local start dates, labels, UTC bounds, and which have ended."""

    starts_local: pd.DatetimeIndex
    labels: list[str]
    starts: pd.DatetimeIndex
    ends: pd.DatetimeIndex
    complete: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)


def quarter_grid(
    last_day: pd.Timestamp, count: int, tz: str, start_month: int, now: pd.Timestamp
) -> QuarterGrid:
    """The ``count`` fiscal quarters ending with the one that contains ``last_day``."""
    now_utc = pd.Timestamp(now).tz_convert("UTC")
    last_start = quarter_start(pd.Timestamp(last_day), start_month)
    starts_local = pd.DatetimeIndex(
        [last_start - pd.DateOffset(months=3 * k) for k in range(count - 1, -1, -1)]
    )
    ends_local = pd.DatetimeIndex([s + pd.DateOffset(months=3) for s in starts_local])
    starts = local_midnight_to_utc(starts_local, tz)
    ends = local_midnight_to_utc(ends_local, tz)
    return QuarterGrid(
        starts_local=starts_local,
        labels=[quarter_label(s, start_month) for s in starts_local],
        starts=starts,
        ends=ends,
        complete=np.asarray(ends <= now_utc, dtype=bool),
    )


def utc_ns(instants: pd.Series | pd.DatetimeIndex | list) -> np.ndarray:
    """UTC instants as a tz-naive ``datetime64[ns]`` array (NaT kept)."""
    if isinstance(instants, pd.Series | pd.DatetimeIndex) and instants.dtype.kind == "M":
        # already instants (naive ones are UTC): their epoch values as they are, without
        # parsing and localising again (52 calls for one 13-week quadrant)
        values = instants.array
        return values.asi8.view(f"datetime64[{values.unit}]").astype("datetime64[ns]")
    index = pd.DatetimeIndex(pd.to_datetime(instants, utc=True))
    return index.tz_localize(None).to_numpy(dtype="datetime64[ns]")


def bucket_index(
    instants: pd.Series, starts: pd.DatetimeIndex, ends: pd.DatetimeIndex
) -> np.ndarray:
    """Index of the [start, end) bucket holding each UTC instant, or -1 when outside."""
    if len(starts) == 0:
        return np.full(len(instants), -1, dtype=np.int64)
    stamps = utc_ns(instants)
    start_ns = utc_ns(starts)
    end_ns = utc_ns(ends)
    pos = np.searchsorted(start_ns, stamps, side="right") - 1
    valid = (pos >= 0) & ~np.isnat(stamps)
    pos_clipped = np.clip(pos, 0, len(start_ns) - 1)
    valid &= stamps < end_ns[pos_clipped]
    return np.where(valid, pos, -1)
