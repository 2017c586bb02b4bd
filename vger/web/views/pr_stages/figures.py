"""Pure figure builders of the pull-request stages view: the stacked breakdown of each
stage's 50/80/90 % and the review rounds, and the notes under them."""

from __future__ import annotations

from html import escape

import pandas as pd
import plotly.graph_objects as go

from vger.metrics.pr_stages import STAGE_NAMES, STAGES
from vger.web.figures import BAR, FONT
from vger.web.views.pr_stages.data import PrStagesData

# Okabe-Ito, colour-blind safe: waiting (orange), in review (blue), approved (green)
STAGE_COLOURS = {"wait": "#E69F00", "review": "#0072B2", "merge": "#009E73"}


def _base(title: str, x_title: str, y_title: str) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(
        title=dict(text=escape(title), x=0.01, font=dict(size=15)),
        font=FONT,
        margin=dict(l=60, r=20, t=60, b=10),
        height=360,
        legend=dict(
            orientation="h", y=1.0, yanchor="bottom", x=1.0, xanchor="right", font=dict(size=11)
        ),
        hovermode="closest",
        plot_bgcolor="white",
        xaxis=dict(title=x_title, rangemode="tozero", gridcolor="#eee", automargin=True),
        yaxis=dict(title=y_title, type="category", automargin=True),
    )
    return fig


def stages_figure(levels: pd.DataFrame, *, merged: int) -> go.Figure:
    """One horizontal bar per level (50, 80, 90 %), stacked by stage (each segment that
    stage's percentile), and a ◆ at the percentile of the three stages' sum."""
    fig = _base(f"Stages of {merged} merged pull requests", "days (draft time excluded)", "")
    fig.update_layout(barmode="stack")
    by_stage = levels.set_index("stage")
    rows = [f"{level} %" for level in (50, 80, 90)]
    for stage in STAGES:
        values = [by_stage.loc[stage, level] for level in (50, 80, 90)]
        name = escape(STAGE_NAMES[stage])
        fig.add_bar(
            y=rows,
            x=values,
            orientation="h",
            name=f"{name} ({int(by_stage.loc[stage, 'items'])})",
            marker_color=STAGE_COLOURS[stage],
            hovertemplate=f"{name}: %{{y}} within %{{x:.2f}} days<extra></extra>",
        )
    totals = [by_stage.loc["total", level] for level in (50, 80, 90)]
    fig.add_scatter(
        y=rows,
        x=totals,
        mode="markers",
        name=f"all three stages ({int(by_stage.loc['total', 'items'])})",
        marker=dict(symbol="diamond", size=12, color="black"),
        hovertemplate="all three stages: %{y} within %{x:.2f} days<extra></extra>",
    )
    fig.update_yaxes(categoryorder="array", categoryarray=rows[::-1])
    return fig


def rounds_figure(rounds: pd.DataFrame) -> go.Figure:
    """How many merged pull requests had 0, 1, 2, ... review rounds."""
    fig = _base("Review rounds per merged pull request", "review rounds", "pull requests")
    fig.update_layout(
        xaxis=dict(type="category", title="review rounds"),
        yaxis=dict(type="linear", rangemode="tozero", title="pull requests"),
    )
    fig.add_bar(
        x=[str(r) for r in rounds["rounds"]],
        y=rounds["items"],
        marker_color=BAR,
        name="Pull requests",
        hovertemplate="%{y} pull requests with %{x} rounds<extra></extra>",
    )
    return fig


def notes(data: PrStagesData) -> tuple[str, str]:
    """The one-line "how it is computed" under each chart."""
    c = data.counts
    median = data.median_rounds
    quality = []
    if c["cut"]:
        quality.append(
            f"{c['cut']} had more reviews or timeline events than one page fetches: their "
            "stages count the first ones only"
        )
    if c["no_stages"]:
        quality.append(
            f"{c['no_stages']} have no stages yet (stored before reviews were read): "
            "the next sync reads them"
        )
    return (
        f"{c['merged']} pull requests merged {data.first_day} to {data.last_day} · each bar "
        "stacks the stages' own percentiles, which do not add up: the ◆ is the percentile of "
        "their sum · draft time is excluded from every stage "
        f"({c['drafted']} were drafts for a while) · {c['no_review']} merged without a "
        f"review, {c['no_approval']} reviewed but merged without an approval · reviews by "
        "the author or by bots are ignored" + "".join(f" · {q}" for q in quality),
        f"a round opens with the first review and with each review after the author pushed "
        f"a commit or re-requested a review · median {median:g} rounds",
    )
