"""Pure figure builders of the efficiency view: the distribution of flow efficiency,
its weekly median and lead time by work state split working vs waiting, and the notes
under them. Every text from
Jira (state names) is HTML-escaped before it reaches a label."""

from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from vger.web.figures import BAR, FONT, IN_PROGRESS, LEVEL_PATTERN, new_figure
from vger.web.views.efficiency.data import EfficiencyData

WORKING = "#0072B2"  # Okabe-Ito blue
WAITING = "#E69F00"  # Okabe-Ito orange: colour-blind safe against the blue


def _base(title: str, y_title: str, x_title: str | None = None) -> go.Figure:
    return new_figure(
        title=dict(text=escape(title), x=0.01, font=dict(size=15)),
        font=FONT,
        margin=dict(l=50, r=20, t=60, b=10),
        height=360,
        legend=dict(
            orientation="h", y=1.0, yanchor="bottom", x=1.0, xanchor="right", font=dict(size=11)
        ),
        hovermode="closest",
        plot_bgcolor="white",
        yaxis=dict(title=y_title, rangemode="tozero", gridcolor="#eee"),
        xaxis=dict(gridcolor="#f4f4f4", type="category", title=x_title, automargin=True),
    )


def histogram_figure(histogram: pd.DataFrame, median: float | None, *, items: int) -> go.Figure:
    """How many items fall in each 10 % bin of flow efficiency, the median marked."""
    title = f"Flow efficiency of {items} completed items"
    if median is not None and not np.isnan(median):
        title += f" · median {median:.0%}"
    fig = _base(title, "items", "flow efficiency (time in working states / lead time)")
    labels = [
        f"{lo:.0%}–{hi:.0%}" for lo, hi in zip(histogram["low"], histogram["high"], strict=True)
    ]
    fig.add_bar(
        x=labels,
        y=histogram["items"].to_numpy(),
        name="Items",
        marker_color=BAR,
        hovertemplate="%{y} items with %{x} flow efficiency<extra></extra>",
    )
    return fig


def weekly_figure(weekly: pd.DataFrame) -> go.Figure:
    """The weekly median flow efficiency (the week in progress paler), gaps for weeks
    without completed items."""
    fig = _base("Median flow efficiency per week", "flow efficiency")
    fig.update_layout(yaxis=dict(tickformat=".0%", range=[0, 1.02]), hovermode="x unified")
    weeks = [pd.Timestamp(w).date().isoformat() for w in weekly.index]
    complete = weekly["complete"].to_numpy(dtype=bool)
    fig.add_scatter(
        x=weeks,
        y=weekly["median"].to_numpy(),
        mode="lines+markers",
        name="Median",
        line=dict(color=WORKING, width=2),
        marker=dict(color=[WORKING if c else IN_PROGRESS for c in complete], size=8),
        customdata=np.stack(
            [weekly["items"].to_numpy(), np.where(complete, "", " (week in progress)")], axis=1
        ),
        hovertemplate="median %{y:.0%} of %{customdata[0]} items%{customdata[1]}<extra></extra>",
        connectgaps=False,
    )
    return fig


def split_figure(
    by_state: pd.DataFrame, *, unit: str, levels: tuple[int, ...] = (50, 80, 90)
) -> go.Figure:
    """Lead time by work state: one group of 50/80/90 % bars per state, blue for a
    working state and orange for a waiting one, then the items' total working and
    waiting time."""
    fig = _base("Lead time by work state: working vs waiting", unit, "work state (board order)")
    fig.update_layout(barmode="group")
    flags = by_state["working"].to_numpy(dtype=bool)
    names = [
        f"{escape(str(s))} · {'working' if w else 'waiting'}"
        for s, w in zip(by_state["state"], flags, strict=True)
    ]
    colours = [WORKING if w else WAITING for w in flags]
    for level in levels:
        fig.add_bar(
            x=names,
            y=by_state[level].to_numpy(),
            name=f"{level} %",
            marker=dict(color=colours, pattern=dict(shape=LEVEL_PATTERN[level])),
            hovertemplate=f"%{{x}}: {level} % within %{{y:.1f}} {escape(unit)}<extra></extra>",
        )
    return fig


def notes(data: EfficiencyData) -> tuple[str, str, str]:
    """The one-line "how it is computed" under each chart."""
    working = [n for n, w in data.flags.items() if w]
    waiting = [n for n, w in data.flags.items() if not w]
    flags = (
        f"working states: {', '.join(working) or 'none'} · waiting: {', '.join(waiting) or 'none'} "
        "(Admin → work states, or vger board states)"
    )
    zone = f"team time zone {data.choice.board.tz}"
    counted = len(data.counted)
    return (
        f"{counted} issues completed in the complete weeks of the range, in 10 % bins · "
        f"flow efficiency = time in working states ÷ lead time · {flags}",
        f"median of the issues completed each week (Monday to Sunday, {zone}); a gap for a "
        "week without any; the week in progress pale",
        f"50/80/90th percentile of each state's {data.unit} over the same {counted} issues "
        "(0 for a state an issue never visited), then of their total working and waiting "
        f"time · blue working, orange waiting · {flags}",
    )
