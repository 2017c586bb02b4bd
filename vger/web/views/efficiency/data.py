"""The efficiency view's data: the range's completed issues with their working and
waiting days, flow efficiency and days flagged (docs/metrics.md, "Flow efficiency",
"Blocked time"), the weekly median, the distribution and lead time by work state split
working vs waiting. Computed by :mod:`vger.metrics.efficiency` and
:mod:`vger.metrics.blocked`; cached like every view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from vger.metrics.blocked import flagged_days
from vger.metrics.calendar import WeekGrid, week_grid
from vger.metrics.efficiency import (
    efficiency_histogram,
    flow_efficiency,
    lead_time_by_state_split,
    split_state_days,
    weekly_median_efficiency,
)
from vger.metrics.quadrant import completed_in_range
from vger.store import boards, efficiency, flags, queries, working
from vger.store.boards import Board
from vger.store.statepack import unpack
from vger.web import cache
from vger.web.views.common import BoardChoice, local_today, view_key

ITEM_COLUMNS = [
    "issue_id",
    "key",
    "summary",
    "issue_type",
    "start",
    "done",
    "lead_time",
    "working",
    "waiting",
    "efficiency",
    "flagged",
]


@dataclass
class EfficiencyData:
    """Everything the efficiency page, its CSV and its JSON show."""

    choice: BoardChoice
    first_day: date
    last_day: date
    grid: WeekGrid
    items: pd.DataFrame  # ITEM_COLUMNS, one row per completed item of the range's weeks
    weekly: pd.DataFrame  # metrics.efficiency.weekly_median_efficiency
    histogram: pd.DataFrame  # low, high, items (complete weeks only)
    by_state: pd.DataFrame  # metrics.efficiency.lead_time_by_state_split
    flags: dict[str, bool]  # work state name -> working?
    stored: int
    has_states: bool

    @property
    def unit(self) -> str:
        return "working days" if self.choice.board.working_days else "days"

    @property
    def counted(self) -> pd.DataFrame:
        """The items of the complete weeks: what the distribution and the by-state
        percentiles count."""
        return completed_in_range(self.items, self.grid)

    @property
    def empty_message(self) -> str | None:
        board = self.choice.board
        if self.choice.params.source == "github":
            return (
                "Flow efficiency is for Jira issues: it splits an issue's time by work "
                "state. Choose Jira issues as the source."
            )
        if not self.has_states:
            return f"Board {board.name} has no work states yet: set them under Admin."
        if self.stored == 0:
            return f"Board {board.name} has no issues yet: run `vger etl --board {board.slug}`."
        if self.items.empty:
            return (
                f"No issue with a lead time was completed between {self.first_day} and "
                f"{self.last_day}: choose a longer range or other work types."
            )
        return None


def days_flagged(conn: Connection, board: Board, items: pd.DataFrame) -> np.ndarray:
    """Days each of ``items`` (``issue_id``, ``start``, ``done``: completed issues) was
    flagged in Jira inside its start..done, in the board's unit
    (:func:`vger.metrics.blocked.flagged_days`); NaN without a start."""
    if items.empty:
        return np.array([], dtype=float)
    ids = items["issue_id"].astype(str).to_numpy()
    windows = pd.DataFrame({"issue_id": ids, "start": items["start"], "end": items["done"]})
    return flagged_days(
        flags.issue_flags(conn, board.id, ids),
        windows,
        tz=board.tz,
        working_days=board.working_days,
    ).to_numpy()


def efficiency_data(conn: Connection, choice: BoardChoice, now: datetime) -> EfficiencyData:
    """The view's data for ``choice``; cached per (board, parameters, local date, data
    version: the work states' working/waiting flags are part of it)."""
    return cache.cached(
        "efficiency", view_key(conn, choice, now), lambda: _efficiency_data(conn, choice, now)
    )


def _empty_items() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in ITEM_COLUMNS})


def _efficiency_data(conn: Connection, choice: BoardChoice, now: datetime) -> EfficiencyData:
    board, params = choice.board, choice.params
    first_day, last_day = params.dates(local_today(board.tz, now))
    grid = week_grid(pd.Timestamp(first_day), pd.Timestamp(last_day), board.tz, pd.Timestamp(now))
    names = queries.state_names(conn, board)
    by_position = working.working_flags(conn, board.id)
    flag_names = {names[p]: w for p, w in by_position.items() if p in names}
    stored = boards.issue_count(conn, board.id) if params.source != "github" else 0

    def empty() -> EfficiencyData:  # built only when there is nothing to show
        return EfficiencyData(
            choice,
            first_day,
            last_day,
            grid,
            _empty_items(),
            weekly_median_efficiency(
                pd.Series([], dtype="datetime64[ns, UTC]"), np.array([]), grid
            ),
            efficiency_histogram([]),
            pd.DataFrame(),
            flag_names,
            stored,
            bool(names),
        )

    if params.source == "github" or not names or stored == 0 or not len(grid):
        return empty()
    rows = efficiency.completed_items(
        conn,
        board,
        grid.starts[0].to_pydatetime(),
        grid.ends[-1].to_pydatetime(),
        params.types or None,
    )
    if rows.empty:
        return empty()
    rows = rows.reset_index(drop=True)
    ids = rows["issue_id"].astype(str).to_numpy()
    # the states' issues by their row's number (the rows' and the items' index): grouping
    # by numbers, not by the ids' text, is a fifth of the CPU of splitting the days
    numbers = np.arange(len(rows))
    states = unpack(numbers, rows["state_days"].tolist(), working=board.working_days, names=names)
    states["issue_id"] = states["issue_id"].to_numpy(dtype=np.int64)
    split = split_state_days(states, by_position).set_index("issue_id")
    split = split.reindex(numbers, fill_value=0.0)
    flagged = days_flagged(conn, board, rows)
    items = rows.drop(columns="state_days").assign(
        issue_id=ids,
        working=split["working"].to_numpy(),
        waiting=split["waiting"].to_numpy(),
        efficiency=flow_efficiency(split["working"].to_numpy(), rows["lead_time"].to_numpy()),
        flagged=flagged,
    )[ITEM_COLUMNS]
    counted = completed_in_range(items, grid)
    counted_states = states[states["issue_id"].isin(counted.index)]
    return EfficiencyData(
        choice,
        first_day,
        last_day,
        grid,
        items.reset_index(drop=True),
        weekly_median_efficiency(items["done"], items["efficiency"], grid),
        efficiency_histogram(counted["efficiency"]),
        lead_time_by_state_split(counted_states, by_position),
        flag_names,
        stored,
        True,
    )
