"""The distributions page (lead-time and weekly-throughput histograms) and the WIP page
(daily WIP run chart and weekly net flow): view data, figures and CSV bodies
(docs/metrics.md, "Distributions", "Work in progress and net flow")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from sqlalchemy import Connection

from vger.metrics.calendar import WeekGrid, week_grid
from vger.metrics.distributions import histogram_marks, lead_time_histogram, throughput_histogram
from vger.metrics.percentiles import LEVELS
from vger.metrics.wip import daily_wip, weekly_net_flow
from vger.store import boards, queries, wip_reads
from vger.web import cache
from vger.web.figures import BAR, FONT, IN_PROGRESS, LEVEL_COLOURS, level_line
from vger.web.figures_periods import missing_data_message
from vger.web.views import BoardChoice, local_today, quadrant_data, view_key

# --------------------------------------------------------------------------- distributions


@dataclass
class DistributionsData:
    """Both histograms and their marks, from the quadrant's series of the same view."""

    choice: BoardChoice
    first_day: date
    last_day: date
    lead: pd.DataFrame  # lower, upper, count
    lead_marks: dict[int, float]
    lead_items: int
    weekly: pd.DataFrame  # lower, upper, count (weeks)
    weekly_marks: dict[int, float]
    weeks: int  # complete weeks
    unit: str
    message: str | None

    @property
    def empty_message(self) -> str | None:
        return self.message


def distributions_data(conn: Connection, choice: BoardChoice, now: datetime) -> DistributionsData:
    """The lead times of the items completed in the complete weeks of the range and the
    counts of those weeks, binned (the quadrant's own data: the marks are its lines)."""
    q = quadrant_data(conn, choice, now)
    complete = q.quadrant.throughput[q.quadrant.throughput["complete"]]
    lead_times = q.completed["lead_time"].to_numpy(dtype=float)
    lead_times = lead_times[~np.isnan(lead_times)]
    counts = complete["count"].to_numpy(dtype=float)
    lead_marks, weekly_marks = histogram_marks(lead_times, counts)
    github = choice.params.source == "github"
    unit = "working days" if choice.board.working_days and not github else "days"
    message = q.empty_message
    if message is None and not len(complete):
        message = "No complete week in the range yet: the histograms count complete weeks."
    return DistributionsData(
        q.choice,
        q.first_day,
        q.last_day,
        lead_time_histogram(lead_times),
        lead_marks,
        len(lead_times),
        throughput_histogram(counts),
        weekly_marks,
        len(complete),
        unit,
        message,
    )


def _histogram(title: str, x_title: str, y_title: str) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(
        title=dict(text=title, x=0.01, font=dict(size=15)),
        font=FONT,
        margin=dict(l=50, r=20, t=45, b=40),
        height=380,
        bargap=0.05,
        plot_bgcolor="white",
        legend=dict(orientation="h", y=-0.25),
        yaxis=dict(title=y_title, rangemode="tozero", gridcolor="#eee"),
        xaxis=dict(title=x_title, gridcolor="#f4f4f4"),
    )
    return fig


def _bars(fig: go.Figure, bins: pd.DataFrame, noun: str, unit: str) -> None:
    width = int(bins["upper"].iloc[0] - bins["lower"].iloc[0]) if len(bins) else 1
    fig.add_bar(
        x=(bins["lower"] + width / 2).to_numpy(dtype=float),
        y=bins["count"].to_numpy(),
        width=width,
        name=noun,
        marker_color=BAR,
        customdata=np.stack([bins["lower"], bins["upper"]], axis=1) if len(bins) else None,
        hovertemplate=f"%{{y}} {noun} with %{{customdata[0]}} to <%{{customdata[1]}} {unit}"
        "<extra></extra>",
    )


def _marks(fig: go.Figure, marks: dict[int, float], text: str) -> None:
    for level in LEVELS:
        value = marks.get(level, float("nan"))
        if np.isnan(value):
            continue
        fig.add_scatter(
            x=[round(value, 4), round(value, 4)],
            y=[0, 1],
            yaxis="y2",
            mode="lines",
            name=text.format(level=level, value=value),
            line=level_line(level),
            hovertemplate=text.format(level=level, value=value) + "<extra></extra>",
        )
    fig.update_layout(yaxis2=dict(overlaying="y", range=[0, 1], visible=False))


def lead_time_histogram_figure(data: DistributionsData) -> go.Figure:
    fig = _histogram("Lead-time histogram", f"lead time ({data.unit})", "items")
    _bars(fig, data.lead, "items", data.unit)
    _marks(fig, data.lead_marks, "{level} % within {value:.1f} " + data.unit)
    return fig


def throughput_histogram_figure(data: DistributionsData) -> go.Figure:
    fig = _histogram("Weekly-throughput histogram", "items completed in a week", "weeks")
    _bars(fig, data.weekly, "weeks", "items")
    _marks(fig, data.weekly_marks, "{level} % of weeks: at least {value:.1f}")
    return fig


def distributions_notes(data: DistributionsData) -> tuple[str, str]:
    span = f"from {data.first_day} to {data.last_day}"
    return (
        f"{data.lead_items} items completed in the complete weeks {span}, by lead time "
        f"({data.unit}, bins lower ≤ t < upper) · lines: 50/80/90 % finished within · "
        "linear percentiles",
        f"{data.weeks} complete weeks {span}, by items completed · lines: the throughput "
        "likelihood, L % of weeks delivered at least · the week in progress is left out",
    )


def leadtime_histogram_csv(data: DistributionsData) -> pd.DataFrame:
    """lower, upper (days), items, and the 50/80/90 % marks on every row."""
    frame = data.lead.rename(columns={"lower": "days_from", "upper": "days_to", "count": "items"})
    for level in LEVELS:
        frame[f"within_{level}"] = round(data.lead_marks.get(level, float("nan")), 4)
    return frame


def throughput_histogram_csv(data: DistributionsData) -> pd.DataFrame:
    """items_from, items_to, weeks, and the 50/80/90 % likelihood on every row."""
    frame = data.weekly.rename(
        columns={"lower": "items_from", "upper": "items_to", "count": "weeks"}
    )
    for level in LEVELS:
        frame[f"likelihood_{level}_at_least"] = round(data.weekly_marks.get(level, float("nan")), 4)
    return frame


# --------------------------------------------------------------------------- WIP, net flow


@dataclass
class WipData:
    """Daily WIP over the days of the range and weekly net flow over its weeks."""

    choice: BoardChoice
    first_day: date
    last_day: date
    grid: WeekGrid
    wip: pd.Series  # index: local days
    flow: pd.DataFrame  # index: weeks; arrivals, departures, net, complete
    stored: int

    @property
    def noun(self) -> str:
        return "pull requests" if self.choice.params.source == "github" else "issues"

    @property
    def empty_message(self) -> str | None:
        missing = missing_data_message(self.choice, self.stored)
        if missing:
            return missing
        if self.wip.empty:
            return (
                f"The range starting {self.first_day} lies in the future: choose dates up to today."
            )
        return None


def wip_data(conn: Connection, choice: BoardChoice, now: datetime) -> WipData:
    """Items between start and done per day and per week; cached like the quadrant."""
    key = view_key(conn, choice, now)
    return cache.cached("wip", key, lambda: _wip_data(conn, choice, now))


def _wip_data(conn: Connection, choice: BoardChoice, now: datetime) -> WipData:
    board, params = choice.board, choice.params
    today = local_today(board.tz, now)
    first_day, last_day = params.dates(today)
    last_day = min(last_day, today)
    grid = week_grid(pd.Timestamp(first_day), pd.Timestamp(last_day), board.tz, pd.Timestamp(now))
    days = pd.date_range(first_day, last_day, freq="D") if first_day <= last_day else None
    empty = WipData(choice, first_day, last_day, grid, pd.Series(dtype=int), pd.DataFrame(), 0)
    if days is None or not len(grid):
        return empty
    begin, end = grid.starts[0].to_pydatetime(), grid.ends[-1].to_pydatetime()
    if params.source == "github":
        rows = queries.pull_items(conn, board, params.repos or None)
        stored = len(rows)
        rows = rows.rename(columns={"created": "start"})
    else:
        stored = boards.issue_count(conn, board.id)
        rows = wip_reads.wip_rows(conn, board, begin, end, params.types or None)
    if stored == 0:
        return empty
    wip = daily_wip(rows["start"], rows["done"], days, board.tz)
    flow = weekly_net_flow(rows["start"], rows["done"], grid)
    return WipData(choice, first_day, last_day, grid, wip, flow, stored)


def wip_figure(data: WipData) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(
        title=dict(text="Work in progress", x=0.01, font=dict(size=15)),
        font=FONT,
        margin=dict(l=50, r=20, t=45, b=40),
        height=380,
        hovermode="x unified",
        plot_bgcolor="white",
        showlegend=False,
        yaxis=dict(
            title=f"{data.noun} in progress at the end of the day",
            rangemode="tozero",
            gridcolor="#eee",
        ),
        xaxis=dict(title=f"day ({data.choice.board.tz})", gridcolor="#f4f4f4"),
    )
    fig.add_scatter(
        x=[d.date().isoformat() for d in data.wip.index],
        y=data.wip.to_numpy(),
        mode="lines",
        line=dict(color=BAR, width=2, shape="hv"),
        hovertemplate=f"%{{y}} {data.noun} in progress<extra></extra>",
    )
    return fig


def netflow_figure(data: WipData) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(
        title=dict(text="Weekly net flow", x=0.01, font=dict(size=15)),
        font=FONT,
        margin=dict(l=50, r=20, t=45, b=40),
        height=380,
        plot_bgcolor="white",
        showlegend=False,
        yaxis=dict(title="arrivals − departures", gridcolor="#eee", zerolinecolor="#888"),
        xaxis=dict(title="week (Monday)", type="category"),
    )
    flow = data.flow
    complete = flow["complete"].to_numpy(dtype=bool)
    colours = np.where(flow["net"] > 0, LEVEL_COLOURS[50], "#e76f51")
    fig.add_bar(
        x=[d.date().isoformat() for d in flow.index],
        y=flow["net"].to_numpy(),
        marker_color=[c if ok else IN_PROGRESS for c, ok in zip(colours, complete, strict=True)],
        customdata=np.stack(
            [flow["arrivals"], flow["departures"], np.where(complete, "", " (week in progress)")],
            axis=1,
        ),
        hovertemplate="net %{y}: %{customdata[0]} arrived, %{customdata[1]} departed"
        "%{customdata[2]}<extra></extra>",
    )
    return fig


def wip_notes(data: WipData) -> tuple[str, str]:
    tz = data.choice.board.tz
    start = "created" if data.choice.params.source == "github" else "start"
    return (
        f"{data.noun} with {start} < end of day ≤ done (or not done), at each local midnight "
        f"({tz}) from {data.first_day} to {data.last_day}",
        f"per week (Monday to Monday, {tz}): arrivals ({start} in the week) minus departures "
        "(done in the week, completed or not); the change of the WIP over the week · the "
        "week in progress is paler",
    )


def wip_csv(data: WipData) -> pd.DataFrame:
    """day (local date), wip."""
    return pd.DataFrame(
        {"day": [d.date().isoformat() for d in data.wip.index], "wip": data.wip.to_numpy()}
    )


def netflow_csv(data: WipData) -> pd.DataFrame:
    """week (Monday), arrivals, departures, net, complete."""
    frame = data.flow.reset_index()
    frame["week"] = [d.date().isoformat() for d in frame["week"]]
    return frame[["week", "arrivals", "departures", "net", "complete"]]
