"""Quarterly throughput and lead time, by fiscal quarter in the team time zone."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from vger.metrics.calendar import QuarterGrid, bucket_index
from vger.metrics.percentiles import LEVELS, lead_time_levels, likelihood


def quarterly_throughput(
    done: pd.Series, grid: QuarterGrid, levels: Sequence[int] = LEVELS
) -> tuple[pd.DataFrame, dict[int, float]]:
    """Completed items per quarter (``quarter``, ``start``, ``end``, ``count``,
    ``complete``) and straight likelihood lines over the complete quarters shown."""
    buckets = bucket_index(done, grid.starts, grid.ends)
    counts = (
        np.bincount(buckets[buckets >= 0], minlength=len(grid)) if len(grid) else np.array([], int)
    )
    frame = pd.DataFrame(
        {
            "quarter": grid.labels,
            "start": grid.starts_local.date,
            "end": (grid.starts_local + pd.DateOffset(months=3) - pd.Timedelta(days=1)).date,
            "count": counts.astype("int64"),
            "complete": grid.complete,
        }
    )
    return frame, likelihood(frame.loc[frame["complete"], "count"], levels)


def quarterly_lead_time(
    done: pd.Series, days: pd.Series, grid: QuarterGrid, levels: Sequence[int] = LEVELS
) -> pd.DataFrame:
    """The 50/80/90th percentiles of the lead times (days) of items completed in each
    quarter, with the number of items (``n``)."""
    buckets = bucket_index(done, grid.starts, grid.ends)
    values = np.asarray(days, dtype=float)
    rows = []
    for j, label in enumerate(grid.labels):
        pooled = values[(buckets == j) & ~np.isnan(values)]
        rows.append(
            {
                "quarter": label,
                "n": int(pooled.size),
                "complete": bool(grid.complete[j]),
                **lead_time_levels(pooled, levels),
            }
        )
    return pd.DataFrame(rows)
