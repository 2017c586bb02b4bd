"""The forecast's figures, notes and answer texts (pure: view data in, Plotly figure out)."""

from __future__ import annotations

from datetime import date, timedelta
from html import escape

import pandas as pd
import plotly.graph_objects as go

from vger.metrics.forecast import (
    MAX_WEEKS,
    SEED,
    TRIALS,
    finish_bins,
    total_counts,
)
from vger.metrics.percentiles import LEVELS
from vger.web.figures import BAR, FONT, level_line
from vger.web.views.forecast.data import ForecastData

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


DAY_MS = 86_400_000


def day_label(day: date) -> str:
    """``2024-04-14 (Sun)``: a date with its weekday (English, whatever the locale)."""
    return f"{day.isoformat()} ({WEEKDAYS[day.weekday()]})"


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
    x, counts = total_counts(data.totals)
    fig.add_bar(
        x=x,
        y=counts,
        name="Trials",
        marker_color="#a8c5da",
        hovertemplate="%{y} trials finished %{x}<extra></extra>",
    )
    texts = answer_text(data)["howmany"]
    _markers(fig, {level: n for level, n in data.how_many.items()}, texts)
    return fig


def _tick_days(range_days: int) -> int:
    """A tick every 1, 2, 7, 14, 28, 91, 182 or 364 days: at most about 10 ticks."""
    return next((k for k in (1, 2, 7, 14, 28, 91, 182) if range_days / k <= 10), 364)


def when_figure(data: ForecastData) -> go.Figure:
    """Histogram of the day on which each trial finished ``items``, in bins of 1, 7, 28…
    days, with the 50/80/90 % dates marked at the middle of their day."""
    fig = _bar_layout(f"When will {data.items} items be done?", "done by (day)", "trials")
    width, firsts, counts = finish_bins(data.finish_days)
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
