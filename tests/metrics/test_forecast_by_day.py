"""Forecasts by day (issue 13 item 6): each drawn week's items finish evenly over its
7 days. Expectations computed by hand in the comments (docs/metrics.md, "Monte Carlo")."""

from __future__ import annotations

import numpy as np
import pytest

from vger.metrics.forecast import (
    TRIALS,
    how_many,
    how_many_by_day,
    trial_finish_days,
    trial_totals,
    when_done,
    when_done_day,
)

LEVELS = (25, 50, 95)


@pytest.mark.parametrize("days", [1, 2, 6, 7, 8, 30, 365])
def test_seven_a_week_is_one_a_day(days):
    # floor(7·d/7) = d on every day of every week: the count is the day number
    assert how_many_by_day([7] * 12, days) == {50: days, 80: days, 90: days}
    assert set(trial_totals([7] * 12, days)) == {days}


@pytest.mark.parametrize("items", [1, 6, 7, 8, 30])
def test_seven_a_week_finishes_item_k_on_day_k(items):
    assert when_done_day([7] * 12, items) == {50: items, 80: items, 90: items}
    assert set(trial_finish_days([7] * 12, items)) == {items}


@pytest.mark.parametrize(
    ("items", "day"),
    # one a week: item k on the last day of week k, 7k; the running totals are summed a
    # block of 26 weeks at a time, so weeks 26, 27 and 53 sit on either side of a block;
    # item 521 needs a 521st week, beyond the 520 drawn: never (7 * 520 + 1)
    [(25, 175), (26, 182), (27, 189), (52, 364), (53, 371), (520, 3640), (521, 3641)],
)
def test_one_a_week_finishes_item_k_in_week_k(items, day):
    assert set(trial_finish_days([1], items, trials=50)) == {day}


def test_three_a_week_by_hand():
    # day 3: floor(9/7) = 1; day 10: 3 + floor(9/7) = 4; day 13: 3 + floor(18/7) = 5
    assert [how_many_by_day([3], d)[50] for d in (1, 3, 7, 10, 13, 14)] == [0, 1, 3, 4, 5, 6]
    # item 7: 6 after two weeks, then ceil(7·1/3) = 3 days → day 17; item 3: day 7
    assert when_done_day([3], 7)[90] == 17
    assert when_done_day([3], 3)[90] == 7
    # the first day the count reaches k is the day k is done
    for k in range(1, 13):
        day = when_done_day([3], k)[50]
        assert how_many_by_day([3], day)[50] >= k > how_many_by_day([3], day - 1)[50]


def test_likelihood_days_are_distinct_when_the_trials_differ():
    # weekly 7, 14 or 28 (1/3 each), 14 items: a 28 week finishes on day
    # ceil(7·14/28) = 4, a 14 week on day 7; after a 7 week (7 left) the second week
    # finishes on day 7 + ceil(49/w): 9 (w=28), 11 (14) or 14 (7), 1/9 each.
    # Cumulative: day 4 ⅓, day 7 ⅔, day 9 7/9, day 11 8/9, day 14 all.
    assert when_done_day([7, 14, 28], 14, levels=LEVELS) == {25: 4, 50: 7, 95: 14}
    finish = trial_finish_days([7, 14, 28], 14)
    assert set(finish) == {4, 7, 9, 11, 14}
    # by day 3: floor(3w/7) = 3, 6 or 12, ⅓ each
    assert how_many_by_day([7, 14, 28], 3, levels=LEVELS) == {25: 12, 50: 6, 95: 3}


def test_weekly_answers_are_the_day_answers_at_week_ends():
    weekly = [3, 5, 2, 8, 6, 4, 7, 5, 9, 1, 6, 4]  # METRICS.md example 1
    assert how_many(weekly, 6) == how_many_by_day(weekly, 42)
    days = when_done_day(weekly, 40)
    assert when_done(weekly, 40) == {level: -(-d // 7) for level, d in days.items()}


def test_never_and_nothing():
    assert set(trial_finish_days([0, 0], 5, max_weeks=10)) == {71}
    assert when_done_day([0, 0], 5) == {50: None, 80: None, 90: None}
    assert when_done_day([3], 0) == {50: 0, 80: 0, 90: 0}
    assert how_many_by_day([3], 0) == {50: 0, 80: 0, 90: 0}
    assert trial_totals([], 10).tolist() == [0] * TRIALS
    # a 0 week between two 7s: the item after it is not done inside the 0 week
    finish = trial_finish_days([0, 7], 1, trials=2_000)
    assert np.all((finish - 1) % 7 == 0)  # always on the first day of a 7 week
