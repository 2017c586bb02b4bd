"""The aging figure and note (pure): columns = work states, the bands as stacked bars,
one point per open item coloured by the band it passed. Strings reach hovers escaped."""

from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from vger.metrics.aging import AGING_LEVELS
from vger.web.figures import FONT, new_figure
from vger.web.views.aging.data import AgingData

#: Band fills (below 50 %, 50–70, 70–85, 85–95) and point colours by the band passed.
BAND_FILLS = {50: "#d8f3dc", 70: "#fff3bf", 85: "#ffe0b2", 95: "#ffccd5"}
SYMBOL_CIRCLE, SYMBOL_X = 0, 4  # plotly's marker symbol codes
PASSED_COLOURS = {0: "#2b9348", 50: "#b08900", 70: "#e76f51", 85: "#c1121f", 95: "#6a040f"}


#: Points drawn per column: the oldest items of a state (a column of thousands of points is
#: a blot, and each costs the page); the note says how many are not drawn, the CSV has all.
MAX_POINTS_PER_STATE = 300


def drawn(items: pd.DataFrame, most: int = MAX_POINTS_PER_STATE) -> pd.DataFrame:
    """The items the chart draws: in each state (``position``), the ``most`` oldest;
    ``items`` are sorted by position, then age from the oldest (as the view data is)."""
    if len(items) <= most:
        return items
    position = items["position"].to_numpy()
    _, first, inverse = np.unique(position, return_index=True, return_inverse=True)
    rank = np.arange(len(items)) - first[inverse]  # 0 for a state's oldest item
    return items[rank < most]


def _escaped(values: pd.Series) -> np.ndarray:
    """HTML-escaped text (``&``, ``<``, ``>``), as an object array."""
    return np.array([escape(str(v), quote=False) for v in values], dtype=object)


def _offsets(count: int) -> np.ndarray:
    """Spread ``count`` points of one column across its width, deterministically."""
    if count <= 1:
        return np.zeros(count)
    return np.linspace(-0.3, 0.3, count)[np.argsort(np.arange(count) * 7 % count)]


def aging_figure(data: AgingData) -> go.Figure:
    """Columns = work states; per column the 50/70/85/95 % bands as stacked bars and one
    point per open item at its age, coloured by the band it passed; ``customdata[0]``
    is the URL a click opens."""
    u = data.unit
    columns = data.columns()
    index = {position: k for k, (position, _) in enumerate(columns)}
    names = [escape(name) for _, name in columns]
    fig = new_figure(
        title=dict(text="Aging work in progress", x=0.01, font=dict(size=15)),
        font=FONT,
        margin=dict(l=50, r=20, t=45, b=40),
        height=540,
        hovermode="closest",
        barmode="stack",
        bargap=0.05,
        plot_bgcolor="white",
        legend=dict(orientation="h", y=-0.15),
        yaxis=dict(
            title=f"age ({u} since {'created' if data.github else 'start'})",
            rangemode="tozero",
            gridcolor="#eee",
        ),
        xaxis=dict(
            tickvals=list(range(len(columns))),
            ticktext=names,
            range=[-0.5, len(columns) - 0.5],
            title="current work state",
        ),
    )
    bands = data.bands.set_index("position") if len(data.bands) else pd.DataFrame()
    below = np.zeros(len(columns))
    for level in AGING_LEVELS:
        tops = np.array(
            [float(bands.loc[p, level]) if p in bands.index else np.nan for p, _ in columns]
        )
        height = np.where(np.isnan(tops), 0.0, np.maximum(tops - below, 0.0))
        fig.add_bar(
            x=list(range(len(columns))),
            y=np.round(height, 4),
            base=np.round(below, 4),
            width=0.9,
            name=f"{level} % had left by",
            marker=dict(color=BAND_FILLS[level], line=dict(width=0)),
            customdata=np.round(tops, 2),
            hovertemplate=f"{level} % of completed items had left by %{{customdata}} {u}<extra></extra>",
        )
        below = np.where(np.isnan(tops), below, np.maximum(tops, below))
    items = drawn(data.items)
    for level in (0, *AGING_LEVELS):
        sub = items[items["passed"] == level] if len(items) else items
        if sub.empty:
            continue
        x = np.zeros(len(sub))
        for position, k in index.items():
            mask = (sub["position"] == position).to_numpy()
            x[mask] = k + _offsets(int(mask.sum()))
        custom = np.column_stack(
            [
                sub["url"].to_numpy(dtype=str),
                _escaped(sub["key"]),
                _escaped(sub["summary"].astype(str).str.slice(0, 200)),
                _escaped(sub["issue_type"]),
                _escaped(sub["state"]),
                np.char.mod("%.1f", sub["state_days"].to_numpy(dtype=float)),
                np.where(sub["url"].astype(bool), "click to open", "no link"),
                _flag_words(sub, u),
            ]
        ).astype(str)  # one string array: plotly copies it in one piece, not per value
        fig.add_scatter(
            x=np.round(x, 3),
            y=sub["age"].round(4).to_numpy(),
            mode="markers",
            name="within the 50 % band" if level == 0 else f"past {level} %",
            marker=dict(
                color=PASSED_COLOURS[level],
                size=np.where(_flagged(sub), 13, 10),
                # x (code 4): flagged in Jira now, else circle (0); codes, not names, as
                # plotly checks each name of an array against its list, one by one
                symbol=np.where(_flagged(sub), SYMBOL_X, SYMBOL_CIRCLE),
                line=dict(width=1, color="white"),
            ),
            customdata=custom,
            hovertemplate=(
                "<b>%{customdata[1]}</b> %{customdata[2]}<br>%{customdata[3]} · age %{y:.1f} "
                + u
                + "<br>%{customdata[5]} "
                + u
                + " in %{customdata[4]}%{customdata[7]}<br><i>%{customdata[6]}</i><extra></extra>"
            ),
        )
    return fig


def _flagged(sub: pd.DataFrame) -> np.ndarray:
    """Whether each item is flagged (impediment) in Jira now; False without flag data."""
    if "flagged" not in sub:
        return np.zeros(len(sub), dtype=bool)
    return sub["flagged"].to_numpy(dtype=bool)


def _flag_words(sub: pd.DataFrame, unit: str) -> np.ndarray:
    """The hover's flag line: '<br>⚑ flagged now · N days flagged', or the days flagged
    before, or nothing."""
    if "days_flagged" not in sub:
        return np.full(len(sub), "", dtype=object)
    days = np.nan_to_num(sub["days_flagged"].to_numpy(dtype=float))
    total = np.char.mod(f"%.1f {unit} flagged", days)
    now = np.char.add("<br>⚑ flagged now · ", total)
    before = np.char.add("<br>", total)
    return np.where(_flagged(sub), now, np.where(days > 0, before, ""))


def aging_note(data: AgingData) -> str:
    tz = data.choice.board.tz
    when = data.now.tz_convert(tz).strftime("%Y-%m-%d %H:%M")
    hidden = len(data.items) - len(drawn(data.items))
    shown = (
        f" · the {MAX_POINTS_PER_STATE} oldest of each state are drawn ({hidden} younger "
        "ones are not: the CSV lists every one)"
        if hidden
        else ""
    )
    if data.github:
        return (
            f"{len(data.items)} pull requests open{shown}, ages at {when} ({tz}) in days since "
            f"created (draft time included) · bands: 50/70/85/95 % of the {data.completed} "
            f"pull requests merged in the complete weeks from {data.first_day} to "
            f"{data.last_day} were merged by that age · colour: the highest band passed"
        )
    return (
        f"{len(data.items)} items started and not done{shown}, ages at {when} ({tz}) in {data.unit} "
        f"since start · bands: 50/70/85/95 % of the {data.completed} items completed in the "
        f"complete weeks from {data.first_day} to {data.last_day} had left the state by that "
        "age (left = moved past it for good) · colour: the highest band passed · linear "
        "percentiles"
    )
