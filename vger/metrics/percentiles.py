"""The one percentile rule used everywhere: linear interpolation between closest
ranks (Hyndman-Fan type 7, the ``numpy.quantile`` default)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

LEVELS: tuple[int, ...] = (50, 80, 90)


def _floats(values: Iterable[float]) -> np.ndarray:
    """``values`` as a float array without NaN (an array is taken as it is, not listed)."""
    array = np.asarray(values if isinstance(values, np.ndarray) else list(values), dtype=float)
    return array[~np.isnan(array)]


def percentiles(values: Iterable[float], pcts: Sequence[float]) -> list[float]:
    """The ``pcts``-th percentiles (0-100) of ``values``, in order; NaN when there are
    none. One ``numpy.quantile`` call for every level: the same numbers as one call per
    level (each is the same interpolation between the same order statistics)."""
    array = _floats(values)
    if array.size == 0 or not len(pcts):
        return [float("nan")] * len(pcts)
    return np.quantile(array, np.asarray(pcts, dtype=float) / 100.0).tolist()


def percentile(values: Iterable[float], pct: float) -> float:
    """The ``pct``-th percentile (0-100) of ``values``; NaN when there are none."""
    return percentiles(values, (pct,))[0]


def likelihood(counts: Iterable[float], levels: Sequence[int] = LEVELS) -> dict[int, float]:
    """Throughput likelihood: for each L, the count T such that L % of periods
    delivered at least T, i.e. the (100 - L)-th percentile of the period counts."""
    return dict(zip(levels, percentiles(counts, [100 - level for level in levels]), strict=True))


def lead_time_levels(days: Iterable[float], levels: Sequence[int] = LEVELS) -> dict[int, float]:
    """Lead-time lines: for each L, "L % of items finished within T days" = the L-th
    percentile of the lead times (days)."""
    return dict(zip(levels, percentiles(days, list(levels)), strict=True))
