"""The one percentile rule used everywhere: linear interpolation between closest
ranks (Hyndman-Fan type 7, the ``numpy.quantile`` default)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

LEVELS: tuple[int, ...] = (50, 80, 90)


def percentile(values: Iterable[float], pct: float) -> float:
    """The ``pct``-th percentile (0-100) of ``values``; NaN when there are none."""
    array = np.asarray(list(values) if not isinstance(values, np.ndarray) else values, dtype=float)
    array = array[~np.isnan(array)]
    if array.size == 0:
        return float("nan")
    return float(np.quantile(array, pct / 100.0))


def likelihood(counts: Iterable[float], levels: Sequence[int] = LEVELS) -> dict[int, float]:
    """Throughput likelihood: for each L, the count T such that L % of periods
    delivered at least T, i.e. the (100 - L)-th percentile of the period counts."""
    array = np.asarray(list(counts), dtype=float)
    return {level: percentile(array, 100 - level) for level in levels}


def lead_time_levels(days: Iterable[float], levels: Sequence[int] = LEVELS) -> dict[int, float]:
    """Lead-time lines: for each L, "L % of items finished within T days" = the L-th
    percentile of the lead times (days)."""
    array = np.asarray(list(days), dtype=float)
    return {level: percentile(array, level) for level in levels}
