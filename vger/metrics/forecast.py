"""Monte Carlo forecasts from weekly throughput (docs/metrics.md, "Forecasts").

Resample the weekly throughput of the last N complete weeks with replacement.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from vger.metrics.percentiles import LEVELS

TRIALS = 10_000
SEED = 20240101


def how_many(
    weekly: Sequence[float],
    weeks: int,
    *,
    levels: Sequence[int] = LEVELS,
    trials: int = TRIALS,
    seed: int = SEED,
) -> dict[int, int]:
    """Items finished in the next ``weeks`` whole weeks: for each L, the count reached
    in at least L % of trials."""
    sample = np.asarray(weekly, dtype=float)
    if sample.size == 0 or weeks <= 0:
        return {level: 0 for level in levels}
    rng = np.random.default_rng(seed)
    totals = rng.choice(sample, size=(trials, weeks), replace=True).sum(axis=1)
    totals.sort()
    # The largest count c such that at least L % of trials reached c.
    return {level: int(totals[trials - int(np.ceil(trials * level / 100.0))]) for level in levels}


def when_done(
    weekly: Sequence[float],
    items: int,
    *,
    levels: Sequence[int] = LEVELS,
    trials: int = TRIALS,
    seed: int = SEED,
    max_weeks: int = 520,
) -> dict[int, int | None]:
    """Weeks needed to finish ``items``: for each L, the number of weeks within which
    L % of trials finished (None when not reached within ``max_weeks``)."""
    sample = np.asarray(weekly, dtype=float)
    if items <= 0:
        return {level: 0 for level in levels}
    if sample.size == 0 or sample.max() <= 0:
        return {level: None for level in levels}
    rng = np.random.default_rng(seed)
    cumulative = rng.choice(sample, size=(trials, max_weeks), replace=True).cumsum(axis=1)
    reached = cumulative >= items
    weeks = np.where(reached.any(axis=1), reached.argmax(axis=1) + 1, max_weeks + 1)
    weeks.sort()
    out: dict[int, int | None] = {}
    for level in levels:
        value = int(weeks[min(trials - 1, int(np.ceil(trials * level / 100.0)) - 1)])
        out[level] = None if value > max_weeks else value
    return out
