"""Shared figure helpers: the theme (colours, fonts, the 50/80/90 % line styles), the
likelihood lines (:func:`level_lines`), axis layouts and the empty figure. Each view's
own figures live in ``vger/web/views/<view>/figures.py``.

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


def new_figure(**layout) -> go.Figure:
    """An empty figure with ``layout``, given to the constructor: ``update_layout`` on a
    new figure resolves each key as a path to relayout (30 ms of a cold quadrant page's
    four charts); the constructor validates the same properties directly."""
    return go.Figure(layout=layout)


def base_figure(title: str, y_title: str) -> go.Figure:
    return new_figure(
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


def _highest(values) -> float:
    """The highest finite value of a trace's y (0 when it has none)."""
    array = np.asarray(values if values is not None else [], dtype=float)
    finite = array[np.isfinite(array)]
    return float(finite.max()) if finite.size else 0.0


def label_line_ends(
    fig: go.Figure, x: list[str], ends: Mapping[int, float | None], fmt: str
) -> None:
    """Write each level's value at the right end of its line (``fmt`` with ``{level}`` and
    ``{value}``); labels of equal values are stacked instead of overprinted."""
    if not x:
        return
    fig.update_layout(margin=dict(r=110))
    span = max((_highest(t.y) for t in fig.data), default=0.0)
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


def likelihood_order(levels) -> list[int]:
    """Levels widest line first, so the thinner lines are drawn on top of it."""
    return sorted(levels, key=lambda level: -LEVEL_WIDTH[level])


def week_labels(index: pd.Index) -> list[str]:
    return [pd.Timestamp(x).date().isoformat() for x in index]


def level_lines(
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
    for level in likelihood_order(levels):
        fig.add_scatter(
            x=weeks,
            y=frame[level].to_numpy(),
            name=legend_name(legend.format(level=level), ends[level]),
            legendrank=level,
            mode="lines",
            line=level_line(level, shape=shape) if shape else level_line(level),
            hovertemplate=hover.format(level=level) + "<extra></extra>",
            connectgaps=False,
        )
    label_line_ends(fig, weeks, ends, end)


def legend_name(name: str, value: float | None) -> str:
    """A legend entry with the line's latest value ("50 %: at least 7.0")."""
    return name if value is None else f"{name} {value:.1f}"


def empty_figure(message: str) -> go.Figure:
    """A blank chart that says in words what is missing."""
    return new_figure(
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


def axis_figure(title: str, y_title: str, x_title: str, *, category: bool) -> go.Figure:
    return new_figure(
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


def mark_in_progress(fig: go.Figure, labels: list[str], complete: np.ndarray) -> None:
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


def review_start_words(board) -> str:
    """Where the board's issue lead time starts, in words for the notes under the
    charts: ``start``, or the first linked PR when the code-review option is on."""
    if getattr(board, "review_lead_time", False):
        return (
            "start, or the first linked pull request's creation when earlier (code review included)"
        )
    return "start"
