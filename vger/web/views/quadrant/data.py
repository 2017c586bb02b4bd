"""The quadrant's view data: read the store for one page's parameters and compute the
four quadrants and the headlines (:mod:`vger.metrics`). The page, its CSVs and its JSON
all use :func:`quadrant_data`, so a chart and its CSV always show the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

import pandas as pd
from sqlalchemy import Connection

from vger.metrics.backlog import Baseline
from vger.metrics.calendar import WeekGrid, week_grid
from vger.metrics.headlines import Headlines, quadrant_headlines
from vger.metrics.pulls import tags_in_range, weekly_volume
from vger.metrics.quadrant import (
    Quadrant,
    QuadrantOptions,
    completed_in_range,
    history_grid_from,
    issue_quadrant,
    weekly_quadrant,
)
from vger.store import queries
from vger.store.boards import Board
from vger.web import cache
from vger.web.params import ViewParams
from vger.web.views.common import BoardChoice, local_today, view_key


@dataclass
class QuadrantData:
    """Everything the quadrant page, its CSVs and its JSON show."""

    choice: BoardChoice
    first_day: date
    last_day: date
    window: int
    quadrant: Quadrant
    items: pd.DataFrame  # every filtered item (issues or pull requests)
    completed: pd.DataFrame  # completed in the complete weeks of the range
    by_state: pd.DataFrame  # jira only: per-work-state percentiles
    volume: pd.DataFrame  # github only: merged / rejected lines per week
    tags: pd.DataFrame
    stored: int | None = None  # items stored (after the filters); None: len(items)
    headlines: Headlines | None = None

    @property
    def source(self) -> str:
        return self.choice.params.source

    @property
    def grid(self) -> WeekGrid:
        return self.quadrant.grid

    @property
    def last_completion(self) -> date | None:
        """Local date (team zone) of the board's last completed item with these filters."""
        done = pd.to_datetime(
            self.items.loc[self.items["outcome"] == "completed", "done"], utc=True
        ).dropna()
        if done.empty:
            return None
        return done.max().tz_convert(self.choice.board.tz).date()

    @property
    def empty_message(self) -> str | None:
        """A sentence saying what is missing, or None when there is something to draw."""
        board = self.choice.board.name
        stored = len(self.items) if self.stored is None else self.stored
        if stored == 0:
            if self.source == "github":
                if not self.choice.repos:
                    return (
                        f"Board {board} has no GitHub repositories. Add one under Admin, then sync."
                    )
                return f"No pull requests are stored for board {board} yet: run a sync (`vger etl --board {self.choice.board.slug}`)."
            return f"No issues are stored for board {board} yet: run a sync (`vger etl --board {self.choice.board.slug}`)."
        if len(self.grid) == 0:
            return f"The range {self.first_day} to {self.last_day} lies in the future: choose dates up to today."
        if self.quadrant.throughput["count"].sum() == 0:
            noun = "pull request was merged" if self.source == "github" else "issue was completed"
            return f"No {noun} between {self.first_day} and {self.last_day} with these filters."
        return None


def quadrant_data(
    conn: Connection, choice: BoardChoice, now: datetime, key: tuple | None = None
) -> QuadrantData:
    """Read the board's items and compute the four quadrants for ``choice.params``;
    cached per (board, parameters, local date, data version: see ``vger.web.cache``;
    ``key``: that :func:`view_key`, when the caller has it already)."""
    key = view_key(conn, choice, now) if key is None else key
    return cache.cached("quadrant", key, lambda: _quadrant_data(conn, choice, now))


def _quadrant_data(conn: Connection, choice: BoardChoice, now: datetime) -> QuadrantData:
    board, params = choice.board, choice.params
    first_day, last_day = params.dates(local_today(board.tz, now))
    window = params.window or board.rolling_weeks
    opts = QuadrantOptions(
        first_day=pd.Timestamp(first_day),
        last_day=pd.Timestamp(last_day),
        tz=board.tz,
        now=pd.Timestamp(now),
        window=window,
        rolling=params.lines == "rolling",
        relative_backlog=params.backlog == "relative",
    )
    by_state = pd.DataFrame()
    volume = pd.DataFrame()
    stored = None
    if params.source == "github":
        items = queries.pull_items(conn, board, params.repos or None)
        quadrant = weekly_quadrant(items, opts)
        volume = weekly_volume(items, quadrant.grid)
    else:
        by_states = params.leadtime == "states"
        items, opts, stored = _range_issues(conn, board, params, opts, by_states)
        states = None
        if by_states:
            states = queries.completed_state_times_of(conn, board, items)
            items = items.drop(columns="state_days")
        quadrant, by_state = issue_quadrant(items, states, opts)
    completed = completed_in_range(items[items["outcome"] == "completed"], quadrant.grid)
    tags = pd.DataFrame(columns=["repo", "name", "at"])
    if params.tags and len(quadrant.grid):
        tags = tags_in_range(
            queries.board_tags(conn, board), quadrant.grid.starts[0], quadrant.grid.ends[-1]
        )
    github = params.source == "github"
    headlines = quadrant_headlines(
        items,
        quadrant.grid,
        board.tz,
        pd.Timestamp(now),
        data_first=opts.data_first,
        noun="PRs" if github else "issues",
        unit="working days" if board.working_days and not github else "days",
    )
    return QuadrantData(
        choice,
        first_day,
        last_day,
        window,
        quadrant,
        items,
        completed,
        by_state,
        volume,
        tags,
        stored,
        headlines,
    )


def _range_issues(
    conn: Connection, board: Board, params: ViewParams, opts: QuadrantOptions, by_states: bool
) -> tuple[pd.DataFrame, QuadrantOptions, int]:
    """The issues the range's quadrant needs — created or done from the first week of
    its history grid (the range plus the rolling window) — and the options that carry
    what the rest of the history adds: its first creation and the backlog's counts before
    that week. One aggregate and one range read, whatever the board's age (a second
    aggregate when the data starts inside the window)."""
    types = params.types or None
    # The read reaches back over the rolling window and over the previous period of the
    # range's length, which the headlines compare with (vger.metrics.headlines).
    weeks = len(week_grid(opts.first_day, opts.last_day, opts.tz, opts.now))
    reach = replace(opts, window=max(opts.window, weeks + 1))
    # The reach's first week when the data is older than it (the usual case).
    old = _utc_start(history_grid_from(OLDEST, reach), reach)
    counts = queries.issue_counts(conn, board, old, types)
    since = _utc_start(history_grid_from(counts.first, reach), reach) if counts.first else None
    if since is not None and since != counts.since:
        counts = queries.issue_counts(conn, board, since, types)
    since = counts.since
    opts = replace(
        opts,
        data_first=None if counts.first is None else pd.Timestamp(counts.first),
        backlog_before=Baseline(
            pd.Timestamp(since), counts.created, counts.completed, counts.abandoned
        ),
    )
    # Reading by index pays when most issues are older than the window (a 13-week view of
    # years of history); for a range spanning most of the data one scan is cheaper, and
    # the older rows it brings are left out of the backlog by the baseline.
    selective = counts.created > counts.stored // 2
    items = queries.issue_items(
        conn, board, types, lean=True, state_days=by_states, since=since if selective else None
    )
    return items, opts, counts.stored


OLDEST = pd.Timestamp("1970-01-01", tz="UTC")  # data older than any window


def _utc_start(history: tuple, opts: QuadrantOptions) -> datetime:
    """The first instant (UTC) of a history grid (the clock's for an empty grid: a
    range in the future needs no rows)."""
    grid = history[0]
    start = pd.Timestamp(grid.starts[0]) if len(grid) else pd.Timestamp(opts.now)
    start = start.tz_localize("UTC") if start.tzinfo is None else start.tz_convert("UTC")
    return start.to_pydatetime()


def completed_with_details(conn: Connection, data: QuadrantData) -> pd.DataFrame:
    """The range's completed items with summary, start and the packed per-state days
    (``state_days``; issues only: the charts do not need them, so they are read only for
    the lead-time CSV, in one read of the range)."""
    if data.source == "github":
        return data.completed
    if data.completed.empty or not len(data.grid):  # nothing to read; the same columns
        return data.completed.assign(
            summary=pd.Series(dtype=object),
            start=pd.Series(dtype="datetime64[ns, UTC]"),
            state_days=pd.Series(dtype=object),
        )
    details = queries.completed_details(
        conn,
        data.choice.board,
        data.grid.starts[0].to_pydatetime(),
        data.grid.ends[-1].to_pydatetime(),
        data.choice.params.types or None,
    )
    return data.completed.merge(details, on="issue_id", how="left")


@dataclass
class LeadTimeRows:
    """What the Jira lead-time CSV lists: the issues completed in the complete weeks of
    the range (the quadrant's ``completed``, with summary, start and the packed per-state
    days), read on their own: the CSV needs none of the charts' history."""

    choice: BoardChoice
    first_day: date
    last_day: date
    completed: pd.DataFrame

    @property
    def source(self) -> str:
        return self.choice.params.source


def leadtime_rows(conn: Connection, choice: BoardChoice, now: datetime) -> LeadTimeRows:
    """:class:`LeadTimeRows` for a Jira view: the completed issues of the range's
    displayed weeks (those of :func:`vger.metrics.quadrant.history_grid` from the
    range's first Monday), by one read of the issues done in them."""
    board, params = choice.board, choice.params
    first_day, last_day = params.dates(local_today(board.tz, now))
    grid = week_grid(pd.Timestamp(first_day), pd.Timestamp(last_day), board.tz, pd.Timestamp(now))
    if not len(grid):
        items = queries.completed_items(conn, board, OLDEST.to_pydatetime(), OLDEST.to_pydatetime())
    else:
        items = queries.completed_items(
            conn,
            board,
            grid.starts[0].to_pydatetime(),
            grid.ends[-1].to_pydatetime(),
            params.types or None,
        )
    return LeadTimeRows(choice, first_day, last_day, completed_in_range(items, grid))
