"""Lead-time lines (50/80/90 %) and the per-work-state breakdown (docs/metrics.md)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from vger.metrics.calendar import WeekGrid, bucket_index
from vger.metrics.percentiles import LEVELS, lead_time_levels


def rolling_lead_time(
    done: pd.Series, days: pd.Series, grid: WeekGrid, window: int, levels: Sequence[int] = LEVELS
) -> pd.DataFrame:
    """For each complete week w: the L-th percentile of the lead times (days) of items
    completed in the ``window`` weeks ending at w. In-progress weeks get NaN."""
    buckets = bucket_index(done, grid.starts, grid.ends)
    values = np.asarray(days, dtype=float)
    keep = (buckets >= 0) & ~np.isnan(values)
    by_week: list[np.ndarray] = [np.array([])] * len(grid)
    if keep.any():
        order = np.argsort(buckets[keep], kind="stable")
        sorted_buckets = buckets[keep][order]
        sorted_values = values[keep][order]
        bounds = np.searchsorted(sorted_buckets, np.arange(len(grid) + 1))
        by_week = [sorted_values[bounds[j] : bounds[j + 1]] for j in range(len(grid))]
    out = {level: np.full(len(grid), np.nan) for level in levels}
    for j in np.flatnonzero(grid.complete):
        lo = max(0, j - window + 1)
        pooled = np.concatenate([by_week[k] for k in range(lo, j + 1) if grid.complete[k]])
        for level, value in lead_time_levels(pooled, levels).items():
            out[level][j] = value
    return pd.DataFrame(out, index=grid.labels)


def straight_lead_time(
    done: pd.Series, days: pd.Series, grid: WeekGrid, levels: Sequence[int] = LEVELS
) -> dict[int, float]:
    """Percentiles of the lead times (days) of items completed in the complete weeks of ``grid``."""
    buckets = bucket_index(done, grid.starts, grid.ends)
    in_complete = buckets >= 0
    in_complete[in_complete] = np.asarray(grid.complete)[buckets[in_complete]]
    return lead_time_levels(np.asarray(days, dtype=float)[in_complete], levels)


def lead_time_by_state(
    state_times: pd.DataFrame, levels: Sequence[int] = LEVELS, *, column: str = "days"
) -> pd.DataFrame:
    """The L-th percentile of each work state's time (``column``, days) over the given
    issues, one row per state in board order (``state``, ``position``, one column per L).

    An issue that never visited a state counts 0 days there, so every state's
    percentile is over the same issues as the overall lead time.
    """
    if state_times.empty:
        return pd.DataFrame(columns=["state", "position", *levels])
    issues = state_times["issue_id"].nunique()
    # Several visits of one state were summed when stored, but sum again in case a
    # caller passes one row per visit.
    per_issue = state_times.groupby(["position", "state", "issue_id"], sort=False)[column].sum()
    rows = []
    for (position, state), values in per_issue.groupby(level=["position", "state"], sort=False):
        padded = np.concatenate([values.to_numpy(dtype=float), np.zeros(issues - len(values))])
        rows.append({"state": state, "position": position, **lead_time_levels(padded, levels)})
    rows.sort(key=lambda r: (r["position"] < 0, r["position"]))
    return pd.DataFrame(rows)
