"""The quadrant's figures (pure: series in, Plotly figure out): throughput, its
variation, backlog growth or PR volume, lead time (weekly or by work state), git tags.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from vger.web.figures import (
    BAR,
    IN_PROGRESS,
    LEVEL_COLOURS,
    LEVEL_PATTERN,
    base_figure,
    level_lines,
    week_labels,
)


def throughput_figure(throughput: pd.DataFrame, *, title: str, noun: str, lines: str) -> go.Figure:
    """Weekly counts as bars (the in-progress week paler) with 50/80/90 % likelihood lines."""
    fig = base_figure(title, f"{noun} per week")
    weeks = week_labels(throughput.index)
    complete = throughput["complete"].to_numpy(dtype=bool)
    fig.add_bar(
        x=weeks,
        y=throughput["count"].to_numpy(),
        name="Completed",
        marker_color=[BAR if c else IN_PROGRESS for c in complete],
        customdata=np.where(complete, "", " (week in progress)"),
        hovertemplate="%{y} completed%{customdata}<extra></extra>",
    )
    level_lines(
        fig,
        weeks,
        throughput,
        legend="{level} %: at least",
        hover="{level} % of weeks: at least %{{y:.1f}}",
        end="{level} %: ≥ {value:.1f}",
        shape="hv" if lines == "rolling" else "linear",
    )
    return fig


def variation_figure(variation: pd.Series, *, title: str) -> go.Figure:
    """Coefficient of variation per week (gaps where undefined); lower is more predictable."""
    fig = base_figure(title, "std / mean")
    fig.add_scatter(
        x=week_labels(variation.index),
        y=variation.to_numpy(),
        mode="lines+markers",
        name="Variation",
        line=dict(color="#6d597a", width=2),
        hovertemplate="variation %{y:.2f}<extra></extra>",
        connectgaps=False,
    )
    return fig


def backlog_figure(backlog: pd.DataFrame, *, title: str) -> go.Figure:
    """Cumulative created / completed / abandoned, and the open backlog between them."""
    fig = base_figure(title, "issues (cumulative)")
    weeks = week_labels(backlog.index)
    for name, colour in (
        ("created", "#e76f51"),
        ("completed", "#2a9d8f"),
        ("abandoned", "#8d99ae"),
    ):
        fig.add_scatter(
            x=weeks,
            y=backlog[name].to_numpy(),
            name=name.capitalize(),
            mode="lines",
            line=dict(color=colour, width=2),
            hovertemplate=f"{name} %{{y}}<extra></extra>",
        )
    fig.add_scatter(
        x=weeks,
        y=backlog["open"].to_numpy(),
        name="Open",
        mode="lines",
        line=dict(color="#264653", width=1, dash="dot"),
        hovertemplate="open %{y}<extra></extra>",
    )
    return fig


def volume_figure(volume: pd.DataFrame, *, title: str) -> go.Figure:
    """Lines changed per week by merged and by rejected pull requests (stacked)."""
    fig = base_figure(title, "lines changed")
    weeks = week_labels(volume.index)
    fig.add_bar(
        x=weeks,
        y=volume["merged"].to_numpy(),
        name="Merged volume",
        marker_color="#457b9d",
        hovertemplate="merged %{y:,} lines<extra></extra>",
    )
    fig.add_bar(
        x=weeks,
        y=volume["rejected"].to_numpy(),
        name="Rejected volume",
        marker_color="#e63946",
        hovertemplate="rejected %{y:,} lines<extra></extra>",
    )
    fig.update_layout(barmode="stack")
    return fig


def lead_time_figure(lead_time: pd.DataFrame, *, title: str, unit: str, lines: str) -> go.Figure:
    """50/80/90 % lead-time lines per week: "L % finished within T days"."""
    fig = base_figure(title, unit)
    weeks = week_labels(lead_time.index)
    level_lines(
        fig,
        weeks,
        lead_time,
        legend="{level} % within",
        hover="{level} % within %{{y:.1f}} " + unit.replace("{", "{{").replace("}", "}}"),
        end="{level} %: ≤ {value:.1f}",
    )
    return fig


def lead_time_states_figure(
    by_state: pd.DataFrame, overall: Mapping[int, float], *, title: str, unit: str
) -> go.Figure:
    """One group of bars per work state (50/80/90th percentile), beside the overall value."""
    fig = base_figure(title, unit)
    fig.update_layout(hovermode="closest", barmode="group", xaxis_title="work state (board order)")
    states = ["Overall", *[str(s) for s in by_state.get("state", [])]]
    for level, colour in LEVEL_COLOURS.items():
        values = [
            overall.get(level, np.nan),
            *(by_state[level].tolist() if level in by_state else []),
        ]
        fig.add_bar(
            x=[escape(s) for s in states],
            y=values,
            name=f"{level} %",
            marker=dict(color=colour, pattern=dict(shape=LEVEL_PATTERN[level])),
            hovertemplate=f"%{{x}}: {level} % within %{{y:.1f}} {unit}<extra></extra>",
        )
    return fig


def add_tags(fig: go.Figure, tags: pd.DataFrame, tz: str) -> go.Figure:
    """Vertical lines at git tags (placed on the week axis at their local date)."""
    if tags is None or tags.empty:
        return fig
    for _, tag in tags.iterrows():
        day = pd.Timestamp(tag["at"]).tz_convert(tz).tz_localize(None).normalize()
        monday = (day - pd.Timedelta(days=day.weekday())).date().isoformat()
        fig.add_shape(
            type="line",
            x0=monday,
            x1=monday,
            xref="x",
            y0=0,
            y1=1,
            yref="paper",
            line=dict(color="#999", width=1, dash="dot"),
        )
        fig.add_annotation(
            x=monday,
            y=1,
            yref="paper",
            text=escape(str(tag["name"])),
            showarrow=False,
            textangle=-90,
            xanchor="left",
            yanchor="top",
            font=dict(size=9, color="#666"),
            hovertext=escape(f"{tag['name']} ({tag['repo']}) {day.date()}"),
        )
    return fig
