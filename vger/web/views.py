"""View models: read the store for one page's parameters and compute its series.

The only place the web layer reads the clock (``now`` is passed in by callers).
Figures (``figures.py``), CSV downloads and the JSON API all use these results, so a
chart and its CSV always show the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd
from sqlalchemy import Connection

from vger.errors import NotFoundError
from vger.metrics.calendar import WeekGrid
from vger.metrics.pulls import tags_in_range, weekly_volume
from vger.metrics.quadrant import (
    Quadrant,
    QuadrantOptions,
    completed_in_range,
    issue_quadrant,
    weekly_quadrant,
)
from vger.store import boards, queries, sync
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
    work_types = boards.work_types(conn, board.id)
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

    @property
    def source(self) -> str:
        return self.choice.params.source

    @property
    def grid(self) -> WeekGrid:
        return self.quadrant.grid

    @property
    def empty_message(self) -> str | None:
        """A sentence saying what is missing, or None when there is something to draw."""
        board = self.choice.board.name
        if len(self.items) == 0:
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
    board = choice.board
    key = (
        board,
        sorted(choice.work_types.items()),
        sorted(choice.repos.items()),
        choice.params.to_query(),
        local_today(board.tz, now),
        queries.data_version(conn, board.id),
    )
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
    if params.source == "github":
        items = queries.pull_items(conn, board, params.repos or None)
        quadrant = weekly_quadrant(items, opts)
        volume = weekly_volume(items, quadrant.grid)
    else:
        by_states = params.leadtime == "states"
        items = queries.issue_items(
            conn, board, params.types or None, lean=True, state_days=by_states
        )
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
    return QuadrantData(
        choice, first_day, last_day, window, quadrant, items, completed, by_state, volume, tags
    )


def completed_with_details(conn: Connection, data: QuadrantData) -> pd.DataFrame:
    """The range's completed items with summary and start (issues only; the charts do not
    need them, so they are read only for the lead-time CSV)."""
    if data.source == "github":
        return data.completed
    details = queries.issue_details(conn, data.choice.board, data.completed["issue_id"].tolist())
    return data.completed.merge(details, on="issue_id", how="left")
