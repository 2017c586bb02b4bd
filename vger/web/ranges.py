"""Range presets beside the date pickers: a relative range (``range=90d`` …) keeps
moving with today; typing a date makes the range explicit. The two callbacks keep the
pickers and the presets consistent, so changing another control never turns one kind
into the other."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, no_update

from vger.web.params import RANGE_PRESETS, ViewParams

LABELS = {
    "90d": "90 days",
    "26w": "26 weeks",
    "1y": "1 year",
    "qtd": "quarter to date",
    "ytd": "year to date",
    "all": "all (10 years at most)",
    "custom": "the dates",
}


def preset_value(p: ViewParams) -> str:
    """The preset a view shows: its relative range, "custom" for explicit dates, else
    the default (the last 90 days, moving)."""
    if p.relative:
        return p.relative if p.relative in RANGE_PRESETS else "custom"
    return "custom" if (p.start or p.end) else "90d"


def range_presets(prefix: str, p: ViewParams) -> dbc.Col:
    """The preset choice (a labelled group of radio buttons)."""
    options = [{"label": f" {LABELS[v]}", "value": v} for v in (*RANGE_PRESETS, "custom")]
    return dbc.Col(
        [
            dbc.Label("Range"),
            dbc.RadioItems(
                id=f"{prefix}-preset",
                options=options,
                value=preset_value(p),
                inline=True,
                input_class_name="me-1",
                label_class_name="me-3",
            ),
        ],
        md=12,
    )


def range_fields(prefix: str, p: ViewParams, start: date, end: date) -> list[dbc.Col]:
    """From and To (explicit dates only; the range's dates as hints), each with its
    message slot, and the presets: the date controls every ranged page shares."""
    from vger.web.components import date_input
    from vger.web.feedback import message_slot

    def field(name: str, label: str, hint: date) -> dbc.Col:
        return dbc.Col(
            [
                dbc.Label(label, html_for=f"{prefix}-{name}"),
                date_input(f"{prefix}-{name}", picker_value(p, name), hint.isoformat()),
                message_slot(prefix, name),
            ],
            md=2,
        )

    return [field("from", "From", start), field("to", "To", end), range_presets(prefix, p)]


def picker_value(p: ViewParams, which: str) -> str | None:
    """A date picker shows only an explicit date (empty while the range is relative)."""
    value = p.start if which == "from" else p.end
    return value.isoformat() if value and not p.relative else None


def register_range_sync(app: Dash, prefix: str, pickers: Sequence[str] = ("from", "to")) -> None:
    """A preset empties the pickers (``<prefix>-from``, ``<prefix>-to``: the page's date
    fields); a date typed selects "the dates"."""
    if not pickers:
        return

    @app.callback(
        *[Output(f"{prefix}-{name}", "value", allow_duplicate=True) for name in pickers],
        Input(f"{prefix}-preset", "value"),
        prevent_initial_call=True,
    )
    def preset_empties_dates(relative):
        empty = None if relative in RANGE_PRESETS else no_update
        return empty if len(pickers) == 1 else [empty] * len(pickers)

    @app.callback(
        Output(f"{prefix}-preset", "value", allow_duplicate=True),
        *[Input(f"{prefix}-{name}", "value") for name in pickers],
        prevent_initial_call=True,
    )
    def dates_are_custom(*dates):
        return "custom" if any(dates) else no_update
