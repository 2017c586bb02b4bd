"""The lead-time and weekly-throughput histograms and their notes (pure)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from vger.metrics.percentiles import LEVELS
from vger.web.figures import BAR, FONT, level_line
from vger.web.views.distributions.data import DistributionsData


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
