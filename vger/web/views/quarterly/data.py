"""The quarterly page's view data: completed items per fiscal quarter and their lead
times, read for one page's parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from vger.metrics.calendar import QuarterGrid, bucket_index, quarter_grid
from vger.metrics.quarterly import quarterly_lead_time, quarterly_throughput
from vger.web import cache
from vger.web.views.common import (
    BoardChoice,
    board_items,
    local_today,
    missing_data_message,
    view_key,
)


@dataclass
class QuarterlyData:
    """Everything the quarterly page and its two CSVs show."""

    choice: BoardChoice
    last_day: date
    grid: QuarterGrid
    throughput: pd.DataFrame  # quarter, start, end, count, complete
    likelihood: dict[int, float]  # over the complete quarters
    lead_time: pd.DataFrame  # quarter, n, complete, 50, 80, 90
    lead_items: pd.DataFrame  # completed items with a lead time in the quarters shown
    stored: int

    @property
    def complete_quarters(self) -> int:
        return int(np.asarray(self.grid.complete).sum())

    @property
    def span(self) -> str:
        return f"{self.grid.labels[0]} to {self.grid.labels[-1]}" if len(self.grid) else ""

    @property
    def empty_message(self) -> str | None:
        missing = missing_data_message(self.choice, self.stored)
        if missing:
            return missing
        if int(self.throughput["count"].sum()) == 0:
            noun = (
                "pull request was merged"
                if self.choice.params.source == "github"
                else "issue was completed"
            )
            return f"No {noun} in the {len(self.grid)} quarters {self.span} with these filters."
        return None


def quarterly_data(conn: Connection, choice: BoardChoice, now: datetime) -> QuarterlyData:
    """Quarterly throughput and lead time for the ``quarters`` fiscal quarters ending
    with the one that contains ``to`` (default today; a later ``to`` means today); cached
    like the quadrant (``views.view_key``)."""
    key = view_key(conn, choice, now)
    return cache.cached("quarterly", key, lambda: _quarterly_data(conn, choice, now))


def _quarterly_data(conn: Connection, choice: BoardChoice, now: datetime) -> QuarterlyData:
    board, params = choice.board, choice.params
    today = local_today(board.tz, now)
    last_day = min(params.end or today, today)
    grid = quarter_grid(
        pd.Timestamp(last_day),
        params.quarters,
        board.tz,
        board.fiscal_start_month,
        pd.Timestamp(now),
    )
    items = board_items(conn, choice)
    completed = items[items["outcome"] == "completed"]
    throughput, likelihood = quarterly_throughput(completed["done"], grid)
    lead_time = quarterly_lead_time(completed["done"], completed["lead_time"], grid)
    buckets = bucket_index(completed["done"], grid.starts, grid.ends)
    days = completed["lead_time"].to_numpy(dtype=float)
    lead = completed[(buckets >= 0) & ~np.isnan(days)].copy()
    lead["quarter"] = [grid.labels[b] for b in buckets[(buckets >= 0) & ~np.isnan(days)]]
    lead = lead.sort_values(["done", "key"])
    return QuarterlyData(
        choice, last_day, grid, throughput, likelihood, lead_time, lead, int(len(items))
    )
