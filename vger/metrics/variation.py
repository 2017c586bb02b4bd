"""Throughput variation: population std / mean of weekly throughput (docs/metrics.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def coefficient_of_variation(values: np.ndarray) -> float:
    """Population standard deviation / mean (ddof = 0); NaN when the mean is 0 or
    fewer than 2 values are given."""
    array = np.asarray(values, dtype=float)
    if array.size < 2:
        return float("nan")
    mean = array.mean()
    if mean == 0:
        return float("nan")
    return float(array.std(ddof=0) / mean)


def rolling_variation(counts: pd.Series, complete: np.ndarray, window: int) -> pd.Series:
    """Variation(w) over the ``window`` complete weeks ending at each complete week w;
    NaN (a gap) for in-progress weeks, a zero mean, or fewer than 2 weeks."""
    complete = np.asarray(complete, dtype=bool)
    values = counts.to_numpy(dtype=float)
    out = np.full(len(values), np.nan)
    for j in np.flatnonzero(complete):
        lo = max(0, j - window + 1)
        out[j] = coefficient_of_variation(values[lo : j + 1][complete[lo : j + 1]])
    return pd.Series(out, index=counts.index, name="variation")
