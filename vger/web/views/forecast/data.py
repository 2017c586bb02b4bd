"""The forecast's view data: the weekly throughput sample and the Monte Carlo answers
(:mod:`vger.metrics.forecast`) for one page's parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from vger.metrics.calendar import WeekGrid, monday_of, week_grid
from vger.metrics.forecast import (
    MAX_WEEKS,
    count_levels,
    day_levels,
    trial_finish_days,
    trial_totals,
)
from vger.metrics.throughput import weekly_counts
from vger.store import queries
from vger.web import cache
from vger.web.views.common import BoardChoice, local_today, missing_data_message, view_key

#: ``MAX_WEEKS``: the trials look this many weeks ahead; so may ``by``.
DEFAULT_AHEAD = timedelta(weeks=6)


@dataclass
class ForecastData:
    """Everything the forecast page and its CSV show.

    ``start`` is the Monday after today (team zone): day 1 of every trial. ``days``
    days reach the end of ``by`` (``by`` = ``start + days − 1``); the trials count to
    that day exactly (docs/metrics.md, "Monte Carlo").
    """

    choice: BoardChoice
    today: date
    grid: WeekGrid  # the sample: the last ``sample`` complete weeks
    weekly: pd.Series  # completed items per sample week
    start: date
    by: date
    days: int
    items: int
    how_many: dict[int, int]
    when_days: dict[int, int | None]
    totals: np.ndarray  # items finished in each trial by the end of ``by``
    finish_days: np.ndarray  # day each trial finished ``items`` (7·MAX_WEEKS + 1: never)
    stored: int
    first_created: pd.Timestamp | None
    notices: list[str] = field(default_factory=list)

    @property
    def github(self) -> bool:
        return self.choice.params.source == "github"

    @property
    def weeks(self) -> int:
        """The weeks (from ``start``) that ``by`` reaches into: the weekly draws used."""
        return -(-self.days // 7)

    def day(self, n: int | None) -> date | None:
        """The date of day ``n`` (day 1 = ``start``)."""
        return None if n is None else self.start + timedelta(days=n - 1)

    @property
    def when_dates(self) -> dict[int, date | None]:
        return {level: self.day(n) for level, n in self.when_days.items()}

    @property
    def sample_span(self) -> str:
        last = self.grid.labels[-1] + pd.Timedelta(days=6)
        return f"{self.grid.labels[0].date()} to {last.date()}"

    @property
    def empty_message(self) -> str | None:
        missing = missing_data_message(self.choice, self.stored)
        if missing:
            return missing
        if int(self.weekly.sum()) == 0:
            noun = "pull request was merged" if self.github else "issue was completed"
            return (
                f"No {noun} in the {len(self.grid)} complete weeks {self.sample_span} with "
                "these filters: there is no throughput to forecast from."
            )
        return None


def _forecast_items(
    conn: Connection, choice: BoardChoice, since: datetime
) -> tuple[pd.DataFrame, int, pd.Timestamp | None]:
    """The items the sample's throughput counts (for issues: those created or done
    since ``since``, UTC, the sample's first instant: a big board's history stays in
    the store), how many the board stores and its first creation (UTC)."""
    board, params = choice.board, choice.params
    if params.source == "github":
        items = queries.pull_items(conn, board, params.repos or None)
        created = pd.to_datetime(items["created"], utc=True)
        return items, int(len(items)), (created.min() if len(created) else None)
    types = params.types or None
    counts = queries.issue_counts(conn, board, since, types)
    items = queries.issue_items(conn, board, types, lean=True, since=since)
    first = pd.Timestamp(counts.first).tz_convert("UTC") if counts.first else None
    return items, counts.stored, first


def forecast_data(conn: Connection, choice: BoardChoice, now: datetime) -> ForecastData:
    """Monte Carlo forecasts from the last ``sample`` complete weeks before today;
    cached like the quadrant (see :mod:`vger.web.cache`)."""
    return cache.cached(
        "forecast", view_key(conn, choice, now), lambda: _forecast_data(conn, choice, now)
    )


def _forecast_data(conn: Connection, choice: BoardChoice, now: datetime) -> ForecastData:
    board, params = choice.board, choice.params
    today = local_today(board.tz, now)
    this_monday = monday_of(pd.Timestamp(today)).date()
    start = this_monday + timedelta(days=7)
    first = this_monday - timedelta(days=7 * params.sample)
    grid = week_grid(
        pd.Timestamp(first),
        pd.Timestamp(this_monday - timedelta(days=1)),
        board.tz,
        pd.Timestamp(now),
    )
    since = grid.starts[0].to_pydatetime() if len(grid) else pd.Timestamp(now).to_pydatetime()
    items, stored, first_created = _forecast_items(conn, choice, since)
    completed = items[items["outcome"] == "completed"]
    weekly = weekly_counts(completed["done"], grid)
    notices: list[str] = []
    default_by = today + DEFAULT_AHEAD
    by = params.by or default_by
    days = (by - start).days + 1
    if days < 1:
        notices.append(
            f"Ignored by={by}: forecasts start with next week, choose a date from {start} on. "
            f"Showing {default_by}."
        )
        by = default_by
    elif days > 7 * MAX_WEEKS:
        notices.append(
            f"Ignored by={by}: forecasts reach at most {MAX_WEEKS} weeks ahead. Showing {default_by}."
        )
        by = default_by
    days = (by - start).days + 1
    sample = weekly.to_numpy(dtype=float)
    totals = trial_totals(sample, days)
    finish_days = trial_finish_days(sample, params.items)
    return ForecastData(
        choice=choice,
        today=today,
        grid=grid,
        weekly=weekly,
        start=start,
        by=by,
        days=days,
        items=params.items,
        how_many=count_levels(totals),
        when_days=day_levels(finish_days),
        totals=totals,
        finish_days=finish_days,
        stored=stored,
        first_created=first_created,
        notices=notices,
    )
