"""The WIP view data: daily work in progress over the days of the range and weekly net
flow over its weeks (docs/metrics.md, "Work in progress and net flow")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
from sqlalchemy import Connection

from vger.metrics.calendar import WeekGrid, week_grid
from vger.metrics.wip import daily_wip, weekly_net_flow
from vger.store import boards, queries, wip_reads
from vger.web import cache
from vger.web.views.common import BoardChoice, local_today, missing_data_message, view_key


@dataclass
class WipData:
    """Daily WIP over the days of the range and weekly net flow over its weeks."""

    choice: BoardChoice
    first_day: date
    last_day: date
    grid: WeekGrid
    wip: pd.Series  # index: local days
    flow: pd.DataFrame  # index: weeks; arrivals, departures, net, complete
    stored: int

    @property
    def noun(self) -> str:
        return "pull requests" if self.choice.params.source == "github" else "issues"

    @property
    def empty_message(self) -> str | None:
        missing = missing_data_message(self.choice, self.stored)
        if missing:
            return missing
        if self.wip.empty:
            return (
                f"The range starting {self.first_day} lies in the future: choose dates up to today."
            )
        return None


def wip_data(conn: Connection, choice: BoardChoice, now: datetime) -> WipData:
    """Items between start and done per day and per week; cached like the quadrant."""
    key = view_key(conn, choice, now)
    return cache.cached("wip", key, lambda: _wip_data(conn, choice, now))


def _wip_data(conn: Connection, choice: BoardChoice, now: datetime) -> WipData:
    board, params = choice.board, choice.params
    today = local_today(board.tz, now)
    first_day, last_day = params.dates(today)
    last_day = min(last_day, today)
    grid = week_grid(pd.Timestamp(first_day), pd.Timestamp(last_day), board.tz, pd.Timestamp(now))
    days = pd.date_range(first_day, last_day, freq="D") if first_day <= last_day else None
    empty = WipData(choice, first_day, last_day, grid, pd.Series(dtype=int), pd.DataFrame(), 0)
    if days is None or not len(grid):
        return empty
    begin, end = grid.starts[0].to_pydatetime(), grid.ends[-1].to_pydatetime()
    if params.source == "github":
        rows = queries.pull_items(conn, board, params.repos or None)
        stored = len(rows)
        rows = rows.rename(columns={"created": "start"})
    else:
        stored = boards.issue_count(conn, board.id)
        rows = wip_reads.wip_rows(conn, board, begin, end, params.types or None)
    if stored == 0:
        return empty
    wip = daily_wip(rows["start"], rows["done"], days, board.tz)
    flow = weekly_net_flow(rows["start"], rows["done"], grid)
    return WipData(choice, first_day, last_day, grid, wip, flow, stored)
