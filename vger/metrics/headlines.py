"""Headlines of the quadrant: each card's number over the range's complete weeks and
over the same number of weeks just before, the direction in words, and the one or two
sentences that tie the four together. The rules are in docs/metrics.md, "Headlines".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from vger.metrics.calendar import WEEK, WeekGrid, week_grid
from vger.metrics.lead_time import straight_lead_time
from vger.metrics.percentiles import likelihood
from vger.metrics.throughput import weekly_counts
from vger.metrics.variation import coefficient_of_variation

ARROWS = {"up": "↑", "down": "↓", "unchanged": "→", "no comparison": ""}
# Variation (population std / mean of weekly counts): below 0.4 steady, below 0.8 uneven.
STEADY, UNEVEN = 0.4, 0.8
# Each number is compared as shown: throughput and lead time to 0.1, variation to 0.01.
DECIMALS = {"throughput": 1, "leadtime": 1, "backlog": 0, "variation": 2}
# Which direction is better: more throughput, shorter lead time, lower variation, a
# backlog that grows less.
BETTER = {"throughput": "up", "leadtime": "down", "variation": "down", "backlog": "down"}


@dataclass(frozen=True)
class Headline:
    """One card's headline: ``now`` and ``previous`` (None when not computable)."""

    chart: str  # throughput | leadtime | backlog | variation
    now: float | None
    previous: float | None
    direction: str  # up | down | unchanged | no comparison
    verdict: str  # better | worse | same | "" (no comparison)
    text: str


@dataclass(frozen=True)
class Headlines:
    """The four headlines and the story, with the two periods compared (local dates)."""

    weeks: int
    current: tuple[date, date] | None
    previous: tuple[date, date] | None
    cards: dict[str, Headline]
    story: str


def number(value: float | None, decimals: int = 1) -> str:
    """A headline number: no trailing ``.0``; "–" when there is none."""
    if value is None:
        return "–"
    text = f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def signed(value: float | None) -> str:
    return "–" if value is None else f"{int(value):+d}"


def variation_word(value: float | None) -> str:
    if value is None:
        return "not defined"
    return "steady" if value < STEADY else "uneven" if value < UNEVEN else "erratic"


def compare(chart: str, now: float | None, previous: float | None) -> tuple[str, str]:
    """(direction, verdict) of ``now`` against ``previous``, compared as displayed."""
    if now is None or previous is None:
        return "no comparison", ""
    a, b = round(now, DECIMALS[chart]), round(previous, DECIMALS[chart])
    if a == b:
        return "unchanged", "same"
    direction = "up" if a > b else "down"
    return direction, "better" if direction == BETTER[chart] else "worse"


def _value(x: float) -> float | None:
    return None if x is None or np.isnan(x) else float(x)


def _complete(grid: WeekGrid) -> WeekGrid:
    keep = np.asarray(grid.complete, dtype=bool)
    return WeekGrid(grid.labels[keep], grid.starts[keep], grid.ends[keep], grid.complete[keep])


def _numbers(items: pd.DataFrame, grid: WeekGrid) -> dict[str, float | None]:
    """Throughput (50 % likelihood), lead time (80th percentile), backlog change
    (created − completed − abandoned) and variation over the weeks of ``grid``."""
    if len(grid) == 0:
        return dict.fromkeys(DECIMALS)
    completed = items.loc[items["outcome"] == "completed", ["done", "lead_time"]]
    abandoned = items.loc[items["outcome"].isin(["abandoned", "rejected"]), "done"]  # PRs too
    counts = weekly_counts(completed["done"], grid)
    created = int(weekly_counts(items["created"], grid).sum())
    finished = int(counts.sum()) + int(weekly_counts(abandoned, grid).sum())
    lead = straight_lead_time(completed["done"], completed["lead_time"], grid, (80,))[80]
    return {
        "throughput": _value(likelihood(counts.to_numpy(), (50,))[50]),
        "leadtime": _value(lead),
        "backlog": float(created - finished),
        "variation": _value(coefficient_of_variation(counts.to_numpy())),
    }


def _span(grid: WeekGrid) -> tuple[date, date]:
    return grid.labels[0].date(), (grid.labels[-1] + WEEK - pd.Timedelta(days=1)).date()


def quadrant_headlines(
    items: pd.DataFrame,
    grid: WeekGrid,
    tz: str,
    now: pd.Timestamp,
    *,
    noun: str = "items",
    unit: str = "days",
    data_first: pd.Timestamp | None = None,
) -> Headlines:
    """Headlines of the complete weeks of ``grid`` against the same number of weeks just
    before them. ``items`` as for :func:`vger.metrics.quadrant.issue_quadrant`, holding at
    least every item created or done from the previous period on. The previous period
    counts only when the data began before it (else "no comparison"): ``data_first`` is
    the board's first creation (UTC) when ``items`` hold only a range, else it is read
    from ``items``."""
    current = _complete(grid)
    n = len(current)
    previous = None
    if n:
        first = current.labels[0]
        earlier = week_grid(first - n * WEEK, first - pd.Timedelta(days=1), tz, now)
        if data_first is None:
            created = pd.to_datetime(items["created"], utc=True).dropna()
            data_first = created.min() if len(created) else None
        if data_first is not None:
            data_first = pd.Timestamp(data_first)
            if data_first.tzinfo is None:
                data_first = data_first.tz_localize("UTC")
        if len(earlier) == n and data_first is not None and data_first <= earlier.starts[0]:
            previous = earlier
    now_numbers = _numbers(items, current)
    before = _numbers(items, previous) if previous is not None else dict.fromkeys(DECIMALS)
    cards = {
        chart: _headline(chart, now_numbers[chart], before[chart], n, noun, unit)
        for chart in DECIMALS
    }
    return Headlines(
        weeks=n,
        current=_span(current) if n else None,
        previous=_span(previous) if previous is not None else None,
        cards=cards,
        story=story(cards, n, noun, unit),
    )


def _headline(
    chart: str, now: float | None, previous: float | None, weeks: int, noun: str, unit: str
) -> Headline:
    direction, verdict = compare(chart, now, previous)
    d = DECIMALS[chart]
    trend = f" {ARROWS[direction]} {direction}" if previous is not None else ""
    if chart == "throughput":
        before = f"previous {weeks} weeks: {number(previous, d)}"
        text = f"Throughput {number(now, d)} {noun} / week at 50 %{trend} ({before})"
    elif chart == "leadtime":
        text = f"Lead time: 80 % within {number(now, d)} {unit}{trend} (previous: {number(previous, d)})"
    elif chart == "backlog":
        pace = (
            "arriving faster than finishing"
            if (now or 0) > 0
            else "finishing faster than arriving"
            if (now or 0) < 0
            else "arriving as fast as finishing"
        )
        text = (
            f"Backlog: {signed(now)} in {weeks} weeks, {pace}{trend} (previous: {signed(previous)})"
        )
    else:
        text = (
            f"Variation {number(now, d)}: {variation_word(now)}{trend}"
            f" (previous: {number(previous, d)})"
        )
    if previous is None:
        text = text.rsplit(" (", 1)[0] + " (no earlier data to compare)"
    return Headline(chart, now, previous, direction, verdict, text)


def story(cards: dict[str, Headline], weeks: int, noun: str, unit: str) -> str:
    """One or two sentences from the four headlines (docs/metrics.md, "Headlines")."""
    tp, lt, bl, var = (cards[c] for c in ("throughput", "leadtime", "backlog", "variation"))
    if weeks == 0 or tp.now is None:
        return "No complete week in the range: nothing to compare yet."
    pace = {
        "up": f"more {noun} finished per week",
        "down": f"fewer {noun} finished per week",
        "unchanged": f"as many {noun} finished per week",
    }
    speed = {"down": "each faster", "up": "each slower", "unchanged": "each as fast"}
    if tp.previous is None:
        first = (
            f"In the last {weeks} weeks a typical week finished {number(tp.now)} {noun}"
            f" and 80 % took at most {number(lt.now)} {unit}."
        )
    else:
        joint = "and" if (tp.verdict == lt.verdict or "same" in (tp.verdict, lt.verdict)) else "but"
        lead = speed.get(lt.direction, "lead time not comparable")
        first = (
            f"Compared with the previous {weeks} weeks: {pace[tp.direction]}, {joint} {lead};"
            f" delivery is {variation_word(var.now)}."
        )
    change = int(bl.now or 0)
    if change > 0:
        second = f"The backlog grew by {change}: work is arriving faster than it is finishing."
    elif change < 0:
        second = f"The backlog shrank by {-change}: work is finishing faster than it is arriving."
    else:
        second = "The backlog held level: work is finishing as fast as it arrives."
    return f"{first} {second}"
