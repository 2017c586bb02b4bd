"""The forecast page (Monte Carlo) and the cumulative-flow page: view data, figures and
CSV bodies.

View data (``forecast_data``, ``flow_data``) read the store for one page's parameters;
figures and CSV downloads are pure functions of that data, so a chart and its CSV
always show the same numbers. Work-state names are HTML-escaped before they reach a
legend or a hover label.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from html import escape

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from sqlalchemy import Connection

from vger.metrics.calendar import WeekGrid, local_midnight_to_utc, monday_of, week_grid
from vger.metrics.events import UNMAPPED, Workflow
from vger.metrics.flow import cumulative_flow, flow_bands
from vger.metrics.forecast import (
    MAX_WEEKS,
    SEED,
    TRIALS,
    count_levels,
    day_levels,
    trial_finish_days,
    trial_totals,
)
from vger.metrics.percentiles import LEVELS
from vger.metrics.throughput import weekly_counts
from vger.store import boards, queries, workflows
from vger.web import cache
from vger.web.csv import defuse
from vger.web.figures import BAR, FONT, level_line
from vger.web.figures_periods import missing_data_message
from vger.web.views import BoardChoice, local_today

#: ``MAX_WEEKS``: the trials look this many weeks ahead; so may ``by``.
DEFAULT_AHEAD = timedelta(weeks=6)
STATE_COLOURS = ("#2a9d8f", "#457b9d", "#e9c46a", "#f4a261", "#e76f51", "#6d597a", "#8ab17d")
BACKLOG_COLOUR = "#ced4da"
UNMAPPED_COLOUR = "#6c757d"


def _key(conn: Connection, choice: BoardChoice, now: datetime) -> tuple:
    board = choice.board
    return (
        board,
        sorted(choice.work_types.items()),
        sorted(choice.repos.items()),
        choice.params.to_query(),
        local_today(board.tz, now),
        queries.data_version(conn, board.id),
    )


# --------------------------------------------------------------------------- forecast


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
#: When-chart bins, in days: the first that draws the trials in at most MAX_BINS bars.
BIN_DAYS = (1, 7, 28, 91, 364)
MAX_BINS = 62
DAY_MS = 86_400_000


def day_label(day: date) -> str:
    """``2024-04-14 (Sun)``: a date with its weekday (English, whatever the locale)."""
    return f"{day.isoformat()} ({WEEKDAYS[day.weekday()]})"


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


def _forecast_items(conn: Connection, choice: BoardChoice) -> pd.DataFrame:
    board, params = choice.board, choice.params
    if params.source == "github":
        return queries.pull_items(conn, board, params.repos or None)
    return queries.issue_items(conn, board, params.types or None, lean=True)


def forecast_data(conn: Connection, choice: BoardChoice, now: datetime) -> ForecastData:
    """Monte Carlo forecasts from the last ``sample`` complete weeks before today;
    cached like the quadrant (see :mod:`vger.web.cache`)."""
    return cache.cached(
        "forecast", _key(conn, choice, now), lambda: _forecast_data(conn, choice, now)
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
    items = _forecast_items(conn, choice)
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
    created = pd.to_datetime(items["created"], utc=True)
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
        stored=int(len(items)),
        first_created=created.min() if len(created) else None,
        notices=notices,
    )


def forecast_notes(data: ForecastData) -> tuple[str, str, str]:
    """Notes under the sample chart, the how-many chart and the when chart."""
    zone = f"team time zone {data.choice.board.tz}"
    noun = "merged pull requests" if data.github else "completed issues"
    sample = (
        f"{noun} per week in the last {len(data.grid)} complete weeks ({data.sample_span}) · "
        f"total {int(data.weekly.sum())} · {zone}"
    )
    if data.first_created is not None:
        first_day = data.first_created.tz_convert(data.choice.board.tz).date()
        if pd.Timestamp(first_day) > data.grid.labels[0]:
            sample += f" · the data starts on {first_day}: earlier weeks count as 0"
    same = (
        f"{TRIALS:,} trials resampling those weeks with replacement, fixed seed {SEED}: "
        "same answer every time for the same data"
    )
    spread = "each drawn week's items finish evenly over its 7 days"
    how = (
        f"{data.days} day{'s' if data.days != 1 else ''} from Monday {data.start} to the end "
        f"of {day_label(data.by)} · {spread} · L % of trials finished at least the count "
        f"marked · {same}"
    )
    when = (
        f"days counted from Monday {data.start} · {spread} · a date is the day by which L % "
        f"of trials had finished {data.items} items · {same}"
    )
    return sample, how, when


def answer_text(data: ForecastData) -> dict[str, dict[int, str]]:
    """The answers in words, per question and level."""
    when = {
        level: f"by {day_label(day)}" if day is not None else f"not within {MAX_WEEKS} weeks"
        for level, day in data.when_dates.items()
    }
    return {
        "howmany": {level: f"{n} or more" for level, n in data.how_many.items()},
        "when": when,
    }


def _bar_layout(title: str, x_title: str, y_title: str) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(
        title=dict(text=escape(title), x=0.01, font=dict(size=15)),
        font=FONT,
        margin=dict(l=50, r=20, t=60, b=40),
        height=340,
        bargap=0.1,
        plot_bgcolor="white",
        showlegend=True,
        legend=dict(
            orientation="h", y=1.0, yanchor="bottom", x=1.0, xanchor="right", font=dict(size=11)
        ),
        yaxis=dict(title=y_title, rangemode="tozero", gridcolor="#eee"),
        xaxis=dict(title=x_title, gridcolor="#f4f4f4"),
    )
    return fig


def sample_figure(data: ForecastData) -> go.Figure:
    """The weekly throughput the trials resample."""
    noun = "PRs merged" if data.github else "Issues completed"
    fig = _bar_layout("Sample: weekly throughput", "week", f"{noun} per week")
    fig.update_layout(showlegend=False)
    weeks = [label.date().isoformat() for label in data.grid.labels]
    fig.add_bar(
        x=weeks,
        y=data.weekly.to_numpy(),
        name="Sample week",
        marker_color=BAR,
        hovertemplate="week of %{x}: %{y}<extra></extra>",
    )
    fig.update_xaxes(type="category", tickangle=-45)
    return fig


def _markers(fig: go.Figure, positions: dict[int, object], label: dict[int, str]) -> None:
    for level in LEVELS:
        x = positions.get(level)
        if x is None:
            continue
        fig.add_scatter(
            x=[x, x],
            y=[0, 1],
            yaxis="y2",
            mode="lines",
            name=f"{level} %: {label[level]}",
            line=level_line(level),
            hovertemplate=f"{level} %: {escape(label[level])}<extra></extra>",
        )
    fig.update_layout(yaxis2=dict(overlaying="y", range=[0, 1], visible=False, fixedrange=True))


def how_many_figure(data: ForecastData) -> go.Figure:
    """Histogram of the trials' totals by the end of ``by`` with the 50/80/90 % answers."""
    noun = "PRs merged" if data.github else "items completed"
    fig = _bar_layout(f"How many by {data.by}?", noun, "trials")
    counts = np.bincount(data.totals)
    x = np.flatnonzero(counts)
    fig.add_bar(
        x=x,
        y=counts[x],
        name="Trials",
        marker_color="#a8c5da",
        hovertemplate="%{y} trials finished %{x}<extra></extra>",
    )
    texts = answer_text(data)["howmany"]
    _markers(fig, {level: n for level, n in data.how_many.items()}, texts)
    return fig


def when_bins(finish_days: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """The when-chart's bins: their width in days (the first of ``BIN_DAYS`` that needs
    at most ``MAX_BINS`` bars), the first day of each non-empty bin (day 1 = ``start``)
    and its number of trials. Trials that never finished are left out."""
    finished = finish_days[(finish_days >= 1) & (finish_days <= 7 * MAX_WEEKS)]
    if not finished.size:
        return 1, np.array([], dtype=np.int64), np.array([], dtype=np.int64)
    span = int(finished.max() - finished.min()) + 1
    width = next((w for w in BIN_DAYS if -(-span // w) <= MAX_BINS - 1), BIN_DAYS[-1])
    counts = np.bincount((finished - 1) // width)
    index = np.flatnonzero(counts)
    return width, index * width + 1, counts[index]


def _tick_days(range_days: int) -> int:
    """A tick every 1, 2, 7, 14, 28, 91, 182 or 364 days: at most about 10 ticks."""
    return next((k for k in (1, 2, 7, 14, 28, 91, 182) if range_days / k <= 10), 364)


def when_figure(data: ForecastData) -> go.Figure:
    """Histogram of the day on which each trial finished ``items``, in bins of 1, 7, 28…
    days, with the 50/80/90 % dates marked at the middle of their day."""
    fig = _bar_layout(f"When will {data.items} items be done?", "done by (day)", "trials")
    width, firsts, counts = when_bins(data.finish_days)
    lasts = [data.day(int(f) + width - 1) for f in firsts]
    spans = [
        day_label(data.day(int(f)))
        if width == 1
        else f"{data.day(int(f)).isoformat()} to {last.isoformat()}"
        for f, last in zip(firsts, lasts, strict=True)
    ]
    fig.add_bar(
        x=[data.day(int(f)).isoformat() for f in firsts],
        y=counts,
        width=[width * DAY_MS] * len(counts),
        offset=0,
        customdata=spans,
        name=f"Trials per {'day' if width == 1 else f'{width} days'}",
        marker_color="#a8c5da",
        hovertemplate="%{y} trials finished on %{customdata}<extra></extra>",
    )
    texts = answer_text(data)["when"]
    _markers(
        fig,
        {level: f"{day.isoformat()}T12:00" for level, day in data.when_dates.items() if day},
        texts,
    )
    # a readable date axis: whole days, never clock times, one bin of room each side
    fig.update_xaxes(type="date", tickformat="%Y-%m-%d", hoverformat="%Y-%m-%d")
    if firsts.size:
        first = data.day(int(firsts[0])) - timedelta(days=width)
        last = data.day(int(firsts[-1])) + timedelta(days=2 * width)
        step = _tick_days((last - first).days)
        fig.update_xaxes(
            range=[first.isoformat(), last.isoformat()],
            tick0=data.start.isoformat(),
            dtick=step * DAY_MS,
        )
    return fig


def forecast_csv(data: ForecastData) -> pd.DataFrame:
    """One row per question and level: the answer, its days and weeks from ``start``,
    and what it came from."""
    rows = []
    sample = " ".join(str(int(n)) for n in data.weekly.to_numpy())
    common = {
        "sample_weeks": len(data.grid),
        "sample_from": data.grid.labels[0].date().isoformat(),
        "sample_to": (data.grid.labels[-1] + pd.Timedelta(days=6)).date().isoformat(),
        "sample": sample,
        "trials": TRIALS,
        "seed": SEED,
    }
    for level in LEVELS:
        rows.append(
            {
                "question": f"how many by {data.by}",
                "level": level,
                "answer": data.how_many[level],
                "weeks": data.weeks,
                "days": data.days,
                **common,
            }
        )
    for level in LEVELS:
        day, n = data.when_dates[level], data.when_days[level]
        rows.append(
            {
                "question": f"when will {data.items} items be done",
                "level": level,
                "answer": day.isoformat() if day else f"not within {MAX_WEEKS} weeks",
                "weeks": -(-n // 7) if n is not None else "",
                "days": n if n is not None else "",
                **common,
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- flow


@dataclass
class FlowData:
    """Everything the cumulative-flow page and its CSV show."""

    choice: BoardChoice
    first_day: date
    last_day: date
    workflow: Workflow | None
    flow: pd.DataFrame  # index: local days; columns: states in board order, (unmapped)
    stored: int

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


def flow_counts(
    issues: pd.DataFrame,
    transitions: pd.DataFrame,
    workflow: Workflow,
    days: pd.DatetimeIndex,
    tz: str,
    settled: dict[str, int] | None = None,
) -> pd.DataFrame:
    """:func:`vger.metrics.flow.cumulative_flow` of ``issues``, plus ``settled``: issues
    (counted per current status id) created before the first day that never moved
    during or after it, so they stay in one state for the whole range."""
    flow = cumulative_flow(issues, transitions, workflow, days, tz)
    positions: dict[int, int] = {}
    for status_id, count in (settled or {}).items():
        position = workflow.position(status_id)
        positions[position] = positions.get(position, 0) + int(count)
    out = pd.DataFrame(index=pd.DatetimeIndex(days, name="day"))
    for k, state in enumerate(workflow.states):
        out[state.name] = flow[state.name].to_numpy() + positions.get(k, 0)
    if UNMAPPED in flow or positions.get(-1):
        base = flow[UNMAPPED].to_numpy() if UNMAPPED in flow else 0
        out[UNMAPPED] = base + positions.get(-1, 0)
    return out.astype("int64")


def flow_data(conn: Connection, choice: BoardChoice, now: datetime) -> FlowData:
    """Issues per work state at the end of each day of the range (up to today);
    cached like the quadrant."""
    return cache.cached("flow", _key(conn, choice, now), lambda: _flow_data(conn, choice, now))


def _flow_data(conn: Connection, choice: BoardChoice, now: datetime) -> FlowData:
    board, params = choice.board, choice.params
    today = local_today(board.tz, now)
    first_day, last_day = params.dates(today)
    last_day = min(last_day, today)
    workflow = workflows.get_workflow(conn, board.id)
    empty = pd.DataFrame(index=pd.DatetimeIndex([], name="day"))
    if params.source == "github" or workflow is None:
        return FlowData(choice, first_day, last_day, workflow, empty, 0)
    stored = boards.issue_count(conn, board.id)
    if first_day > last_day or stored == 0:
        return FlowData(choice, first_day, last_day, workflow, empty, stored)
    days = pd.date_range(first_day, last_day, freq="D")
    bounds = local_midnight_to_utc(
        pd.DatetimeIndex([days[0], days[-1] + pd.Timedelta(days=1)]), board.tz
    )
    issues, transitions, settled = queries.flow_rows(
        conn, board, params.types or None, bounds[0].to_pydatetime(), bounds[1].to_pydatetime()
    )
    flow = flow_counts(issues, transitions, workflow, days, board.tz, settled)
    return FlowData(choice, first_day, last_day, workflow, flow, stored)


def _state_colours(workflow: Workflow) -> dict[str, str]:
    names = [state.name for state in workflow.states]
    colours = {}
    for k, name in enumerate(names):
        if k < workflow.interval_start:
            colours[name] = BACKLOG_COLOUR
        else:
            colours[name] = STATE_COLOURS[(k - workflow.interval_start) % len(STATE_COLOURS)]
    return colours


def flow_figure(data: FlowData) -> go.Figure:
    """Stacked areas, one per work state: done states at the bottom, backlog at the top;
    issues in unmapped statuses as a separate (unstacked) line."""
    workflow = data.workflow
    assert workflow is not None
    fig = go.Figure()
    fig.update_layout(
        title=dict(text="Cumulative flow", x=0.01, font=dict(size=15)),
        font=FONT,
        margin=dict(l=50, r=20, t=60, b=40),
        height=480,
        hovermode="x unified",
        plot_bgcolor="white",
        legend=dict(
            orientation="h",
            y=1.0,
            yanchor="bottom",
            x=1.0,
            xanchor="right",
            font=dict(size=11),
            traceorder="reversed",
        ),
        yaxis=dict(title="issues at the end of the day", rangemode="tozero", gridcolor="#eee"),
        xaxis=dict(title=f"day ({data.choice.board.tz})", gridcolor="#f4f4f4"),
    )
    days = [d.date().isoformat() for d in data.flow.index]
    colours = _state_colours(workflow)
    bands = flow_bands(data.flow, workflow, data.choice.params.bands)
    for state in reversed(workflow.states):
        if state.name not in bands:
            continue
        name = escape(state.name)
        fig.add_scatter(
            x=days,
            y=bands[state.name].to_numpy(),
            name=name,
            mode="lines",
            stackgroup="flow",
            line=dict(width=0.5, color=colours[state.name]),
            fillcolor=colours[state.name],
            hovertemplate=f"%{{y}} in {name}<extra></extra>",
        )
    if UNMAPPED in data.flow:
        fig.add_scatter(
            x=days,
            y=data.flow[UNMAPPED].to_numpy(),
            name=f"{UNMAPPED} (not stacked)",
            mode="lines",
            line=dict(width=2, color=UNMAPPED_COLOUR, dash="dot"),
            hovertemplate="%{y} in unmapped statuses<extra></extra>",
        )
    return fig


def flow_note(data: FlowData) -> str:
    workflow = data.workflow
    states = len(workflow.states) if workflow else 0
    text = (
        f"issues in each of the {states} work states at the end of each day "
        f"(local midnight, team time zone {data.choice.board.tz}) from {data.first_day} to "
        f"{data.last_day} · stacked in board order, done at the bottom, backlog at the top · "
        "every issue counts from its creation, whatever its outcome, so the top edge is the "
        "number of issues created so far"
    )
    bands = data.choice.params.bands
    if bands == "nodone":
        text += " · done states hidden (the CSV has them)"
    elif bands == "zero":
        text += f" · done states counted from 0 on {data.first_day} (the CSV has the totals)"
    if UNMAPPED in data.flow:
        text += " · issues in statuses mapped to no work state drawn as a separate dotted line"
    return text


def flow_csv(data: FlowData) -> pd.DataFrame:
    """day (local date) plus one column per work state (board order), then (unmapped)."""
    frame = data.flow.reset_index()
    frame["day"] = [d.date().isoformat() for d in frame["day"]]
    names = defuse(pd.DataFrame({"name": list(data.flow.columns)}), ["name"])["name"]
    frame.columns = ["day", *names]
    return frame
