"""The cumulative-flow view data: issues per work state at the end of each day of the
range (team time zone).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import Connection

from vger.metrics.calendar import local_midnight_to_utc
from vger.metrics.events import Workflow
from vger.metrics.flow import flow_from_changes
from vger.store import boards, flow_reads, workflows
from vger.web import cache
from vger.web.views.common import BoardChoice, local_today, missing_data_message, view_key

#: Days a flow covers at most (two years): each day is a bound of the range read's SQL, so
#: a ten-year range cost 4.8 CPU-s on a small board.
MAX_DAYS = 731


@dataclass
class FlowData:
    """Everything the cumulative-flow page and its CSV show."""

    choice: BoardChoice
    first_day: date
    last_day: date
    workflow: Workflow | None
    flow: pd.DataFrame  # index: local days; columns: states in board order, (unmapped)
    stored: int
    asked_from: date | None = None  # the first day asked, when longer than MAX_DAYS allow

    @property
    def empty_message(self) -> str | None:
        board = self.choice.board
        if self.choice.params.source == "github":
            return (
                "Cumulative flow is for Jira issues: it counts issues per work state. "
                "Choose Jira issues as the source."
            )
        if self.workflow is None:
            return f"Board {board.name} has no work states yet: set them under Admin."
        missing = missing_data_message(self.choice, self.stored)
        if missing:
            return missing
        if self.first_day > self.last_day:
            return (
                f"The range starting {self.first_day} lies in the future: choose dates up to today."
            )
        return None


def flow_data(conn: Connection, choice: BoardChoice, now: datetime) -> FlowData:
    """Issues per work state at the end of each day of the range (up to today);
    cached like the quadrant."""
    return cache.cached("flow", view_key(conn, choice, now), lambda: _flow_data(conn, choice, now))


def _flow_data(conn: Connection, choice: BoardChoice, now: datetime) -> FlowData:
    board, params = choice.board, choice.params
    today = local_today(board.tz, now)
    first_day, last_day = params.dates(today)
    last_day = min(last_day, today)
    asked = None
    if (last_day - first_day).days >= MAX_DAYS:  # the read's cost grows with the days
        asked, first_day = first_day, last_day - timedelta(days=MAX_DAYS - 1)
    workflow = workflows.get_workflow(conn, board.id)
    empty = pd.DataFrame(index=pd.DatetimeIndex([], name="day"))
    if params.source == "github" or workflow is None:
        return FlowData(choice, first_day, last_day, workflow, empty, 0)
    stored = boards.issue_count(conn, board.id)
    if first_day > last_day or stored == 0:
        return FlowData(choice, first_day, last_day, workflow, empty, stored)
    days = pd.date_range(first_day, last_day, freq="D")
    begin = local_midnight_to_utc(pd.DatetimeIndex(days[:1]), board.tz)[0]
    ends = local_midnight_to_utc(days + pd.Timedelta(days=1), board.tz)
    read = flow_reads.flow_changes(
        conn,
        board,
        params.types or None,
        begin.to_pydatetime(),
        [e.to_pydatetime() for e in ends],
    )
    flow = flow_from_changes(read.baseline, read.changes, read.seen, workflow, days)
    return FlowData(choice, first_day, last_day, workflow, flow, stored, asked)
