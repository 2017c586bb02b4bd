"""The lead-time scatterplot's view data: one point per completed item in the range,
its work type and a safe link to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import quote

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from vger.metrics.calendar import WeekGrid, bucket_index, week_grid
from vger.metrics.percentiles import lead_time_levels
from vger.web import cache
from vger.web.views.common import (
    BoardChoice,
    board_items,
    local_today,
    missing_data_message,
    view_key,
)
from vger.web.views.linked import linked_prs

OTHER = "Other"
#: Up to this many points the hover names each issue's linked PRs, so the view data
#: carries them (``prs``); a bigger scatterplot is drawn without per-point text
#: (``figures.WEBGL_POINTS``) and its CSV and JSON read the links themselves.
HOVER_PRS_POINTS = 5_000


@dataclass
class ScatterData:
    """Everything the scatterplot and its CSV show: one row per point."""

    choice: BoardChoice
    first_day: date
    last_day: date
    grid: WeekGrid
    points: pd.DataFrame  # key, summary, type, work_type, done, days, url, complete[, prs]
    levels: dict[int, float]  # over the points of complete weeks
    completed: int  # completed items in the range, with or without a lead time
    stored: int
    work_type_order: list[str]

    @property
    def complete_weeks(self) -> int:
        return int(np.asarray(self.grid.complete).sum())

    @property
    def empty_message(self) -> str | None:
        missing = missing_data_message(self.choice, self.stored)
        if missing:
            return missing
        if len(self.grid) == 0:
            return f"The range {self.first_day} to {self.last_day} lies in the future: choose dates up to today."
        span = f"between {self.first_day} and {self.last_day}"
        if self.params_github:
            if len(self.points) == 0:
                return f"No pull request was merged {span} with these filters."
            return None
        if self.completed == 0:
            return f"No issue was completed {span} with these filters."
        if len(self.points) == 0:
            return (
                f"{self.completed} issue{'s were' if self.completed != 1 else ' was'} completed {span}, "
                "but none has a lead time: they never entered the lead-time interval."
            )
        return None

    @property
    def params_github(self) -> bool:
        return self.choice.params.source == "github"


def work_type_of(work_types: dict[str, list[str]]) -> dict[str, str]:
    """Issue type → work type name (the first work type that lists it)."""
    out: dict[str, str] = {}
    for name, issue_types in work_types.items():
        for issue_type in issue_types:
            out.setdefault(issue_type, name)
    return out


def _safe_url(url: object) -> str:
    text = str(url or "")
    return text if text.startswith(("https://", "http://")) else ""


def scatter_data(conn: Connection, choice: BoardChoice, now: datetime) -> ScatterData:
    """Completed items with a lead time whose ``done`` falls in the weeks of the range
    (the week in progress included, but left out of the percentile lines); cached like
    the quadrant (``views.view_key``)."""
    key = view_key(conn, choice, now)
    return cache.cached("scatter", key, lambda: _scatter_data(conn, choice, now))


def _scatter_data(conn: Connection, choice: BoardChoice, now: datetime) -> ScatterData:
    board, params = choice.board, choice.params
    first_day, last_day = params.dates(local_today(board.tz, now))
    grid = week_grid(pd.Timestamp(first_day), pd.Timestamp(last_day), board.tz, pd.Timestamp(now))
    items = board_items(conn, choice)
    completed = items[items["outcome"] == "completed"]
    buckets = bucket_index(completed["done"], grid.starts, grid.ends)
    in_range = completed[buckets >= 0].copy()
    in_range["complete"] = np.asarray(grid.complete, dtype=bool)[buckets[buckets >= 0]]
    with_lead = in_range[in_range["lead_time"].notna()].sort_values(["done", "key"])
    github = params.source == "github"
    if github:
        kinds = with_lead["repo"].astype(str).tolist()
        order = sorted(set(kinds))
        urls = [_safe_url(u) for u in with_lead["url"]]
    else:
        mapping = work_type_of(choice.work_types)
        kinds = [mapping.get(t, OTHER) for t in with_lead["issue_type"]]
        order = [*choice.work_types, OTHER]
        base = _safe_url((board.browse_url or "").rstrip("/"))
        urls = [f"{base}/browse/{quote(str(k))}" if base else "" for k in with_lead["key"]]
    points = pd.DataFrame(
        {
            "key": with_lead["key"].astype(str).to_numpy(),
            "summary": with_lead["summary"].fillna("").astype(str).to_numpy(),
            "type": with_lead["issue_type"].astype(str).to_numpy(),
            "work_type": kinds,
            "done": with_lead["done"].to_numpy(),
            "days": with_lead["lead_time"].to_numpy(dtype=float),
            "url": urls,
            "complete": with_lead["complete"].to_numpy(dtype=bool),
        }
    )
    points["done"] = pd.to_datetime(points["done"], utc=True)
    if github:
        points["prs"] = ""
    elif len(points) <= HOVER_PRS_POINTS:
        points["prs"] = linked_prs(conn, choice, points)
    levels = lead_time_levels(points.loc[points["complete"], "days"])
    return ScatterData(
        choice,
        first_day,
        last_day,
        grid,
        points,
        levels,
        int(len(in_range)),
        int(len(items)),
        [k for k in order if k in set(kinds)],
    )
