"""Hypothesis property tests of the number functions: percentiles and likelihood levels
agree with numpy.quantile; the Monte Carlo forecasts (bounded: well under a second each)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from vger.metrics.forecast import how_many, when_done
from vger.metrics.percentiles import lead_time_levels, likelihood, percentile

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- Percentiles agree with numpy.quantile ---------------------------------------------------

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=100, deadline=None)
@given(values=st.lists(finite, min_size=1, max_size=50), pct=st.floats(0, 100))
def test_percentile_agrees_with_numpy_quantile(values, pct):
    expected = np.quantile(np.asarray(values), pct / 100.0)
    assert percentile(values, pct) == pytest.approx(expected, rel=1e-9, abs=1e-9)
    assert percentile(np.asarray(values + [np.nan]), pct) == pytest.approx(
        expected, rel=1e-9, abs=1e-9
    )
    assert pd.Series(values).quantile(pct / 100.0) == pytest.approx(expected, rel=1e-9, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(values=st.lists(st.integers(0, 50), min_size=1, max_size=30))
def test_likelihood_and_lead_time_levels_agree_with_numpy_quantile(values):
    array = np.asarray(values, dtype=float)
    assert likelihood(values) == pytest.approx(
        {level: np.quantile(array, (100 - level) / 100) for level in (50, 80, 90)}
    )
    assert lead_time_levels(values) == pytest.approx(
        {level: np.quantile(array, level / 100) for level in (50, 80, 90)}
    )
    # Higher confidence never promises more items, nor a shorter lead time.
    lk = likelihood(values)
    lt = lead_time_levels(values)
    assert lk[50] >= lk[80] >= lk[90]
    assert lt[50] <= lt[80] <= lt[90]


@settings(max_examples=100, deadline=None)
@given(
    values=st.lists(st.one_of(finite, st.just(float("nan"))), max_size=40),
    levels=st.lists(st.integers(0, 100), min_size=1, max_size=6, unique=True),
)
def test_levels_of_one_set_are_exactly_each_levels_percentile(values, levels):
    # every level of a set is computed at once: exactly the number of the level alone
    array = np.asarray(values, dtype=float)
    kept = array[~np.isnan(array)]
    alone = {
        level: float(np.quantile(kept, level / 100)) if kept.size else None for level in levels
    }
    for got in (lead_time_levels(values, levels), lead_time_levels(array, levels)):
        assert list(got) == levels
        for level in levels:
            assert type(got[level]) is float
            assert math.isnan(got[level]) if alone[level] is None else got[level] == alone[level]
    flipped = likelihood(array, levels)
    for level in levels:
        expected = percentile(values, 100 - level)
        assert flipped[level] == expected or (math.isnan(flipped[level]) and math.isnan(expected))


def test_percentile_of_nothing_is_nan():
    assert math.isnan(percentile([], 50))
    assert math.isnan(percentile([np.nan], 50))


# --- Monte Carlo -------------------------------------------------------------------------------

LEVEL_SETS = (10, 25, 50, 70, 80, 85, 90, 95, 99)
weekly_samples = st.lists(st.integers(0, 15), min_size=1, max_size=12)


@settings(max_examples=40, deadline=None)
@given(weekly=weekly_samples, weeks=st.integers(1, 10), seed=st.integers(0, 2**32 - 1))
def test_how_many_is_deterministic_monotone_and_the_largest_count_reached(weekly, weeks, seed):
    trials = 2000
    first = how_many(weekly, weeks, levels=LEVEL_SETS, trials=trials, seed=seed)
    assert first == how_many(weekly, weeks, levels=LEVEL_SETS, trials=trials, seed=seed)
    values = [first[level] for level in LEVEL_SETS]
    assert values == sorted(values, reverse=True)
    assert all(min(weekly) * weeks <= v <= max(weekly) * weeks for v in values)
    # Definition: the largest count reached in at least L % of the (same) trials.
    rng = np.random.default_rng(seed)
    totals = rng.choice(np.asarray(weekly, float), size=(trials, weeks), replace=True).sum(axis=1)
    for level, value in first.items():
        assert (totals >= value).mean() >= level / 100
        assert (totals >= value + 1).mean() < level / 100


@settings(max_examples=40, deadline=None)
@given(weekly=weekly_samples, items=st.integers(1, 60), seed=st.integers(0, 2**32 - 1))
def test_when_done_is_deterministic_monotone_and_the_weeks_within_which_l_finished(
    weekly, items, seed
):
    assume(max(weekly) > 0)
    trials = 2000
    first = when_done(weekly, items, levels=LEVEL_SETS, trials=trials, seed=seed, max_weeks=200)
    assert first == when_done(
        weekly, items, levels=LEVEL_SETS, trials=trials, seed=seed, max_weeks=200
    )
    values = [first[level] for level in LEVEL_SETS]
    known = [v for v in values if v is not None]
    assert known == sorted(known)
    # Once a level is out of reach, every higher level is too.
    assert values[len(known) :] == [None] * (len(values) - len(known))
    assert all(math.ceil(items / max(weekly)) <= v for v in known)
    rng = np.random.default_rng(seed)
    cumulative = rng.choice(np.asarray(weekly, float), size=(trials, 200), replace=True).cumsum(1)
    reached = cumulative >= items
    weeks = np.where(reached.any(axis=1), reached.argmax(axis=1) + 1, 10**9)
    for level, value in first.items():
        if value is None:
            assert (weeks <= 200).mean() < level / 100
        else:
            assert (weeks <= value).mean() >= level / 100
            assert (weeks <= value - 1).mean() < level / 100


@settings(max_examples=50, deadline=None)
@given(
    rate=st.integers(1, 20),
    window=st.integers(1, 12),
    weeks=st.integers(1, 26),
    items=st.integers(1, 300),
)
def test_constant_throughput_gives_exact_answers(rate, window, weeks, items):
    weekly = [rate] * window
    assert how_many(weekly, weeks, trials=500) == {
        50: rate * weeks,
        80: rate * weeks,
        90: rate * weeks,
    }
    expected = math.ceil(items / rate)
    assert when_done(weekly, items, trials=500) == {50: expected, 80: expected, 90: expected}


def test_forecast_defaults_are_seeded_and_edge_cases():
    weekly = [3, 5, 2, 8, 6, 4, 7, 5, 9, 1, 6, 4]
    assert how_many(weekly, 4) == how_many(weekly, 4)
    assert when_done(weekly, 40) == when_done(weekly, 40)
    assert how_many([], 4) == {50: 0, 80: 0, 90: 0}
    assert how_many(weekly, 0) == {50: 0, 80: 0, 90: 0}
    assert when_done(weekly, 0) == {50: 0, 80: 0, 90: 0}
    assert when_done([0, 0], 5) == {50: None, 80: None, 90: None}
    assert when_done([], 5) == {50: None, 80: None, 90: None}
