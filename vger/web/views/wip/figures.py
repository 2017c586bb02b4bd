"""The daily WIP run chart, the weekly net-flow bars and their notes (pure)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from vger.web.figures import BAR, FONT, IN_PROGRESS, LEVEL_COLOURS
from vger.web.views.wip.data import WipData


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
