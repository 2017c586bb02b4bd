"""Monte Carlo forecasts from weekly throughput, answered by day (docs/metrics.md,
"Monte Carlo").

Each trial resamples the weekly throughput of the last N complete weeks with
replacement, one draw per future week. Within a week the drawn items finish evenly
over its 7 days (linear interpolation), so a week that draws ``w`` items has finished
``floor(w·d/7)`` of them by the end of its day ``d`` (1..7). Day 1 is the first
forecast day (the caller's Monday); every answer here is a day number from it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from vger.metrics.percentiles import LEVELS

TRIALS = 10_000
SEED = 20240101
MAX_WEEKS = 520
DAYS = 7  # days in a week
BLOCK = 26  # weeks of running totals at a time (trial_finish_days)


def _draws(sample: np.ndarray, weeks: int, trials: int, seed: int) -> np.ndarray:
    """``trials × weeks`` weekly throughputs (items) drawn from ``sample``."""
    return sample[_picks(len(sample), weeks, trials, seed)]


def _picks(count: int, weeks: int, trials: int, seed: int) -> np.ndarray:
    """The one place that draws: which of ``count`` sampled weeks each of ``trials ×
    weeks`` draws takes. ``choice`` draws the same positions whatever the values, so
    these are the positions of ``choice(sample)``, held as the smallest integers that
    fit: a quarter of the memory of the drawn floats (10,000 trials × 520 weeks: 42 MB
    of floats, whose fresh pages cost up to 0.1 CPU-s)."""
    rng = np.random.default_rng(seed)
    positions = np.arange(count, dtype=np.min_scalar_type(max(count - 1, 0)))
    return rng.choice(positions, size=(trials, weeks), replace=True)


def trial_totals(
    weekly: Sequence[float], days: int, *, trials: int = TRIALS, seed: int = SEED
) -> np.ndarray:
    """Items finished in each trial by the end of day ``days`` (day 1 = first forecast
    day): the whole weeks before it plus ``floor(w·d/7)`` of the week it falls in."""
    sample = np.asarray(weekly, dtype=float)
    if sample.size == 0 or days <= 0:
        return np.zeros(trials, dtype=np.int64)
    full, rest = divmod(days, DAYS)
    draws = _draws(sample, full + (1 if rest else 0), trials, seed)
    totals = draws[:, :full].sum(axis=1)
    if rest:
        totals = totals + np.floor(draws[:, full] * rest / DAYS)
    return totals.astype(np.int64)


def trial_finish_days(
    weekly: Sequence[float],
    items: int,
    *,
    trials: int = TRIALS,
    seed: int = SEED,
    max_weeks: int = MAX_WEEKS,
) -> np.ndarray:
    """The day on which each trial finished ``items`` (``7·max_weeks + 1`` when never):
    the first day whose running total (interpolated as in :func:`trial_totals`)
    reaches ``items``, i.e. in the week that reaches it, day
    ``ceil(7·(items − finished before that week) / w)``."""
    sample = np.asarray(weekly, dtype=float)
    never = DAYS * max_weeks + 1
    if items <= 0:
        return np.zeros(trials, dtype=np.int64)
    if sample.size == 0 or sample.max() <= 0:
        return np.full(trials, never, dtype=np.int64)
    picks = _picks(len(sample), max_weeks, trials, seed)
    # the running totals a block of weeks at a time, until every trial has reached
    # ``items``: summing all 520 weeks of 10,000 trials cost more than drawing them. Each
    # block's totals go on from the last one's, number by number as one running sum.
    week = np.full(trials, -1)  # the week that reaches ``items`` (-1: not yet)
    drawn = np.ones(trials)  # what that week drew
    before = np.zeros(trials)  # items finished before it
    total = np.zeros((trials, 1))
    for first in range(0, max_weeks, BLOCK):
        draws = sample[picks[:, first : first + BLOCK]]
        cumulative = np.hstack([total, draws]).cumsum(axis=1)[:, 1:]
        reached = cumulative >= items
        now = np.flatnonzero((week < 0) & reached.any(axis=1))
        at = reached[now].argmax(axis=1)
        week[now] = first + at
        drawn[now] = draws[now, at]
        before[now] = cumulative[now, at] - drawn[now]
        if (week >= 0).all():
            break
        total = cumulative[:, -1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        day = np.ceil(DAYS * (items - before) / np.where(drawn > 0, drawn, 1))
    return np.where(week >= 0, DAYS * week + day, never).astype(np.int64)


def count_levels(totals: np.ndarray, levels: Sequence[int] = LEVELS) -> dict[int, int]:
    """For each L, the largest count reached in at least L % of ``totals``."""
    ordered = np.sort(totals)
    n = ordered.size
    return {level: int(ordered[n - int(np.ceil(n * level / 100.0))]) for level in levels}


def day_levels(
    finish_days: np.ndarray, levels: Sequence[int] = LEVELS, *, max_weeks: int = MAX_WEEKS
) -> dict[int, int | None]:
    """For each L, the smallest day by which at least L % of trials finished (None when
    beyond ``max_weeks`` weeks)."""
    ordered = np.sort(finish_days)
    n = ordered.size
    out: dict[int, int | None] = {}
    for level in levels:
        value = int(ordered[min(n - 1, int(np.ceil(n * level / 100.0)) - 1)])
        out[level] = None if value > DAYS * max_weeks else value
    return out


def how_many_by_day(
    weekly: Sequence[float],
    days: int,
    *,
    levels: Sequence[int] = LEVELS,
    trials: int = TRIALS,
    seed: int = SEED,
) -> dict[int, int]:
    """Items finished by the end of day ``days``: for each L, the count reached in at
    least L % of trials."""
    return count_levels(trial_totals(weekly, days, trials=trials, seed=seed), levels)


def when_done_day(
    weekly: Sequence[float],
    items: int,
    *,
    levels: Sequence[int] = LEVELS,
    trials: int = TRIALS,
    seed: int = SEED,
    max_weeks: int = MAX_WEEKS,
) -> dict[int, int | None]:
    """Days needed to finish ``items``: for each L, the day by which L % of trials had
    finished (0 when ``items ≤ 0``; None when not within ``max_weeks`` weeks)."""
    finish = trial_finish_days(weekly, items, trials=trials, seed=seed, max_weeks=max_weeks)
    return day_levels(finish, levels, max_weeks=max_weeks)


def how_many(
    weekly: Sequence[float],
    weeks: int,
    *,
    levels: Sequence[int] = LEVELS,
    trials: int = TRIALS,
    seed: int = SEED,
) -> dict[int, int]:
    """Items finished in the next ``weeks`` whole weeks: :func:`how_many_by_day` at the
    end of the last week."""
    return how_many_by_day(weekly, DAYS * weeks, levels=levels, trials=trials, seed=seed)


def when_done(
    weekly: Sequence[float],
    items: int,
    *,
    levels: Sequence[int] = LEVELS,
    trials: int = TRIALS,
    seed: int = SEED,
    max_weeks: int = MAX_WEEKS,
) -> dict[int, int | None]:
    """Weeks needed to finish ``items``: the week holding :func:`when_done_day`'s day."""
    days = when_done_day(
        weekly, items, levels=levels, trials=trials, seed=seed, max_weeks=max_weeks
    )
    return {level: None if d is None else -(-d // DAYS) for level, d in days.items()}


def total_counts(totals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How many trials ended with each total (:func:`trial_totals`): the totals that
    occur, ascending, and their number of trials (the how-many chart's bars)."""
    counts = np.bincount(np.asarray(totals, dtype=np.int64))
    x = np.flatnonzero(counts)
    return x, counts[x]


#: Finish-day bins, in days: the first that puts the trials in at most MAX_BINS bins.
BIN_DAYS = (1, 7, 28, 91, 364)
MAX_BINS = 62


def finish_bins(finish_days: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """The trials' finish days (:func:`trial_finish_days`) in bins, as the when chart
    draws them: the bin width in days (the first of ``BIN_DAYS`` that needs at most
    ``MAX_BINS`` bins), the first day of each non-empty bin (day 1 = the first forecast
    day) and its number of trials. Trials that never finished are left out."""
    finished = finish_days[(finish_days >= 1) & (finish_days <= 7 * MAX_WEEKS)]
    if not finished.size:
        return 1, np.array([], dtype=np.int64), np.array([], dtype=np.int64)
    span = int(finished.max() - finished.min()) + 1
    width = next((w for w in BIN_DAYS if -(-span // w) <= MAX_BINS - 1), BIN_DAYS[-1])
    counts = np.bincount((finished - 1) // width)
    index = np.flatnonzero(counts)
    return width, index * width + 1, counts[index]
