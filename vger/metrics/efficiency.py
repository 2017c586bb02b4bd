"""Working and waiting states, flow efficiency (docs/metrics.md, "Flow efficiency").

Each work state is *working* (someone works on the item) or *waiting* (a queue). An
item's per-state times add up to its lead time (``vger.metrics.events``), so its time
in working states plus its time in waiting states is its lead time, and

    flow efficiency = time in working states / lead time      (a fraction, 0..1).

Days are calendar days, or working days when the board counts working days: the same
unit as the lead time they divide. Weeks are cut in the team time zone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from vger.metrics.calendar import WeekGrid, bucket_index
from vger.metrics.lead_time import lead_time_by_state
from vger.metrics.percentiles import LEVELS, lead_time_levels

SPLIT_COLUMNS = ["issue_id", "working", "waiting"]
WORKING_TOTAL = "All working states"
WAITING_TOTAL = "All waiting states"


def default_working(count: int) -> tuple[bool, ...]:
    """Default flags of ``count`` work states taken from Jira board columns: every
    state is working except the first (the backlog) and the last (done)."""
    return tuple(0 < k < count - 1 for k in range(count))


def split_state_days(state_times: pd.DataFrame, working: Mapping[int, bool]) -> pd.DataFrame:
    """Per issue, the days (``days`` column of ``state_times``: ``issue_id``,
    ``position``, ``days``) spent in working states and in waiting states, by the
    flags ``working`` (work-state position -> working?). Time in a position the flags
    do not name (-1, an unmapped status) is waiting time. One row per issue of
    ``state_times``: ``issue_id``, ``working``, ``waiting`` (days)."""
    if state_times.empty:
        return pd.DataFrame(
            {c: pd.Series(dtype=float if c != "issue_id" else object) for c in SPLIT_COLUMNS}
        )
    positions = state_times["position"].to_numpy(dtype=np.int64)
    lookup = {int(p): bool(w) for p, w in working.items()}
    is_working = pd.Series(positions).map(lookup).eq(True).to_numpy(dtype=bool)
    days = state_times["days"].to_numpy(dtype=float)
    frame = pd.DataFrame(
        {
            "issue_id": state_times["issue_id"].to_numpy(),
            "working": np.where(is_working, days, 0.0),
            "waiting": np.where(is_working, 0.0, days),
        }
    )
    return frame.groupby("issue_id", sort=False, as_index=False)[["working", "waiting"]].sum()


def flow_efficiency(
    working_days: pd.Series | np.ndarray, lead_days: pd.Series | np.ndarray
) -> np.ndarray:
    """Flow efficiency of each item: days in working states / lead time (a fraction
    from 0 to 1). Undefined (NaN) when the lead time is missing or 0 days; rounding
    above 1 is cut to 1."""
    work = np.asarray(working_days, dtype=float)
    lead = np.asarray(lead_days, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(lead > 0, work / lead, np.nan)
    return np.clip(out, 0.0, 1.0)


def weekly_median_efficiency(
    done: pd.Series, efficiency: pd.Series | np.ndarray, grid: WeekGrid
) -> pd.DataFrame:
    """For each week of ``grid`` (labels as index): ``median`` flow efficiency of the
    items whose ``done`` (UTC) falls in it (NaN for a week without any), ``items`` (how
    many had an efficiency) and ``complete`` (False for the week in progress)."""
    buckets = bucket_index(done, grid.starts, grid.ends)
    values = np.asarray(efficiency, dtype=float)
    keep = (buckets >= 0) & ~np.isnan(values)
    frame = pd.DataFrame({"week": buckets[keep], "e": values[keep]})
    grouped = frame.groupby("week")["e"]
    weeks = np.arange(len(grid))
    median = grouped.median().reindex(weeks)
    count = grouped.size().reindex(weeks, fill_value=0)
    return pd.DataFrame(
        {
            "median": median.to_numpy(dtype=float),
            "items": count.to_numpy(dtype=np.int64),
            "complete": np.asarray(grid.complete, dtype=bool),
        },
        index=grid.labels,
    )


def median_efficiency(efficiency: pd.Series | np.ndarray) -> float | None:
    """The median flow efficiency of the items that have one (NaN left out); None when
    none has."""
    values = np.asarray(efficiency, dtype=float)
    values = values[~np.isnan(values)]
    return float(np.median(values)) if len(values) else None


def efficiency_histogram(efficiency: pd.Series | np.ndarray, bins: int = 10) -> pd.DataFrame:
    """How many items have a flow efficiency in each of ``bins`` equal bins of 0..1
    (``low`` inclusive, ``high`` exclusive; the last bin includes 1). NaN is left out."""
    values = np.asarray(efficiency, dtype=float)
    values = values[~np.isnan(values)]
    edges = np.linspace(0.0, 1.0, bins + 1)
    counts, _ = np.histogram(values, bins=edges)
    return pd.DataFrame({"low": edges[:-1], "high": edges[1:], "items": counts.astype(np.int64)})


def lead_time_by_state_split(
    state_times: pd.DataFrame, working: Mapping[int, bool], levels: Sequence[int] = LEVELS
) -> pd.DataFrame:
    """Lead time by work state with the working/waiting split: one row per state (as
    :func:`~vger.metrics.lead_time.lead_time_by_state`: the L-th percentile of the
    state's days, 0 for an issue that never visited it) with ``working`` (the state's
    flag), then two rows, :data:`WORKING_TOTAL` and :data:`WAITING_TOTAL`: the L-th
    percentile of each issue's summed days in working states / in waiting states."""
    columns = ["state", "position", "working", *levels]
    if state_times.empty:
        return pd.DataFrame(columns=columns)
    rows = lead_time_by_state(state_times, levels)
    rows["working"] = [bool(working.get(int(p), False)) for p in rows["position"]]
    split = split_state_days(state_times, working)
    totals = pd.DataFrame(
        [
            {
                "state": WORKING_TOTAL,
                "position": -2,
                "working": True,
                **lead_time_levels(split["working"], levels),
            },
            {
                "state": WAITING_TOTAL,
                "position": -3,
                "working": False,
                **lead_time_levels(split["waiting"], levels),
            },
        ]
    )
    return pd.concat([rows[columns], totals[columns]], ignore_index=True)
