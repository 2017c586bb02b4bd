"""Distributions behind the lines: the lead-time histogram and the weekly-throughput
histogram (docs/metrics.md, "Distributions")."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from vger.metrics.percentiles import LEVELS, lead_time_levels, likelihood

#: Lead-time bin widths in days: the first that needs at most MAX_BINS bins.
LEAD_TIME_WIDTHS: tuple[int, ...] = (1, 7, 28, 91, 364)
#: Weekly-throughput bin widths in items, likewise.
THROUGHPUT_WIDTHS: tuple[int, ...] = (1, 2, 5, 10, 25, 50, 100, 250, 500, 1000)
MAX_BINS = 62


def _bins(values: np.ndarray, widths: Sequence[int]) -> pd.DataFrame:
    """Bins ``[k·w, (k+1)·w)`` from 0 through the largest value, ``w`` the first of
    ``widths`` that needs at most MAX_BINS bins (the last one otherwise): ``lower``,
    ``upper``, ``count`` (empty bins included, so gaps show)."""
    if values.size == 0:
        return pd.DataFrame({"lower": [], "upper": [], "count": []}).astype(
            {"lower": int, "upper": int, "count": int}
        )
    top = float(values.max())
    width = next((w for w in widths if np.floor(top / w) + 1 <= MAX_BINS), widths[-1])
    index = np.floor(values / width).astype(np.int64)
    counts = np.bincount(index, minlength=int(index.max()) + 1)
    lower = np.arange(len(counts), dtype=np.int64) * width
    return pd.DataFrame({"lower": lower, "upper": lower + width, "count": counts})


def lead_time_histogram(days: Iterable[float]) -> pd.DataFrame:
    """How many items took each span of lead time (days, calendar or working as given):
    bins ``lower ≤ days < upper`` of 1 day, or 7, 28, 91 or 364 days when 1-day bins
    would need more than 62. NaN and negative values are dropped."""
    array = np.asarray(list(days) if not isinstance(days, np.ndarray) else days, dtype=float)
    array = array[~np.isnan(array) & (array >= 0)]
    return _bins(array, LEAD_TIME_WIDTHS)


def throughput_histogram(counts: Iterable[float]) -> pd.DataFrame:
    """How many weeks delivered each number of items: bins ``lower ≤ count < upper`` of
    1 item (wider, 2, 5, 10, 25… items, when 1-item bins would need more than 62).
    Pass the complete weeks only; NaN is dropped."""
    array = np.asarray(list(counts), dtype=float)
    array = array[~np.isnan(array) & (array >= 0)]
    return _bins(array, THROUGHPUT_WIDTHS)


def histogram_marks(
    lead_times: Iterable[float], weekly: Iterable[float], levels: Sequence[int] = LEVELS
) -> tuple[dict[int, float], dict[int, float]]:
    """The marks drawn on the two histograms: the lead-time levels ("L % of items
    finished within T days") and the throughput likelihood ("L % of weeks delivered at
    least T"), the same numbers as the quadrant's lines."""
    return lead_time_levels(lead_times, levels), likelihood(weekly, levels)
