"""The quarterly page's figures and notes (pure: view data in, Plotly figure out)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from vger.metrics.percentiles import LEVELS
from vger.web.figures import BAR, IN_PROGRESS, axis_figure, level_line, mark_in_progress
from vger.web.views.common import BoardChoice, unit
from vger.web.views.quarterly.data import QuarterlyData

MONTHS = (
    "January February March April May June July August September October November December"
).split()


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


def quarterly_throughput_figure(data: QuarterlyData) -> go.Figure:
    """Completed items per fiscal quarter (the quarter in progress paler) with straight
    50/80/90 % likelihood lines over the complete quarters."""
    github = data.choice.params.source == "github"
    noun = "PRs" if github else "Issues"
    fig = axis_figure(
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
    mark_in_progress(fig, labels, complete)
    return fig


def quarterly_lead_time_figure(data: QuarterlyData) -> go.Figure:
    """The 50/80/90th percentile of lead time per fiscal quarter."""
    github = data.choice.params.source == "github"
    u = unit(data.choice)
    fig = axis_figure(
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
    mark_in_progress(fig, labels, frame["complete"].to_numpy(dtype=bool))
    return fig
