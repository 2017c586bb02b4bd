"""The quarterly page and the lead-time scatterplot: view data, figures and CSV bodies.

View data (``quarterly_data``, ``scatter_data``) read the store for one page's
parameters; the figures and the CSV downloads are pure functions of that data, so a
chart and its CSV always show the same numbers. Jira and GitHub text is HTML-escaped
before it reaches a hover label.
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

from vger.metrics.calendar import QuarterGrid, WeekGrid, bucket_index, quarter_grid, week_grid
from vger.metrics.percentiles import LEVELS, lead_time_levels
from vger.metrics.quarterly import quarterly_lead_time, quarterly_throughput
from vger.store import queries
from vger.web import cache
from vger.web.csv import defuse
from vger.web.figures import BAR, FONT, IN_PROGRESS, LEVEL_COLOURS, level_line
from vger.web.views import BoardChoice, local_today, view_key

MONTHS = (
    "January February March April May June July August September October November December"
).split()
TYPE_COLOURS = ("#457b9d", "#e63946", "#2a9d8f", "#f4a261", "#6d597a", "#8ab17d", "#b56576")
OTHER = "Other"
OTHER_COLOUR = "#8d99ae"


# --------------------------------------------------------------------------- view data


def _items(conn: Connection, choice: BoardChoice) -> pd.DataFrame:
    board, params = choice.board, choice.params
    if params.source == "github":
        return queries.pull_items(conn, board, params.repos or None)
    return queries.issue_items(conn, board, params.types or None)


def missing_data_message(choice: BoardChoice, stored: int) -> str | None:
    """The sentence for a board with nothing stored (never synced, no repositories)."""
    if stored:
        return None
    board = choice.board
    if choice.params.source == "github":
        if not choice.repos:
            return f"Board {board.name} has no GitHub repositories. Add one under Admin, then sync."
        return f"No pull requests are stored for board {board.name} yet: run a sync (`vger etl --board {board.slug}`)."
    if choice.params.types:
        return (
            f"Board {board.name} has no issues of the work types {', '.join(choice.params.types)}: "
            "choose other work types."
        )
    return f"No issues are stored for board {board.name} yet: run a sync (`vger etl --board {board.slug}`)."


def unit(choice: BoardChoice) -> str:
    github = choice.params.source == "github"
    return "working days" if choice.board.working_days and not github else "days"


def _local(instants: pd.Series, tz: str) -> pd.Series:
    return pd.to_datetime(instants, utc=True).dt.tz_convert(tz).dt.tz_localize(None)


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
    items = _items(conn, choice)
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


@dataclass
class ScatterData:
    """Everything the scatterplot and its CSV show: one row per point."""

    choice: BoardChoice
    first_day: date
    last_day: date
    grid: WeekGrid
    points: pd.DataFrame  # key, summary, type, work_type, done, days, url, complete
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
    items = _items(conn, choice)
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


# --------------------------------------------------------------------------- notes


def fiscal_note(choice: BoardChoice) -> str:
    return f"fiscal year starts in {MONTHS[choice.board.fiscal_start_month - 1]}"


def quarterly_notes(data: QuarterlyData) -> tuple[str, str]:
    zone = f"team time zone {data.choice.board.tz}"
    n, done = len(data.grid), data.complete_quarters
    progress = " · quarter in progress drawn pale, not in the lines" if done < n else ""
    throughput = (
        f"{n} quarters ({done} complete) · straight likelihood over the complete quarters · "
        f"linear percentiles · {zone} · {fiscal_note(data.choice)}{progress}"
    )
    what = "merged − created" if data.choice.params.source == "github" else "done − start"
    lead = (
        f"{what} in {unit(data.choice)} · 50/80/90th percentile per quarter · {n} quarters · "
        f"linear percentiles · {zone} · {fiscal_note(data.choice)}"
    )
    return throughput, lead


def scatter_note(data: ScatterData) -> str:
    zone = f"team time zone {data.choice.board.tz}"
    pending = int((~data.points["complete"]).sum())
    noun = "merged pull requests" if data.params_github else "completed issues"
    text = (
        f"{len(data.points)} {noun} with a lead time · lines over {data.complete_weeks} complete "
        f"weeks · linear percentiles · {zone}"
    )
    if pending:
        text += f" · {pending} from the week in progress drawn hollow, not in the lines"
    if data.complete_weeks == 0:
        text += " · no complete week in the range yet, so no percentile lines"
    return text


# --------------------------------------------------------------------------- figures


def _layout(title: str, y_title: str, x_title: str, *, category: bool) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(
        title=dict(text=escape(title), x=0.01, font=dict(size=15)),
        font=FONT,
        margin=dict(l=50, r=20, t=45, b=40),
        height=380,
        legend=dict(orientation="h", y=-0.2),
        plot_bgcolor="white",
        yaxis=dict(title=y_title, rangemode="tozero", gridcolor="#eee"),
        xaxis=dict(
            gridcolor="#f4f4f4", title=x_title, **({"type": "category"} if category else {})
        ),
    )
    return fig


def _mark_in_progress(fig: go.Figure, labels: list[str], complete: np.ndarray) -> None:
    for i, ok in enumerate(complete[: len(labels)]):
        if not ok:
            fig.add_vrect(
                x0=i - 0.5,
                x1=i + 0.5,
                fillcolor="#dde3ea",
                opacity=0.35,
                line_width=0,
                layer="below",
                annotation_text="in progress",
                annotation_position="top",
                annotation_font=dict(size=10, color="#666"),
            )


def quarterly_throughput_figure(data: QuarterlyData) -> go.Figure:
    """Completed items per fiscal quarter (the quarter in progress paler) with straight
    50/80/90 % likelihood lines over the complete quarters."""
    github = data.choice.params.source == "github"
    noun = "PRs" if github else "Issues"
    fig = _layout(
        "Quarterly PR throughput" if github else "Quarterly throughput",
        f"{noun} per quarter",
        "fiscal quarter",
        category=True,
    )
    frame = data.throughput
    labels = list(frame["quarter"])
    complete = frame["complete"].to_numpy(dtype=bool)
    fig.update_layout(hovermode="x unified")
    fig.add_bar(
        x=labels,
        y=frame["count"],
        name="Completed" if not github else "Merged",
        marker_color=[BAR if c else IN_PROGRESS for c in complete],
        customdata=np.where(complete, "", " (quarter in progress, not in the lines)"),
        hovertemplate="%{y} completed%{customdata}<extra></extra>",
    )
    for level in LEVELS:
        value = data.likelihood.get(level, float("nan"))
        if np.isnan(value):
            continue
        fig.add_scatter(
            x=labels,
            y=[value] * len(labels),
            name=f"{level} %: at least",
            mode="lines",
            line=level_line(level),
            hovertemplate=f"{level} % of quarters: at least %{{y:.1f}}<extra></extra>",
        )
    _mark_in_progress(fig, labels, complete)
    return fig


def quarterly_lead_time_figure(data: QuarterlyData) -> go.Figure:
    """The 50/80/90th percentile of lead time per fiscal quarter."""
    github = data.choice.params.source == "github"
    u = unit(data.choice)
    fig = _layout(
        "Quarterly PR lead time" if github else "Quarterly lead time",
        u,
        "fiscal quarter",
        category=True,
    )
    frame = data.lead_time
    labels = list(frame["quarter"])
    fig.update_layout(hovermode="x unified")
    for level in LEVELS:
        fig.add_scatter(
            x=labels,
            y=frame[level],
            name=f"{level} % within",
            mode="lines+markers",
            marker=dict(size=7),
            line=level_line(level),
            customdata=frame["n"],
            hovertemplate=f"{level} % within %{{y:.1f}} {u} (%{{customdata}} items)<extra></extra>",
            connectgaps=False,
        )
    _mark_in_progress(fig, labels, frame["complete"].to_numpy(dtype=bool))
    return fig


def _colours(order: list[str]) -> dict[str, str]:
    colours = {}
    for i, name in enumerate(k for k in order if k != OTHER):
        colours[name] = TYPE_COLOURS[i % len(TYPE_COLOURS)]
    colours[OTHER] = OTHER_COLOUR
    return colours


#: Above this many points the scatterplot is drawn with WebGL (``scattergl``) from typed
#: arrays: x (ms) as float64, y as float32, no per-point text; hover shows the date and
#: the lead time, and a click is resolved on the server (:func:`scatter_point_url`). 91,000
#: points (two years of a 100,000-issue board) are ~1.5 MB instead of ~8 MB of SVG markers.
WEBGL_POINTS = 5_000


def _add_points(fig: go.Figure, data: ScatterData, u: str) -> None:
    tz = data.choice.board.tz
    points = data.points
    colours = _colours(data.work_type_order)
    local = _local(points["done"], tz) if len(points) else pd.Series([], dtype="datetime64[ns]")
    for kind in data.work_type_order:
        mask = (points["work_type"] == kind).to_numpy()
        sub = points[mask]
        when = local[mask]
        custom = [
            [
                row.url,
                escape(row.key, quote=False),
                escape(row.summary[:200], quote=False),
                escape(row.type, quote=False),
                "" if row.complete else "<br>(week in progress, not in the lines)",
                "click to open" if row.url else "no link",
            ]
            for row in sub.itertuples()
        ]
        fig.add_scatter(
            x=[t.strftime("%Y-%m-%dT%H:%M:%S") for t in when],
            y=sub["days"].round(4),
            name=escape(kind),
            mode="markers",
            marker=dict(
                color=colours.get(kind, OTHER_COLOUR),
                size=8,
                opacity=0.75,
                symbol=["circle" if c else "circle-open" for c in sub["complete"]],
                line=dict(width=1, color=colours.get(kind, OTHER_COLOUR)),
            ),
            customdata=custom,
            hovertemplate=(
                "<b>%{customdata[1]}</b> %{customdata[2]}<br>%{customdata[3]} · %{y:.1f} "
                + u
                + "<br>done %{x|%Y-%m-%d %H:%M}%{customdata[4]}<br><i>%{customdata[5]}</i><extra></extra>"
            ),
        )


def point_groups(data: ScatterData) -> list[tuple[str, bool, np.ndarray]]:
    """The WebGL traces in order: (work type, complete week?, row positions in
    ``data.points``); in-progress points are a trace of their own (open markers)."""
    kinds = data.points["work_type"].to_numpy()
    complete = data.points["complete"].to_numpy(dtype=bool)
    groups = []
    for kind in data.work_type_order:
        for done_week in (True, False):
            rows = np.flatnonzero((kinds == kind) & (complete == done_week))
            if len(rows):
                groups.append((kind, done_week, rows))
    return groups


def _add_many_points(fig: go.Figure, data: ScatterData, u: str) -> None:
    colours = _colours(data.work_type_order)
    local = _local(data.points["done"], data.choice.board.tz)
    ms = (local - pd.Timestamp(0)).dt.total_seconds().to_numpy() * 1000.0
    days = data.points["days"].to_numpy(dtype=float)
    for kind, done_week, rows in point_groups(data):
        colour = colours.get(kind, OTHER_COLOUR)
        fig.add_scattergl(
            x=ms[rows],
            y=days[rows].astype(np.float32),
            name=escape(kind) if done_week else f"{escape(kind)} (week in progress)",
            legendgroup=escape(kind),
            mode="markers",
            marker=dict(
                color=colour,
                size=6,
                opacity=0.6,
                symbol="circle" if done_week else "circle-open",
                line=dict(width=1, color=colour),
            ),
            hovertemplate=(
                f"{escape(kind)} · %{{y:.1f}} {u}<br>done %{{x|%Y-%m-%d %H:%M}}"
                "<br><i>click to open</i><extra></extra>"
            ),
        )
    fig.update_xaxes(type="date")


def scatter_point_url(data: ScatterData, curve: int, index: int) -> str:
    """The URL of point ``index`` of trace ``curve`` of a WebGL scatterplot ("" when
    there is none, e.g. a likelihood line)."""
    groups = point_groups(data)
    if len(data.points) <= WEBGL_POINTS or not 0 <= curve < len(groups):
        return ""
    rows = groups[curve][2]
    if not 0 <= index < len(rows):
        return ""
    url = data.points["url"].iat[int(rows[index])]
    return url if isinstance(url, str) and url.startswith(("https://", "http://")) else ""


def scatter_figure(data: ScatterData) -> go.Figure:
    """One point per item: x = done (team zone), y = lead time; colour by work type
    (repository for pull requests); horizontal 50/80/90 % lines; ``customdata[0]`` is
    the URL a click opens."""
    u = unit(data.choice)
    tz = data.choice.board.tz
    github = data.params_github
    fig = _layout(
        "PR lead time scatterplot" if github else "Lead time scatterplot",
        f"lead time ({u})",
        f"done ({tz})",
        category=False,
    )
    fig.update_layout(hovermode="closest", dragmode="zoom", height=520)
    if len(data.points) > WEBGL_POINTS:
        _add_many_points(fig, data, u)
    else:
        _add_points(fig, data, u)
    if len(data.grid):
        x0 = data.grid.labels[0].strftime("%Y-%m-%d")
        x1 = (data.grid.labels[-1] + pd.Timedelta(days=7)).strftime("%Y-%m-%d")
        for level in LEVELS:
            value = data.levels.get(level, float("nan"))
            if np.isnan(value):
                continue
            fig.add_scatter(
                x=[x0, x1],
                y=[round(value, 4), round(value, 4)],
                name=f"{level} % within {value:.1f}",
                mode="lines",
                line=dict(color=LEVEL_COLOURS[level], width=2, dash="dash"),
                hovertemplate=f"{level} % finished within %{{y:.1f}} {u}<extra></extra>",
            )
        fig.update_xaxes(range=[x0, x1])
    return fig


# --------------------------------------------------------------------------- CSV bodies


def quarterly_throughput_csv(data: QuarterlyData) -> pd.DataFrame:
    """quarter, start, end (local dates), count, complete, and the straight likelihood
    lines (the same value on every row: L % of complete quarters delivered at least it)."""
    frame = data.throughput.copy()
    frame["start"] = [d.isoformat() for d in frame["start"]]
    frame["end"] = [d.isoformat() for d in frame["end"]]
    for level in LEVELS:
        value = data.likelihood.get(level, float("nan"))
        frame[f"likelihood_{level}_at_least"] = round(value, 4) if not np.isnan(value) else np.nan
    return frame


def quarterly_leadtime_csv(data: QuarterlyData) -> pd.DataFrame:
    """One row per completed item with a lead time in the quarters shown: quarter,
    done (local date), key, summary, type, days."""
    items = data.lead_items
    frame = pd.DataFrame(
        {
            "quarter": items["quarter"].to_numpy(),
            "done": [t.date().isoformat() for t in _local(items["done"], data.choice.board.tz)],
            "key": items["key"].astype(str).to_numpy(),
            "summary": items["summary"].fillna("").astype(str).to_numpy(),
            "type": items["issue_type"].astype(str).to_numpy(),
            "days": np.round(items["lead_time"].to_numpy(dtype=float), 4),
        }
    )
    return defuse(frame, ["summary"])


def scatter_csv(data: ScatterData) -> pd.DataFrame:
    """The points: key, summary, type, work type, done (UTC), days, url."""
    p = data.points
    frame = pd.DataFrame(
        {
            "key": p["key"].to_numpy(),
            "summary": p["summary"].to_numpy(),
            "type": p["type"].to_numpy(),
            "work_type": p["work_type"].to_numpy(),
            "done": p["done"].dt.tz_convert("UTC").dt.strftime("%Y-%m-%dT%H:%M:%SZ").to_numpy(),
            "days": np.round(p["days"].to_numpy(dtype=float), 4),
            "url": p["url"].to_numpy(),
        }
    )
    return defuse(frame, ["summary"])
