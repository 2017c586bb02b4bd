"""The aging view data: every open item with a start (or open pull request), its age,
work state and days in it, and the 50/70/85/95 % bands of the ages at which the range's
completed items left each state (docs/metrics.md, "Aging work in progress")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import quote

import pandas as pd
from sqlalchemy import Connection

from vger.metrics.aging import (
    PULL_STATE,
    aging_bands,
    open_item_ages,
    open_pull_ages,
    passed_level,
    pull_leave_ages,
)
from vger.metrics.blocked import flagged_days, flagged_now
from vger.metrics.calendar import WeekGrid, week_grid
from vger.metrics.events import UNMAPPED, Workflow
from vger.metrics.quadrant import completed_in_range
from vger.store import boards, flags, queries, statepack, wip_reads, workflows
from vger.web import cache
from vger.web.views.common import BoardChoice, local_today, missing_data_message
from vger.web.views.linked import linked_prs
from vger.web.views.scatter.data import OTHER, _safe_url, work_type_of


@dataclass
class AgingData:
    """Everything the aging page, its CSV and its JSON show."""

    choice: BoardChoice
    now: pd.Timestamp  # UTC: the ages are at this instant
    first_day: date
    last_day: date
    grid: WeekGrid
    workflow: Workflow | None
    items: pd.DataFrame  # one row per open item (see _open_items)
    bands: pd.DataFrame  # aging.aging_bands of the range's completed items
    completed: int  # how many completed items the bands come from
    stored: int

    @property
    def unit(self) -> str:
        github = self.choice.params.source == "github"
        return "working days" if self.choice.board.working_days and not github else "days"

    @property
    def github(self) -> bool:
        return self.choice.params.source == "github"

    @property
    def empty_message(self) -> str | None:
        board = self.choice.board
        if self.workflow is None and not self.github:
            return f"Board {board.name} has no work states yet: set them under Admin."
        missing = missing_data_message(self.choice, self.stored)
        if missing:
            return missing
        if self.items.empty:
            noun = "pull request of board" if self.github else "issue of board"
            return f"No {noun} {board.name} is in progress with these filters."
        return None

    def columns(self) -> list[tuple[int, str]]:
        """The states drawn, in board order: the lead-time interval, any other state an
        open item is in, then (unmapped) when an item is there."""
        if self.github:
            return [(0, PULL_STATE)]
        assert self.workflow is not None
        w = self.workflow
        held = set(self.items["position"].astype(int)) if len(self.items) else set()
        shown = [
            (k, s.name)
            for k, s in enumerate(w.states)
            if w.interval_start <= k <= w.interval_end or k in held
        ]
        return shown + ([(-1, UNMAPPED)] if -1 in held else [])


def aging_data(conn: Connection, choice: BoardChoice, now: datetime) -> AgingData:
    """The open items' ages and the bands of the range; cached per hour (ages move)."""
    board = choice.board
    hour = pd.Timestamp(now).floor("h")
    key = (
        board,
        sorted(choice.work_types.items()),
        choice.params.to_query(),
        hour,
        queries.data_version(conn, board.id),
    )
    return cache.cached("aging", key, lambda: _aging_data(conn, choice, now))


def _aging_data(conn: Connection, choice: BoardChoice, now: datetime) -> AgingData:
    board, params = choice.board, choice.params
    at = pd.Timestamp(now)
    at = at.tz_localize("UTC") if at.tzinfo is None else at.tz_convert("UTC")
    first_day, last_day = params.dates(local_today(board.tz, now))
    grid = week_grid(pd.Timestamp(first_day), pd.Timestamp(last_day), board.tz, at)
    workflow = workflows.get_workflow(conn, board.id)
    empty = AgingData(
        choice, at, first_day, last_day, grid, workflow, pd.DataFrame(), pd.DataFrame(), 0, 0
    )
    if params.source == "github":
        return _pull_aging(choice, empty, queries.pull_items(conn, board, params.repos or None))
    if workflow is None:
        return empty
    stored = boards.issue_count(conn, board.id)
    if stored == 0:
        return empty
    begin = grid.starts[0].to_pydatetime() if len(grid) else at.to_pydatetime()
    end = grid.ends[-1].to_pydatetime() if len(grid) else at.to_pydatetime()
    issues = wip_reads.aging_rows(conn, board, begin, end, params.types or None)
    working = board.working_days
    completed = completed_in_range(issues[issues["outcome"] == "completed"], grid)
    names = dict(enumerate(workflow.state_names))
    ages = statepack.unpack(
        completed["issue_id"], completed["leave_days"], working=working, names=names
    )
    bands = aging_bands(ages)
    wip = open_item_ages(issues, workflow, at, tz=board.tz, working_days=working)
    items = _with_flags(conn, choice, _open_items(choice, issues, wip, bands), at)
    items["prs"] = linked_prs(conn, choice, items, open_items=True)  # vger.metrics.links
    return AgingData(
        choice, at, first_day, last_day, grid, workflow, items, bands, len(completed), stored
    )


def _pull_aging(choice: BoardChoice, empty: AgingData, pulls: pd.DataFrame) -> AgingData:
    """Open pull requests in their one state, over the bands of the lead times of the
    pull requests merged in the complete weeks of the range."""
    if pulls.empty:
        return empty
    merged = completed_in_range(pulls[pulls["outcome"] == "completed"], empty.grid)
    bands = aging_bands(pull_leave_ages(merged))
    wip = open_pull_ages(pulls, empty.now)
    rows = pulls.assign(issue_id=pulls["key"], issue_type="Pull request", start=pulls["created"])
    items = _open_items(choice, rows, wip, bands)
    if len(items):
        items["work_type"] = items["key"].str.rsplit("#", n=1).str[0]
        urls = dict(zip(pulls["key"], pulls["url"], strict=True))
        items["url"] = [_safe_url(urls.get(k)) for k in items["key"]]
    empty.items, empty.bands, empty.completed, empty.stored = items, bands, len(merged), len(pulls)
    return empty


def _with_flags(
    conn: Connection, choice: BoardChoice, items: pd.DataFrame, at: pd.Timestamp
) -> pd.DataFrame:
    """``items`` with ``flagged`` (Jira's impediment flag set now) and ``days_flagged``
    (days flagged since the item's start, board's unit)."""
    if items.empty:
        return items
    board = choice.board
    changes = flags.issue_flags(conn, board.id, items["issue_id"].astype(str).tolist())
    now_on = flagged_now(changes)
    start = pd.to_datetime(items["start"], utc=True)
    windows = pd.DataFrame({"issue_id": items["issue_id"].astype(str), "start": start, "end": at})
    days = flagged_days(changes, windows, tz=board.tz, working_days=board.working_days)
    ids = items["issue_id"].astype(str)
    return items.assign(
        flagged=ids.isin(now_on.index[now_on.to_numpy(dtype=bool)]).to_numpy(),
        days_flagged=days.to_numpy(dtype=float),
    )


def _open_items(
    choice: BoardChoice, issues: pd.DataFrame, wip: pd.DataFrame, bands: pd.DataFrame
) -> pd.DataFrame:
    """The open items with what the chart and the CSV show: key, summary, type, work
    type, state, position, start, since, age, state_days, passed, url."""
    if wip.empty:
        return pd.DataFrame()
    rows = wip.merge(
        issues[["issue_id", "key", "summary", "issue_type", "start"]].astype({"issue_id": str}),
        on="issue_id",
    )
    rows["passed"] = passed_level(rows, bands)
    mapping = work_type_of(choice.work_types)
    # over numpy's object arrays: iterating a string column boxes each value in Python
    rows["work_type"] = [mapping.get(t, OTHER) for t in rows["issue_type"].to_numpy()]
    base = _safe_url((choice.board.browse_url or "").rstrip("/"))
    rows["url"] = [f"{base}/browse/{quote(str(k))}" if base else "" for k in rows["key"].to_numpy()]
    return rows.sort_values(["position", "age"], ascending=[True, False]).reset_index(drop=True)
