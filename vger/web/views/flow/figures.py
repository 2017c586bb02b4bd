"""The cumulative-flow figure and note (pure). Work-state names are HTML-escaped
before they reach a legend or a hover label.
"""

from __future__ import annotations

from html import escape

import plotly.graph_objects as go

from vger.metrics.events import UNMAPPED, Workflow
from vger.metrics.flow import flow_bands
from vger.web.figures import FONT
from vger.web.views.flow.data import FlowData

STATE_COLOURS = ("#2a9d8f", "#457b9d", "#e9c46a", "#f4a261", "#e76f51", "#6d597a", "#8ab17d")


BACKLOG_COLOUR = "#ced4da"


UNMAPPED_COLOUR = "#6c757d"


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
    if data.asked_from is not None:
        text += (
            f" · a flow covers at most two years: it starts on {data.first_day}, "
            f"not {data.asked_from}"
        )
    bands = data.choice.params.bands
    if bands == "nodone":
        text += " · done states hidden (the CSV has them)"
    elif bands == "zero":
        text += f" · done states counted from 0 on {data.first_day} (the CSV has the totals)"
    if UNMAPPED in data.flow:
        text += " · issues in statuses mapped to no work state drawn as a separate dotted line"
    return text
