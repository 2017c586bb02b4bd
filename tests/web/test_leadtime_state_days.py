"""The lead-time CSV's days per work state (``_days_by_state``): one number per issue
and state is placed as it is; several rows of one issue and state (one per visit) are
summed; an issue without rows gets 0.0 everywhere; columns in (position, state) order."""

from __future__ import annotations

import numpy as np
import pandas as pd

from vger.web.views.quadrant.export import _days_by_state


def _rows(rows: list[tuple[str, int, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["issue_id", "position", "state", "days"])


def test_one_number_per_issue_and_state_is_placed():
    rows = _rows(
        [
            ("b", 2, "Test", 1.5),
            ("b", 1, "Doing", 0.25),
            ("a", -1, "(unmapped)", 3.0),
            ("a", 1, "Doing", -0.0),
        ]
    )
    wide = _days_by_state(rows, np.array(["a", "c", "b"], dtype=object))
    assert list(wide.columns) == [(-1, "(unmapped)"), (1, "Doing"), (2, "Test")]
    assert wide.to_numpy().tolist() == [[3.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.25, 1.5]]
    assert np.signbit(wide[(1, "Doing")].to_numpy()[0])  # the stored -0.0, as pivot_table


def test_several_visits_are_summed_and_missing_days_count_nothing():
    rows = _rows(
        [
            ("a", 1, "Doing", 0.5),
            ("a", 1, "Doing", 0.25),
            ("a", 2, "Test", float("nan")),
            ("b", 2, "Test", 2.0),
        ]
    )
    wide = _days_by_state(rows, np.array(["b", "a"], dtype=object))
    assert list(wide.columns) == [(1, "Doing"), (2, "Test")]
    assert wide.to_numpy().tolist() == [[0.0, 2.0], [0.75, 0.0]]


def test_a_position_named_twice_keeps_both_columns():
    rows = _rows([("a", 1, "Doing", 1.0), ("b", 1, "Doing (old)", 2.0)])
    wide = _days_by_state(rows, np.array(["a", "b"], dtype=object))
    assert list(wide.columns) == [(1, "Doing"), (1, "Doing (old)")]
    assert wide.to_numpy().tolist() == [[1.0, 0.0], [0.0, 2.0]]
