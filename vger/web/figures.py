"""Pure figure builders: series in, ``plotly.graph_objects.Figure`` out.

Every text that came from Jira or GitHub is HTML-escaped before it reaches a hover
label, because Plotly renders a subset of HTML there.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

import numpy as np
import pandas as pd
import plotly.graph_objects as go

# Likelihood levels: Okabe-Ito blue and bluish green and Paul Tol's indigo, colour-blind
# safe, none red or amber (90 % is the safest commitment, not an alarm); each also has its
# own dash pattern and width, the widest drawn first, so two coinciding lines both show.
LEVEL_COLOURS = {50: "#0072B2", 80: "#007A5A", 90: "#332288"}
LEVEL_DASH = {50: "solid", 80: "dash", 90: "dot"}
LEVEL_WIDTH = {50: 1.5, 80: 3.0, 90: 5.0}
LEVEL_PATTERN = {50: "", 80: "/", 90: "."}  # bars: fill patterns instead of dashes
BAR = "#457b9d"
IN_PROGRESS = "#b8c4ce"
FONT = dict(family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif", size=12)


def _base(title: str, y_title: str) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(
        title=dict(text=escape(title), x=0.01, font=dict(size=15)),
        font=FONT,
        margin=dict(l=50, r=20, t=60, b=10),
        height=360,
        legend=dict(
            orientation="h", y=1.0, yanchor="bottom", x=1.0, xanchor="right", font=dict(size=11)
        ),
        hovermode="x unified",
        plot_bgcolor="white",
        yaxis=dict(title=y_title, rangemode="tozero", gridcolor="#eee"),
        xaxis=dict(
            gridcolor="#f4f4f4",
            type="category",
            title=None,
            tickangle=-45,
            nticks=14,
            automargin=True,
        ),
    )
    return fig


def level_line(level: int, **extra) -> dict:
    """Line style of a likelihood level: its colour, dash pattern and width."""
    return dict(
        color=LEVEL_COLOURS[level], dash=LEVEL_DASH[level], width=LEVEL_WIDTH[level], **extra
    )


def last_value(values) -> float | None:
    """The last finite value of a series (None when there is none)."""
    array = np.asarray(values, dtype=float)
    finite = array[np.isfinite(array)]
    return float(finite[-1]) if finite.size else None


def label_line_ends(
    fig: go.Figure, x: list[str], ends: Mapping[int, float | None], fmt: str
) -> None:
    """Write each level's value at the right end of its line (``fmt`` with ``{level}`` and
    ``{value}``); labels of equal values are stacked instead of overprinted."""
    if not x:
        return
    fig.update_layout(margin=dict(r=110))
    span = max((last_value([np.nanmax(np.asarray(t.y, dtype=float))]) or 0.0) for t in fig.data)
    shown: list[float] = []
    for level, value in ends.items():
        if value is None:
            continue
        # closer than 6 % of the axis height (about one line of text): stack below
        close = sum(1 for v in shown if abs(v - value) < 0.06 * max(span, 1.0))
        shown.append(value)
        fig.add_annotation(
            x=x[-1],
            y=value,
            text=escape(fmt.format(level=level, value=value)),
            showarrow=False,
            xanchor="left",
            xshift=6,
            yshift=-14 * close,
            font=dict(size=11, color=LEVEL_COLOURS[level]),
            name=f"end-{level}",
        )


def _likelihood_order(levels) -> list[int]:
    """Levels widest line first, so the thinner lines are drawn on top of it."""
    return sorted(levels, key=lambda level: -LEVEL_WIDTH[level])


def _weeks(index: pd.Index) -> list[str]:
    return [pd.Timestamp(x).date().isoformat() for x in index]


def throughput_figure(throughput: pd.DataFrame, *, title: str, noun: str, lines: str) -> go.Figure:
    """Weekly counts as bars (the in-progress week paler) with 50/80/90 % likelihood lines."""
    fig = _base(title, f"{noun} per week")
    weeks = _weeks(throughput.index)
    complete = throughput["complete"].to_numpy(dtype=bool)
    fig.add_bar(
        x=weeks,
        y=throughput["count"],
        name="Completed",
        marker_color=[BAR if c else IN_PROGRESS for c in complete],
        customdata=np.where(complete, "", " (week in progress)"),
        hovertemplate="%{y} completed%{customdata}<extra></extra>",
    )
    _level_lines(
        fig,
        weeks,
        throughput,
        legend="{level} %: at least",
        hover="{level} % of weeks: at least %{{y:.1f}}",
        end="{level} %: ≥ {value:.1f}",
        shape="hv" if lines == "rolling" else "linear",
    )
    return fig


def _level_lines(
    fig: go.Figure,
    weeks: list[str],
    frame: pd.DataFrame,
    *,
    legend: str,
    hover: str,
    end: str,
    shape: str | None = None,
) -> None:
    """The 50/80/90 % lines of ``frame`` (widest first, so coinciding lines all show),
    their latest values in the legend and labelled at their ends."""
    levels = [level for level in LEVEL_COLOURS if level in frame]
    ends = {level: last_value(frame[level]) for level in levels}
    for level in _likelihood_order(levels):
        fig.add_scatter(
            x=weeks,
            y=frame[level],
            name=_legend(legend.format(level=level), ends[level]),
            legendrank=level,
            mode="lines",
            line=level_line(level, shape=shape) if shape else level_line(level),
            hovertemplate=hover.format(level=level) + "<extra></extra>",
            connectgaps=False,
        )
    label_line_ends(fig, weeks, ends, end)


def _legend(name: str, value: float | None) -> str:
    """A legend entry with the line's latest value ("50 %: at least 7.0")."""
    return name if value is None else f"{name} {value:.1f}"


def variation_figure(variation: pd.Series, *, title: str) -> go.Figure:
    """Coefficient of variation per week (gaps where undefined); lower is more predictable."""
    fig = _base(title, "std / mean")
    fig.add_scatter(
        x=_weeks(variation.index),
        y=variation,
        mode="lines+markers",
        name="Variation",
        line=dict(color="#6d597a", width=2),
        hovertemplate="variation %{y:.2f}<extra></extra>",
        connectgaps=False,
    )
    return fig


def backlog_figure(backlog: pd.DataFrame, *, title: str) -> go.Figure:
    """Cumulative created / completed / abandoned, and the open backlog between them."""
    fig = _base(title, "issues (cumulative)")
    weeks = _weeks(backlog.index)
    for name, colour in (
        ("created", "#e76f51"),
        ("completed", "#2a9d8f"),
        ("abandoned", "#8d99ae"),
    ):
        fig.add_scatter(
            x=weeks,
            y=backlog[name],
            name=name.capitalize(),
            mode="lines",
            line=dict(color=colour, width=2),
            hovertemplate=f"{name} %{{y}}<extra></extra>",
        )
    fig.add_scatter(
        x=weeks,
        y=backlog["open"],
        name="Open",
        mode="lines",
        line=dict(color="#264653", width=1, dash="dot"),
        hovertemplate="open %{y}<extra></extra>",
    )
    return fig


def volume_figure(volume: pd.DataFrame, *, title: str) -> go.Figure:
    """Lines changed per week by merged and by rejected pull requests (stacked)."""
    fig = _base(title, "lines changed")
    weeks = _weeks(volume.index)
    fig.add_bar(
        x=weeks,
        y=volume["merged"],
        name="Merged volume",
        marker_color="#457b9d",
        hovertemplate="merged %{y:,} lines<extra></extra>",
    )
    fig.add_bar(
        x=weeks,
        y=volume["rejected"],
        name="Rejected volume",
        marker_color="#e63946",
        hovertemplate="rejected %{y:,} lines<extra></extra>",
    )
    fig.update_layout(barmode="stack")
    return fig


def lead_time_figure(lead_time: pd.DataFrame, *, title: str, unit: str, lines: str) -> go.Figure:
    """50/80/90 % lead-time lines per week: "L % finished within T days"."""
    fig = _base(title, unit)
    weeks = _weeks(lead_time.index)
    _level_lines(
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
    fig = _base(title, unit)
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


def empty_figure(message: str) -> go.Figure:
    """A blank chart that says in words what is missing."""
    fig = go.Figure()
    fig.update_layout(
        xaxis=dict(visible=False),
        yaxis=dict(visible=False),
        height=340,
        plot_bgcolor="white",
        annotations=[
            dict(
                text=escape(message),
                showarrow=False,
                x=0.5,
                y=0.5,
                xref="paper",
                yref="paper",
                font=dict(size=14, color="#555"),
            )
        ],
    )
    return fig
