"""Backlog growth: cumulative created, completed and abandoned at the end of each week."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from vger.metrics.calendar import WeekGrid, utc_ns


def cumulative_at(instants: pd.Series, bounds: pd.DatetimeIndex) -> np.ndarray:
    """How many instants (UTC) fall strictly before each bound."""
    values = utc_ns(instants)
    values = np.sort(values[~np.isnat(values)])
    return np.searchsorted(values, utc_ns(bounds), side="left").astype("int64")


@dataclass(frozen=True)
class Baseline:
    """How many items were created / completed / abandoned before ``since`` (UTC), for
    series that hold only the items created or done at or after it."""

    since: pd.Timestamp
    created: int
    completed: int
    abandoned: int


def backlog_growth(
    created: pd.Series,
    completed_done: pd.Series,
    abandoned_done: pd.Series,
    grid: WeekGrid,
    *,
    relative: bool = False,
    before: Baseline | None = None,
) -> pd.DataFrame:
    """Cumulative counts at the end of each week of ``grid``.

    ``created``: creation instants of every item; ``completed_done`` / ``abandoned_done``:
    done instants of completed / abandoned items. Absolute mode counts from the beginning
    of the data; relative mode starts all three at 0 at the start of the first week.
    ``open`` = created - completed - abandoned.

    ``before``: when the series hold only the items of a range (from ``before.since``, at
    or before the grid's first week), the counts before it; instants before ``since`` in
    the series are left out, so nothing is counted twice.
    """
    frame = pd.DataFrame(index=grid.labels)
    for name, instants in (
        ("created", created),
        ("completed", completed_done),
        ("abandoned", abandoned_done),
    ):
        offset = 0
        if before is not None:
            values = utc_ns(instants)
            instants = pd.Series(values[~(values < utc_ns([before.since])[0])])
            offset = getattr(before, name)
        at_end = cumulative_at(instants, grid.ends) + offset
        if relative and len(grid):
            at_end = at_end - (cumulative_at(instants, grid.starts[:1])[0] + offset)
        frame[name] = at_end
    frame["open"] = frame["created"] - frame["completed"] - frame["abandoned"]
    frame.index.name = "week"
    return frame
