"""View models: read the store for one page's parameters and compute its series.

The only place the web layer reads the clock (``now`` is passed in by callers).
Figures (``figures.py``), CSV downloads and the JSON API all use these results, so a
chart and its CSV always show the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime

import pandas as pd
from sqlalchemy import Connection

from vger.errors import NotFoundError
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
from vger.store import boards, queries, sync, workflows
from vger.store.boards import Board
from vger.web import cache, state
from vger.web.params import MIN_DAYS, ViewParams, clamp_range


@dataclass
class BoardChoice:
    """The board a page shows, its options, and notices about the parameters."""

    board: Board
    params: ViewParams
    work_types: dict[str, list[str]]
    repos: dict[str, int]
    notices: list[str] = field(default_factory=list)


def choose_board(conn: Connection, params: ViewParams, now: datetime | None = None) -> BoardChoice:
    """Resolve the board (the first one when none is named), drop unknown work types and
    repositories with a notice, and cut the range to ``MAX_DAYS`` before its effective
    end in the board's zone (``now``: the app's clock by default). Raises NotFoundError
    for an unknown board."""
    all_boards = boards.list_boards(conn)
    if not all_boards:
        raise NotFoundError(
            "There are no boards yet. Run `vger demo` for a demo store, or add a board (`vger board add`)."
        )
    board = (
        next((b for b in all_boards if b.slug == params.board), None)
        if params.board
        else all_boards[0]
    )
    if board is None:
        raise NotFoundError(f"There is no board named {params.board!r}.")
    notices: list[str] = []
    work_types = workflows.work_types(conn, board.id)
    repos = boards.repos(conn, board.id)
    types = tuple(t for t in params.types if t in work_types)
    for unknown in sorted(set(params.types) - set(types)):
        notices.append(
            f"Ignored work type {unknown!r}: board {board.slug} has {', '.join(work_types) or 'no work types'}."
        )
    chosen_repos = tuple(r for r in params.repos if r in repos)
    for unknown in sorted(set(params.repos) - set(chosen_repos)):
        notices.append(f"Ignored repository {unknown!r}: not a repository of board {board.slug}.")
    params = ViewParams(
        **{**params.__dict__, "board": board.slug, "types": types, "repos": chosen_repos}
    )
    today = local_today(board.tz, now or state.now())
    start, end = params.dates(today)
    # the board's size matters only for ranges longer than a quarter (see max_days)
    issues = boards.issue_count(conn, board.id) if (end - start).days > MIN_DAYS else 0
    params, cut = clamp_range(params, today, issues)
    notices.extend(cut)
    progress = sync.first_sync_progress(conn, board.id) if params.source == "jira" else None
    if progress is not None:
        loaded, expected = progress
        notices.append(
            f"First sync not finished: {loaded} of {expected} issues loaded."
            if expected is not None
            else f"First sync not finished: {loaded} issues loaded so far."
        )
    return BoardChoice(board, params, work_types, repos, notices)


def local_today(tz: str, now: datetime) -> date:
    return pd.Timestamp(now).tz_convert(tz).date()


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


def quadrant_data(conn: Connection, choice: BoardChoice, now: datetime) -> QuadrantData:
    """Read the board's items and compute the four quadrants for ``choice.params``;
    cached per (board, parameters, local date, data version: see ``vger.web.cache``)."""
    return cache.cached(
        "quadrant", view_key(conn, choice, now), lambda: _quadrant_data(conn, choice, now)
    )


def view_key(conn: Connection, choice: BoardChoice, now: datetime) -> tuple:
    """What a view of ``choice`` depends on: the board and its settings, work types,
    repositories, the query string, the team's local date and the data version."""
    board = choice.board
    return (
        board,
        sorted(choice.work_types.items()),
        sorted(choice.repos.items()),
        choice.params.to_query(),
        local_today(board.tz, now),
        queries.data_version(conn, board.id),
    )


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
