"""Flow efficiency and blocked time: the worked examples of docs/metrics.md ("Flow
efficiency", "Blocked time"), reproduced by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.metrics.conftest import example_issues, example_transitions, example_workflow
from vger.metrics.blocked import flagged_days, flagged_now
from vger.metrics.calendar import week_grid
from vger.metrics.efficiency import (
    WAITING_TOTAL,
    WORKING_TOTAL,
    default_working,
    efficiency_histogram,
    flow_efficiency,
    lead_time_by_state_split,
    split_state_days,
    weekly_median_efficiency,
)
from vger.metrics.events import derive_events

# Backlog, Ready, Doing, Review, Done: Ready is a queue in the worked example.
READY_WAITS = {0: False, 1: False, 2: True, 3: True, 4: False}


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def example5():
    derived = derive_events(example_issues(), example_transitions(), example_workflow())
    done = derived.events[derived.events["issue_id"].isin(["101", "104"])]
    states = derived.state_times[derived.state_times["issue_id"].isin(["101", "104"])]
    return done.reset_index(drop=True), states


def test_default_flags_leave_the_first_and_last_state_waiting():
    assert default_working(5) == (False, True, True, True, False)
    assert default_working(3) == (False, True, False)
    assert default_working(2) == (False, False)


def test_worked_example_working_and_waiting_days():
    events, states = example5()
    split = split_state_days(states, READY_WAITS).set_index("issue_id")
    assert split.loc["101"].to_dict() == pytest.approx({"working": 6.0, "waiting": 1.0})
    assert split.loc["104"].to_dict() == pytest.approx({"working": 1.0, "waiting": 8.0})
    # The two add up to the lead time.
    lead = events.set_index("issue_id")["lead_time_days"]
    assert (split["working"] + split["waiting"]).to_dict() == pytest.approx(lead.to_dict())


def test_worked_example_efficiency_and_weekly_median():
    events, states = example5()
    split = split_state_days(states, READY_WAITS).set_index("issue_id").loc[events["issue_id"]]
    eff = flow_efficiency(split["working"], events["lead_time_days"])
    assert eff.tolist() == pytest.approx([6 / 7, 1 / 9])
    assert round(eff[0], 3) == 0.857 and round(eff[1], 3) == 0.111
    grid = week_grid(
        pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-14"), "UTC", ts("2024-01-15")
    )
    weekly = weekly_median_efficiency(events["done"], eff, grid)
    assert np.isnan(weekly["median"].iloc[0]) and weekly["items"].iloc[0] == 0
    assert weekly["median"].iloc[1] == pytest.approx((6 / 7 + 1 / 9) / 2)
    assert round(weekly["median"].iloc[1], 3) == 0.484
    assert weekly["items"].tolist() == [0, 2] and weekly["complete"].all()


def test_worked_example_default_flags():
    events, states = example5()
    flags = dict(enumerate(default_working(5)))
    split = split_state_days(states, flags).set_index("issue_id").loc[events["issue_id"]]
    eff = flow_efficiency(split["working"], events["lead_time_days"])
    assert eff.tolist() == pytest.approx([1.0, 3 / 9])


def test_worked_example_lead_time_by_state_split():
    _, states = example5()
    rows = lead_time_by_state_split(states, READY_WAITS).set_index("state")
    assert rows.loc[WORKING_TOTAL, 50] == pytest.approx(3.5)
    assert rows.loc[WORKING_TOTAL, 80] == pytest.approx(5.0)
    assert rows.loc[WAITING_TOTAL, 50] == pytest.approx(4.5)
    assert rows.loc[WAITING_TOTAL, 80] == pytest.approx(6.6)
    assert rows["working"].to_dict() == {
        "Ready": False,
        "Doing": True,
        "Review": True,
        "Done": False,
        WORKING_TOTAL: True,
        WAITING_TOTAL: False,
    }
    # Per-state bars as on the quadrant: Doing [4.5, 1.0] → 50 % = 2.75.
    assert rows.loc["Doing", 50] == pytest.approx(2.75)


def test_unmapped_time_waits_and_zero_lead_time_has_no_efficiency():
    states = pd.DataFrame({"issue_id": ["X", "X"], "position": [2, -1], "days": [1.0, 3.0]})
    split = split_state_days(states, READY_WAITS)
    assert split.iloc[0][["working", "waiting"]].tolist() == [1.0, 3.0]
    assert np.isnan(flow_efficiency([0.0], [0.0])[0])
    assert flow_efficiency([2.0000001], [2.0])[0] == 1.0


def test_efficiency_histogram_bins():
    hist = efficiency_histogram([0.0, 0.05, 0.1, 0.55, 1.0, np.nan])
    assert hist["items"].tolist() == [2, 1, 0, 0, 0, 1, 0, 0, 0, 1]
    assert hist["low"].iloc[1] == pytest.approx(0.1)


# --- blocked time ---------------------------------------------------------------------

FLAGS_A = pd.DataFrame(
    {
        "issue_id": ["101"] * 5,
        "at": [
            ts("2024-01-01 12:00"),
            ts("2024-01-03 09:00"),
            ts("2024-01-05 21:00"),
            ts("2024-01-08 09:00"),
            ts("2024-01-08 21:00"),
        ],
        "flagged": [True, False, True, False, True],
    }
)


def test_worked_example_days_flagged():
    windows = pd.DataFrame(
        {"issue_id": ["101"], "start": [ts("2024-01-02 09:00")], "end": [ts("2024-01-09 09:00")]}
    )
    assert flagged_days(FLAGS_A, windows).loc["101"] == pytest.approx(1.0 + 2.5 + 0.5)
    working = flagged_days(FLAGS_A, windows, tz="UTC", working_days=True)
    assert working.loc["101"] == pytest.approx(1.0 + 0.5 + 0.5)


def test_worked_example_open_item_counts_until_now_and_unflagged_items_zero():
    flags = pd.concat(
        [
            FLAGS_A,
            pd.DataFrame({"issue_id": ["E"], "at": [ts("2024-01-04 09:00")], "flagged": [True]}),
        ],
        ignore_index=True,
    )
    now = ts("2024-01-06 09:00")
    windows = pd.DataFrame(
        {
            "issue_id": ["E", "F", "B"],
            "start": [ts("2024-01-03 09:00"), ts("2024-01-03 09:00"), pd.NaT],
            "end": [now, now, ts("2024-01-04 10:00")],
        }
    )
    out = flagged_days(flags, windows)
    assert out.loc["E"] == pytest.approx(2.0)
    assert out.loc["F"] == 0.0  # never flagged
    assert np.isnan(out.loc["B"])  # no start, no window
    assert flagged_now(flags).to_dict() == {"101": True, "E": True}


def test_flagged_after_done_or_before_start_does_not_count():
    flags = pd.DataFrame(
        {
            "issue_id": ["X", "X", "X"],
            "at": [ts("2024-01-01"), ts("2024-01-02"), ts("2024-01-20")],
            "flagged": [True, False, True],
        }
    )
    windows = pd.DataFrame(
        {"issue_id": ["X"], "start": [ts("2024-01-03")], "end": [ts("2024-01-10")]}
    )
    assert flagged_days(flags, windows).loc["X"] == 0.0
