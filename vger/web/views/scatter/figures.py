"""The lead-time scatterplot's figure and note (pure). Jira and GitHub text is
HTML-escaped before it reaches a hover label; many points are drawn with WebGL.
"""

from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from vger.metrics.percentiles import LEVELS
from vger.web.figures import LEVEL_COLOURS, axis_figure, review_start_words
from vger.web.views.common import local_naive, unit
from vger.web.views.scatter.data import OTHER, ScatterData

TYPE_COLOURS = ("#457b9d", "#e63946", "#2a9d8f", "#f4a261", "#6d597a", "#8ab17d", "#b56576")


OTHER_COLOUR = "#8d99ae"


def scatter_note(data: ScatterData) -> str:
    zone = f"team time zone {data.choice.board.tz}"
    pending = int((~data.points["complete"]).sum())
    noun = "merged pull requests" if data.params_github else "completed issues"
    text = (
        f"{len(data.points)} {noun} with a lead time · lines over {data.complete_weeks} complete "
        f"weeks · linear percentiles · {zone}"
    )
    if not data.params_github and data.choice.board.review_lead_time:
        text += f" · lead time = done − {review_start_words(data.choice.board)}"
    if pending:
        text += f" · {pending} from the week in progress drawn hollow, not in the lines"
    if data.complete_weeks == 0:
        text += " · no complete week in the range yet, so no percentile lines"
    return text


def _colours(order: list[str]) -> dict[str, str]:
    colours = {}
    for i, name in enumerate(k for k in order if k != OTHER):
        colours[name] = TYPE_COLOURS[i % len(TYPE_COLOURS)]
    colours[OTHER] = OTHER_COLOUR
    return colours


#: Above this many points the scatterplot is drawn with WebGL (``scattergl``) from typed
#: arrays: x (ms) as float64, y as float32, no per-point text; hover shows the date and
#: the lead time, and a click is resolved on the server (:func:`scatter_point_url`). 91,000
#: points (two years of a 100,000-issue board) are ~1.5 MB instead of ~8 MB of SVG markers.
WEBGL_POINTS = 5_000


def _add_points(fig: go.Figure, data: ScatterData, u: str) -> None:
    tz = data.choice.board.tz
    points = data.points
    colours = _colours(data.work_type_order)
    local = (
        local_naive(points["done"], tz) if len(points) else pd.Series([], dtype="datetime64[ns]")
    )
    for kind in data.work_type_order:
        mask = (points["work_type"] == kind).to_numpy()
        sub = points[mask]
        when = local[mask]
        custom = [
            [
                row.url,
                escape(row.key, quote=False),
                escape(row.summary[:200], quote=False),
                escape(row.type, quote=False),
                "" if row.complete else "<br>(week in progress, not in the lines)",
                "click to open" if row.url else "no link",
                _prs_line(getattr(row, "prs", "")),
            ]
            for row in sub.itertuples()
        ]
        fig.add_scatter(
            x=[t.strftime("%Y-%m-%dT%H:%M:%S") for t in when],
            y=sub["days"].round(4),
            name=escape(kind),
            mode="markers",
            marker=dict(
                color=colours.get(kind, OTHER_COLOUR),
                size=8,
                opacity=0.75,
                symbol=["circle" if c else "circle-open" for c in sub["complete"]],
                line=dict(width=1, color=colours.get(kind, OTHER_COLOUR)),
            ),
            customdata=custom,
            hovertemplate=(
                "<b>%{customdata[1]}</b> %{customdata[2]}<br>%{customdata[3]} · %{y:.1f} "
                + u
                + "<br>done %{x|%Y-%m-%d %H:%M}%{customdata[4]}%{customdata[6]}"
                + "<br><i>%{customdata[5]}</i><extra></extra>"
            ),
        )


def _prs_line(prs: str) -> str:
    """The hover's line of linked pull requests (vger.metrics.links.linked_pulls), escaped;
    at most five named, then how many more."""
    names = str(prs or "").split()
    if not names:
        return ""
    more = f" and {len(names) - 5} more" if len(names) > 5 else ""
    label = "PR" if len(names) == 1 else "PRs"
    return f"<br>{label}: {escape(', '.join(names[:5]), quote=False)}{more}"


def point_groups(data: ScatterData) -> list[tuple[str, bool, np.ndarray]]:
    """The WebGL traces in order: (work type, complete week?, row positions in
    ``data.points``); in-progress points are a trace of their own (open markers)."""
    kinds = data.points["work_type"].to_numpy()
    complete = data.points["complete"].to_numpy(dtype=bool)
    groups = []
    for kind in data.work_type_order:
        for done_week in (True, False):
            rows = np.flatnonzero((kinds == kind) & (complete == done_week))
            if len(rows):
                groups.append((kind, done_week, rows))
    return groups


def _add_many_points(fig: go.Figure, data: ScatterData, u: str) -> None:
    colours = _colours(data.work_type_order)
    local = local_naive(data.points["done"], data.choice.board.tz)
    ms = (local - pd.Timestamp(0)).dt.total_seconds().to_numpy() * 1000.0
    days = data.points["days"].to_numpy(dtype=float)
    for kind, done_week, rows in point_groups(data):
        colour = colours.get(kind, OTHER_COLOUR)
        fig.add_scattergl(
            x=ms[rows],
            y=days[rows].astype(np.float32),
            name=escape(kind) if done_week else f"{escape(kind)} (week in progress)",
            legendgroup=escape(kind),
            mode="markers",
            marker=dict(
                color=colour,
                size=6,
                opacity=0.6,
                symbol="circle" if done_week else "circle-open",
                line=dict(width=1, color=colour),
            ),
            hovertemplate=(
                f"{escape(kind)} · %{{y:.1f}} {u}<br>done %{{x|%Y-%m-%d %H:%M}}"
                "<br><i>click to open</i><extra></extra>"
            ),
        )
    fig.update_xaxes(type="date")


def scatter_point_url(data: ScatterData, curve: int, index: int) -> str:
    """The URL of point ``index`` of trace ``curve`` of a WebGL scatterplot ("" when
    there is none, e.g. a likelihood line)."""
    groups = point_groups(data)
    if len(data.points) <= WEBGL_POINTS or not 0 <= curve < len(groups):
        return ""
    rows = groups[curve][2]
    if not 0 <= index < len(rows):
        return ""
    url = data.points["url"].iat[int(rows[index])]
    return url if isinstance(url, str) and url.startswith(("https://", "http://")) else ""


def scatter_figure(data: ScatterData) -> go.Figure:
    """One point per item: x = done (team zone), y = lead time; colour by work type
    (repository for pull requests); horizontal 50/80/90 % lines; ``customdata[0]`` is
    the URL a click opens."""
    u = unit(data.choice)
    tz = data.choice.board.tz
    github = data.params_github
    fig = axis_figure(
        "PR lead time scatterplot" if github else "Lead time scatterplot",
        f"lead time ({u})",
        f"done ({tz})",
        category=False,
    )
    fig.update_layout(hovermode="closest", dragmode="zoom", height=520)
    if len(data.points) > WEBGL_POINTS:
        _add_many_points(fig, data, u)
    else:
        _add_points(fig, data, u)
    if len(data.grid):
        x0 = data.grid.labels[0].strftime("%Y-%m-%d")
        x1 = (data.grid.labels[-1] + pd.Timedelta(days=7)).strftime("%Y-%m-%d")
        for level in LEVELS:
            value = data.levels.get(level, float("nan"))
            if np.isnan(value):
                continue
            fig.add_scatter(
                x=[x0, x1],
                y=[round(value, 4), round(value, 4)],
                name=f"{level} % within {value:.1f}",
                mode="lines",
                line=dict(color=LEVEL_COLOURS[level], width=2, dash="dash"),
                hovertemplate=f"{level} % finished within %{{y:.1f}} {u}<extra></extra>",
            )
        fig.update_xaxes(range=[x0, x1])
    return fig
