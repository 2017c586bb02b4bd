"""Weekly throughput and its likelihood lines (docs/metrics.md, "Weekly charts")."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from vger.metrics.calendar import WeekGrid, bucket_index
from vger.metrics.percentiles import LEVELS, likelihood


def weekly_counts(instants: pd.Series, grid: WeekGrid) -> pd.Series:
    """Number of instants (UTC) falling in each week of ``grid``; index = week labels."""
    buckets = bucket_index(instants, grid.starts, grid.ends)
    counts = (
        np.bincount(buckets[buckets >= 0], minlength=len(grid)) if len(grid) else np.array([], int)
    )
    return pd.Series(counts.astype("int64"), index=grid.labels, name="count")


def straight_likelihood(
    counts: pd.Series, complete: np.ndarray, levels: Sequence[int] = LEVELS
) -> dict[int, float]:
    """Likelihood over every complete week of ``counts`` (NaN when none is complete)."""
    return likelihood(counts.to_numpy()[np.asarray(complete, dtype=bool)], levels)


def rolling_likelihood(
    counts: pd.Series, complete: np.ndarray, window: int, levels: Sequence[int] = LEVELS
) -> pd.DataFrame:
    """For each complete week w: likelihood over the ``window`` complete weeks ending at w
    (fewer where fewer exist, at least 1). In-progress weeks get NaN. Columns = levels."""
    complete = np.asarray(complete, dtype=bool)
    values = counts.to_numpy(dtype=float)
    out = {level: np.full(len(values), np.nan) for level in levels}
    for j in np.flatnonzero(complete):
        window_values = values[max(0, j - window + 1) : j + 1][
            complete[max(0, j - window + 1) : j + 1]
        ]
        for level, value in likelihood(window_values, levels).items():
            out[level][j] = value
    return pd.DataFrame(out, index=counts.index)
