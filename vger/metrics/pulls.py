"""Pull requests: lead time and volume (docs/metrics.md, "Pull requests").

Completed = merged; ``done`` = ``merged_at``; ``start`` = ``created_at``. Closed without
merging = rejected, at ``closed_at``. Volume = additions + deletions (lines).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vger.metrics.calendar import WeekGrid, bucket_index


def pr_lead_time_days(created: pd.Series, merged: pd.Series) -> pd.Series:
    """``merged_at - created_at`` in days (seconds / 86 400); NaN when not merged."""
    delta = pd.to_datetime(merged, utc=True) - pd.to_datetime(created, utc=True)
    return delta.dt.total_seconds() / 86_400.0


def pull_events(pulls: pd.DataFrame) -> pd.DataFrame:
    """The events of pull requests, as issues have them: ``done`` (merged, else closed; UTC),
    ``outcome`` (``completed`` when merged, ``rejected`` when closed unmerged, else None),
    ``lead_time`` (days, :func:`pr_lead_time_days`), ``merged_at``, ``closed_at``.

    ``pulls`` has ``created``, ``merged``, ``closed`` (UTC); a copy is returned with those
    columns added."""
    out = pulls.copy()
    merged = pd.to_datetime(out["merged"], utc=True)
    closed = pd.to_datetime(out["closed"], utc=True)
    out["done"] = merged.where(merged.notna(), closed)
    out["outcome"] = pd.Series(
        np.where(merged.notna(), "completed", np.where(closed.notna(), "rejected", None)),
        index=out.index,
        dtype=object,
    )
    out["lead_time"] = pr_lead_time_days(out["created"], merged)
    out["merged_at"] = merged
    out["closed_at"] = closed
    return out


def weekly_volume(pulls: pd.DataFrame, grid: WeekGrid) -> pd.DataFrame:
    """Lines changed per week: ``merged`` (PRs merged that week) and ``rejected``
    (PRs closed unmerged that week). ``pulls`` has ``merged_at``, ``closed_at``,
    ``additions``, ``deletions``."""
    lines = (pulls["additions"].fillna(0) + pulls["deletions"].fillna(0)).to_numpy(dtype="int64")
    merged_at = pd.to_datetime(pulls["merged_at"], utc=True)
    rejected_at = pd.to_datetime(pulls["closed_at"], utc=True).where(merged_at.isna())
    out = pd.DataFrame(index=grid.labels)
    for name, instants in (("merged", merged_at), ("rejected", rejected_at)):
        buckets = bucket_index(instants, grid.starts, grid.ends)
        keep = buckets >= 0
        out[name] = (
            np.bincount(buckets[keep], weights=lines[keep], minlength=len(grid)).astype("int64")
            if len(grid)
            else []
        )
    out.index.name = "week"
    return out


def tags_in_range(tags: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Tags (``name``, ``at`` UTC, ...) dated in [start, end), oldest first."""
    at = pd.to_datetime(tags["at"], utc=True)
    return tags[(at >= start) & (at < end)].sort_values("at").reset_index(drop=True)
