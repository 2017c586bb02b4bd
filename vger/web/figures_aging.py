"""The aging work-in-progress page: view data, figure and CSV body.

Every open Jira issue with a start, in its current work state at its age, over the
50/70/85/95 % bands of the ages at which the range's completed issues left each state
(docs/metrics.md, "Aging work in progress"). Strings reach hovers escaped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from urllib.parse import quote

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from sqlalchemy import Connection

from vger.metrics.aging import (
    AGING_LEVELS,
    PULL_STATE,
    aging_bands,
    leave_ages,
    open_ages,
    open_pull_ages,
    passed_level,
    pull_leave_ages,
)
from vger.metrics.calendar import WeekGrid, week_grid
from vger.metrics.events import UNMAPPED, Workflow
from vger.metrics.quadrant import completed_in_range
from vger.store import boards, queries, wip_reads
from vger.web import cache
from vger.web.csv import defuse
from vger.web.figures import FONT
from vger.web.figures_periods import OTHER, _safe_url, missing_data_message, work_type_of
from vger.web.views import BoardChoice, local_today

#: Band fills (below 50 %, 50–70, 70–85, 85–95) and point colours by the band passed.
BAND_FILLS = {50: "#d8f3dc", 70: "#fff3bf", 85: "#ffe0b2", 95: "#ffccd5"}
PASSED_COLOURS = {0: "#2b9348", 50: "#b08900", 70: "#e76f51", 85: "#c1121f", 95: "#6a040f"}


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
    workflow = boards.get_workflow(conn, board.id)
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
    issues, transitions = wip_reads.aging_rows(conn, board, begin, end, params.types or None)
    working = board.working_days
    completed = completed_in_range(issues[issues["outcome"] == "completed"], grid)
    ages = leave_ages(completed, transitions, workflow, tz=board.tz, working_days=working)
    bands = aging_bands(ages)
    wip = open_ages(issues, transitions, workflow, at, tz=board.tz, working_days=working)
    items = _open_items(choice, issues, wip, bands)
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
    rows["work_type"] = [mapping.get(t, OTHER) for t in rows["issue_type"]]
    base = _safe_url((choice.board.browse_url or "").rstrip("/"))
    rows["url"] = [f"{base}/browse/{quote(str(k))}" if base else "" for k in rows["key"]]
    return rows.sort_values(["position", "age"], ascending=[True, False]).reset_index(drop=True)


def _escaped(values: pd.Series) -> np.ndarray:
    """HTML-escaped text (``&``, ``<``, ``>``), as an object array."""
    return np.array([escape(str(v), quote=False) for v in values], dtype=object)


def _offsets(count: int) -> np.ndarray:
    """Spread ``count`` points of one column across its width, deterministically."""
    if count <= 1:
        return np.zeros(count)
    return np.linspace(-0.3, 0.3, count)[np.argsort(np.arange(count) * 7 % count)]


def aging_figure(data: AgingData) -> go.Figure:
    """Columns = work states; per column the 50/70/85/95 % bands as stacked bars and one
    point per open item at its age, coloured by the band it passed; ``customdata[0]``
    is the URL a click opens."""
    u = data.unit
    columns = data.columns()
    index = {position: k for k, (position, _) in enumerate(columns)}
    names = [escape(name) for _, name in columns]
    fig = go.Figure()
    fig.update_layout(
        title=dict(text="Aging work in progress", x=0.01, font=dict(size=15)),
        font=FONT,
        margin=dict(l=50, r=20, t=45, b=40),
        height=540,
        hovermode="closest",
        barmode="stack",
        bargap=0.05,
        plot_bgcolor="white",
        legend=dict(orientation="h", y=-0.15),
        yaxis=dict(
            title=f"age ({u} since {'created' if data.github else 'start'})",
            rangemode="tozero",
            gridcolor="#eee",
        ),
        xaxis=dict(
            tickvals=list(range(len(columns))),
            ticktext=names,
            range=[-0.5, len(columns) - 0.5],
            title="current work state",
        ),
    )
    bands = data.bands.set_index("position") if len(data.bands) else pd.DataFrame()
    below = np.zeros(len(columns))
    for level in AGING_LEVELS:
        tops = np.array(
            [float(bands.loc[p, level]) if p in bands.index else np.nan for p, _ in columns]
        )
        height = np.where(np.isnan(tops), 0.0, np.maximum(tops - below, 0.0))
        fig.add_bar(
            x=list(range(len(columns))),
            y=np.round(height, 4),
            base=np.round(below, 4),
            width=0.9,
            name=f"{level} % had left by",
            marker=dict(color=BAND_FILLS[level], line=dict(width=0)),
            customdata=np.round(tops, 2),
            hovertemplate=f"{level} % of completed items had left by %{{customdata}} {u}<extra></extra>",
        )
        below = np.where(np.isnan(tops), below, np.maximum(tops, below))
    items = data.items
    for level in (0, *AGING_LEVELS):
        sub = items[items["passed"] == level] if len(items) else items
        if sub.empty:
            continue
        x = np.zeros(len(sub))
        for position, k in index.items():
            mask = (sub["position"] == position).to_numpy()
            x[mask] = k + _offsets(int(mask.sum()))
        custom = np.column_stack(
            [
                sub["url"].to_numpy(dtype=str),
                _escaped(sub["key"]),
                _escaped(sub["summary"].astype(str).str.slice(0, 200)),
                _escaped(sub["issue_type"]),
                _escaped(sub["state"]),
                np.char.mod("%.1f", sub["state_days"].to_numpy(dtype=float)),
                np.where(sub["url"].astype(bool), "click to open", "no link"),
            ]
        ).astype(str)  # one string array: plotly copies it in one piece, not per value
        fig.add_scatter(
            x=np.round(x, 3),
            y=sub["age"].round(4),
            mode="markers",
            name="within the 50 % band" if level == 0 else f"past {level} %",
            marker=dict(color=PASSED_COLOURS[level], size=10, line=dict(width=1, color="white")),
            customdata=custom,
            hovertemplate=(
                "<b>%{customdata[1]}</b> %{customdata[2]}<br>%{customdata[3]} · age %{y:.1f} "
                + u
                + "<br>%{customdata[5]} "
                + u
                + " in %{customdata[4]}<br><i>%{customdata[6]}</i><extra></extra>"
            ),
        )
    return fig


def aging_note(data: AgingData) -> str:
    tz = data.choice.board.tz
    when = data.now.tz_convert(tz).strftime("%Y-%m-%d %H:%M")
    if data.github:
        return (
            f"{len(data.items)} pull requests open, ages at {when} ({tz}) in days since "
            f"created (draft time included) · bands: 50/70/85/95 % of the {data.completed} "
            f"pull requests merged in the complete weeks from {data.first_day} to "
            f"{data.last_day} were merged by that age · colour: the highest band passed"
        )
    return (
        f"{len(data.items)} items started and not done, ages at {when} ({tz}) in {data.unit} "
        f"since start · bands: 50/70/85/95 % of the {data.completed} items completed in the "
        f"complete weeks from {data.first_day} to {data.last_day} had left the state by that "
        "age (left = moved past it for good) · colour: the highest band passed · linear "
        "percentiles"
    )


def aging_csv(data: AgingData) -> pd.DataFrame:
    """One row per open item: key, summary, type, work type, state, start (UTC), age,
    in state since (UTC), days in state, the band passed (0: none), url."""
    items = data.items
    if items.empty:
        return pd.DataFrame(
            columns=[
                "key", "summary", "type", "work_type", "state", "start", "age_days",
                "state_since", "days_in_state", "passed_percentile", "url",
            ]
        )  # fmt: skip
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    frame = pd.DataFrame(
        {
            "key": items["key"].astype(str).to_numpy(),
            "summary": items["summary"].astype(str).to_numpy(),
            "type": items["issue_type"].astype(str).to_numpy(),
            "work_type": items["work_type"].to_numpy(),
            "state": items["state"].astype(str).to_numpy(),
            "start": pd.to_datetime(items["start"], utc=True).dt.strftime(stamp).to_numpy(),
            "age_days": np.round(items["age"].to_numpy(dtype=float), 4),
            "state_since": pd.to_datetime(items["since"], utc=True).dt.strftime(stamp).to_numpy(),
            "days_in_state": np.round(items["state_days"].to_numpy(dtype=float), 4),
            "passed_percentile": items["passed"].astype(int).to_numpy(),
            "url": items["url"].to_numpy(),
        }
    )
    return defuse(frame, ["summary", "state", "type", "work_type"])


def aging_bands_json(data: AgingData) -> list[dict]:
    """The bands per state: state, position, items, p50/p70/p85/p95 (days)."""
    out = []
    for row in data.bands.to_dict("records"):
        out.append(
            {
                "state": row["state"],
                "position": int(row["position"]),
                "items": int(row["items"]),
                **{f"p{level}": float(row[level]) for level in AGING_LEVELS},
            }
        )
    return out
