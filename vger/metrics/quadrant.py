"""The four quadrants from one board's items: the series every quadrant chart draws.

``items`` has one row per issue (or pull request) of the board after the work-type
filter, from the beginning of the data: ``issue_id`` (the id ``state_times`` use),
``key``, ``created``, ``done`` (UTC), ``outcome`` (``completed``, ``abandoned`` or
``rejected``; None while open) and ``lead_time`` (days; calendar or working per the board option).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from vger.metrics.backlog import Baseline, backlog_growth
from vger.metrics.calendar import WEEK, WeekGrid, bucket_index, monday_of, utc_ns, week_grid
from vger.metrics.lead_time import lead_time_by_state, rolling_lead_time, straight_lead_time
from vger.metrics.percentiles import LEVELS
from vger.metrics.throughput import rolling_likelihood, straight_likelihood, weekly_counts
from vger.metrics.variation import rolling_variation


@dataclass(frozen=True)
class QuadrantOptions:
    """What to compute: local date range (team zone), zone, clock, window (weeks)."""

    first_day: pd.Timestamp
    last_day: pd.Timestamp
    tz: str
    now: pd.Timestamp
    window: int = 12
    rolling: bool = True
    relative_backlog: bool = False
    levels: tuple[int, ...] = LEVELS
    #: When ``items`` hold only what the range needs (created or done at or after the
    #: history grid's first week, :func:`history_grid_from`): the first creation of all
    #: the data (UTC) and how many items were created / completed / abandoned before that
    #: week. None: ``items`` are the whole history.
    data_first: pd.Timestamp | None = None
    backlog_before: Baseline | None = None


@dataclass
class Quadrant:
    """Series of the four charts. Frames are indexed by week label (Monday, team zone)."""

    grid: WeekGrid
    throughput: pd.DataFrame  # count, complete, one column per likelihood level
    variation: pd.Series
    backlog: pd.DataFrame  # created, completed, abandoned, open
    lead_time: pd.DataFrame  # one column per level (rolling or straight)
    lead_time_overall: dict[int, float]
    complete_weeks: int
    history_weeks: int  # complete weeks the rolling statistics could use at the last week
    notes: dict[str, str] = field(default_factory=dict)


def history_grid(items: pd.DataFrame, opts: QuadrantOptions) -> tuple[WeekGrid, int]:
    """Weeks from R-1 weeks before the range (not before the data's first week) to
    the range's end; returns the grid and the offset of the first displayed week."""
    first = opts.data_first
    if first is None:
        created = pd.to_datetime(items["created"], utc=True).dropna()
        first = created.min() if len(created) else None
    return history_grid_from(first, opts)


def history_grid_from(
    data_first: pd.Timestamp | None, opts: QuadrantOptions
) -> tuple[WeekGrid, int]:
    """:func:`history_grid` given the first creation of the data (UTC; None: no data)."""
    display_first = monday_of(opts.first_day)
    reach_back = display_first
    if data_first is not None and not pd.isna(data_first):
        first = pd.Timestamp(data_first)
        first = first.tz_localize("UTC") if first.tzinfo is None else first
        data_week = monday_of(first.tz_convert(opts.tz).tz_localize(None))
        reach_back = max(display_first - (opts.window - 1) * WEEK, min(data_week, display_first))
    grid = week_grid(reach_back, opts.last_day, opts.tz, opts.now)
    offset = int(np.searchsorted(grid.labels.to_numpy(), np.datetime64(display_first)))
    return grid, offset


def slice_grid(grid: WeekGrid, offset: int) -> WeekGrid:
    return WeekGrid(
        grid.labels[offset:], grid.starts[offset:], grid.ends[offset:], grid.complete[offset:]
    )


def issue_quadrant(
    items: pd.DataFrame, state_times: pd.DataFrame | None, opts: QuadrantOptions
) -> tuple[Quadrant, pd.DataFrame]:
    """All four quadrants for Jira issues, and the per-work-state lead-time breakdown
    over issues completed in the complete weeks of the range."""
    quadrant = weekly_quadrant(items, opts)
    # the columns used, not every column of the items (each one copied per filter)
    ids = [c for c in ("issue_id", "key") if c in items]
    completed = items.loc[items["outcome"] == "completed", ["done", *ids]]
    quadrant.backlog = backlog_growth(
        items["created"],
        completed["done"],
        items.loc[items["outcome"] == "abandoned", "done"],
        quadrant.grid,
        relative=opts.relative_backlog,
        before=opts.backlog_before,
    )
    by_state = pd.DataFrame(columns=["state", "position", *opts.levels])
    if state_times is not None and not state_times.empty:
        in_range = completed_in_range(completed, quadrant.grid)
        # State times are keyed by Jira issue id (not by the issue key).
        ids = in_range["issue_id"] if "issue_id" in in_range else in_range["key"]
        by_state = lead_time_by_state(
            state_times[state_times["issue_id"].astype(str).isin(ids.astype(str))], opts.levels
        )
    return quadrant, by_state


def weekly_quadrant(items: pd.DataFrame, opts: QuadrantOptions) -> Quadrant:
    """Throughput, likelihood, variation and lead-time lines of completed items."""
    grid, offset = history_grid(items, opts)
    completed = items.loc[items["outcome"] == "completed", ["done", "lead_time"]]
    counts = weekly_counts(completed["done"], grid)
    display = slice_grid(grid, offset)
    shown = counts.iloc[offset:]
    if opts.rolling:
        lines = rolling_likelihood(counts, grid.complete, opts.window, opts.levels).iloc[offset:]
        lead = rolling_lead_time(
            completed["done"], completed["lead_time"], grid, opts.window, opts.levels
        ).iloc[offset:]
    else:
        straight = straight_likelihood(shown, display.complete, opts.levels)
        lines = pd.DataFrame(
            {level: np.where(display.complete, value, np.nan) for level, value in straight.items()},
            index=display.labels,
        )
        overall = straight_lead_time(
            completed["done"], completed["lead_time"], display, opts.levels
        )
        lead = pd.DataFrame(
            {level: np.where(display.complete, value, np.nan) for level, value in overall.items()},
            index=display.labels,
        )
    throughput = pd.DataFrame(
        {"count": shown.to_numpy(), "complete": display.complete}, index=display.labels
    )
    for level in opts.levels:
        throughput[level] = lines[level].to_numpy()
    variation = rolling_variation(counts, grid.complete, opts.window).iloc[offset:]
    # The window of the last complete week (an in-progress last week has no statistic).
    done_weeks = np.flatnonzero(grid.complete)
    last = int(done_weeks[-1]) if done_weeks.size else -1
    complete_history = int(grid.complete[max(0, last - opts.window + 1) : last + 1].sum())
    return Quadrant(
        grid=display,
        throughput=throughput,
        variation=variation,
        backlog=pd.DataFrame(),
        lead_time=lead,
        lead_time_overall=straight_lead_time(
            completed["done"], completed["lead_time"], display, opts.levels
        ),
        complete_weeks=int(display.complete.sum()),
        history_weeks=complete_history,
    )


def completed_in_range(completed: pd.DataFrame, grid: WeekGrid) -> pd.DataFrame:
    """Completed items whose ``done`` falls in a complete week of ``grid``."""
    buckets = bucket_index(completed["done"], grid.starts, grid.ends)
    mask = buckets >= 0
    mask[mask] = np.asarray(grid.complete)[buckets[mask]]
    return completed[mask]


def keys_by_week(completed: pd.DataFrame, grid: WeekGrid) -> pd.DataFrame:
    """One row per week of ``grid``: ``week``, ``count``, ``keys`` (space-separated, by done time)."""
    buckets = bucket_index(completed["done"], grid.starts, grid.ends)
    inside = buckets >= 0
    keys = texts(completed["key"])[inside]
    done = utc_ns(completed["done"])[inside].view("int64")
    # by done time, then key; a week's rows follow each other (weeks are ordered spans of
    # time), so each week's keys are one slice (a groupby collecting lists called Python
    # per key; pandas' sort on three columns factorised the keys: most of the CPU of a
    # 13-week throughput CSV of 11,000 keys)
    order = by_time_then_key(done, keys)
    keys_sorted = keys[order]
    bounds = np.searchsorted(buckets[inside][order], np.arange(len(grid) + 1))
    rows = []
    for j, label in enumerate(grid.labels):
        keys = keys_sorted[bounds[j] : bounds[j + 1]].tolist()
        rows.append(
            {
                "week": label.date().isoformat(),
                "count": len(keys),
                "complete": bool(grid.complete[j]),
                "keys": " ".join(keys),
            }
        )
    return pd.DataFrame(rows, columns=["week", "count", "complete", "keys"])


def texts(values: pd.Series) -> np.ndarray:
    """``values`` as an object array of ``str`` (as ``astype(str)``, without building a
    string array when they are strings already)."""
    if pd.api.types.infer_dtype(values, skipna=False) == "string":
        return values.to_numpy(dtype=object)
    return values.astype(str).to_numpy(dtype=object)


def by_time_then_key(stamps: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Positions ordering ``stamps`` (int64) ascending, equal stamps by ``keys``: a stable
    sort of the numbers, the rare runs of equal instants sorted by key in Python."""
    order = np.argsort(stamps, kind="stable")
    ordered = stamps[order]
    ties = np.flatnonzero(ordered[1:] == ordered[:-1])
    if ties.size:
        # runs of equal stamps: [first, last] positions in ``order``
        breaks = np.flatnonzero(np.diff(ties) > 1)
        firsts = np.concatenate([ties[:1], ties[breaks + 1]])
        lasts = np.concatenate([ties[breaks], ties[-1:]]) + 1
        for first, last in zip(firsts.tolist(), lasts.tolist(), strict=True):
            run = order[first : last + 1]
            order[first : last + 1] = sorted(run.tolist(), key=keys.__getitem__)
    return order
