"""Per-issue event rules beyond the worked example, and cumulative flow on example 5."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.metrics.conftest import example_issues, example_transitions, example_workflow
from tests.metrics.quality_reference import visits as quality_visits
from vger.metrics.events import (
    UNMAPPED,
    Workflow,
    WorkState,
    abandoned_mask,
    created_status,
    derive_events,
)
from vger.metrics.flow import cumulative_flow
from vger.metrics.lead_time import lead_time_by_state

# Backlog {1 Open}, Doing {2 In Progress}, Done {3 Resolved, 4 Closed}; interval = Doing.
WF = Workflow(
    (
        WorkState("Backlog", frozenset({"1"})),
        WorkState("Doing", frozenset({"2"})),
        WorkState("Done", frozenset({"3", "4"})),
    ),
    1,
    1,
)


def ts(text: str, tz: str = "UTC") -> pd.Timestamp:
    return pd.Timestamp(text, tz=tz)


def one_issue(created: str, status: str, moves: list[tuple[str, str, str]], resolution="Done"):
    issues = pd.DataFrame(
        {
            "issue_id": ["X"],
            "created": [ts(created)],
            "status_id": [status],
            "resolution": [resolution],
        }
    )
    transitions = pd.DataFrame(
        {
            "issue_id": ["X"] * len(moves),
            "seq": list(range(len(moves))),
            "at": pd.to_datetime([pd.Timestamp(at) for _, _, at in moves], utc=True),
            "from_status_id": [a for a, _, _ in moves],
            "to_status_id": [b for _, b, _ in moves],
        }
    )
    derived = derive_events(issues, transitions, WF)
    st = derived.state_times.set_index("state")["days"].to_dict()
    return derived.events.iloc[0], st


def test_a_move_between_done_statuses_does_not_move_done():
    ev, st = one_issue(
        "2024-01-01 00:00",
        "4",
        [("1", "2", "2024-01-02"), ("2", "3", "2024-01-04"), ("3", "4", "2024-01-10")],
    )
    assert ev["done"] == ts("2024-01-04")  # Resolved, not Closed
    assert ev["start"] == ts("2024-01-02") and ev["lead_time_days"] == pytest.approx(2.0)
    assert st == pytest.approx({"Doing": 2.0})


def test_reopened_issue_has_one_done_the_final_one():
    ev, st = one_issue(
        "2024-01-01",
        "3",
        [
            ("1", "2", "2024-01-02"),
            ("2", "3", "2024-01-03"),
            ("3", "1", "2024-01-05"),  # reopened into the backlog
            ("1", "3", "2024-01-08"),
        ],
    )
    assert ev["done"] == ts("2024-01-08") and ev["lead_time_days"] == pytest.approx(6.0)
    # Visits to done and backlog states between start and done are attributed to them.
    assert st == pytest.approx({"Doing": 1.0, "Done": 2.0, "Backlog": 3.0})


def test_not_done_now_means_no_done_and_start_is_the_first_interval_entry():
    ev, st = one_issue(
        "2024-01-01",
        "2",
        [("1", "2", "2024-01-02"), ("2", "3", "2024-01-03"), ("3", "2", "2024-01-04")],
    )
    assert pd.isna(ev["done"]) and ev["outcome"] is None
    assert ev["start"] == ts("2024-01-02")
    assert np.isnan(ev["lead_time_days"]) and st == {}


def test_created_straight_into_the_interval_starts_at_created():
    ev, _ = one_issue("2024-01-01 10:00", "3", [("2", "3", "2024-01-03 10:00")])
    assert ev["start"] == ts("2024-01-01 10:00") and ev["lead_time_days"] == pytest.approx(2.0)
    # Never moved: the first status is the current one.
    ev, _ = one_issue("2024-01-01 10:00", "2", [])
    assert ev["start"] == ts("2024-01-01 10:00") and pd.isna(ev["done"])
    # Created straight into done: done at created, completed without start.
    ev, _ = one_issue("2024-01-01 10:00", "4", [])
    assert ev["done"] == ts("2024-01-01 10:00") and pd.isna(ev["start"])
    assert ev["outcome"] == "completed"


def test_interval_entry_after_done_is_not_a_start():
    # Open -> Resolved, then Resolved -> In Progress -> Resolved: start is before the
    # final done; the earlier completion has no start.
    ev, st = one_issue(
        "2024-01-01",
        "3",
        [("1", "3", "2024-01-02"), ("3", "2", "2024-01-05"), ("2", "3", "2024-01-06 12:00")],
    )
    assert ev["start"] == ts("2024-01-05") and ev["done"] == ts("2024-01-06 12:00")
    assert st == pytest.approx({"Doing": 1.5})


def test_ties_in_time_follow_changelog_order():
    # Two moves at the same instant: Open -> In Progress (seq 0) -> Resolved (seq 1).
    ev, st = one_issue("2024-01-01", "3", [("1", "2", "2024-01-02"), ("2", "3", "2024-01-02")])
    assert ev["start"] == ts("2024-01-02") == ev["done"]
    assert ev["lead_time_days"] == 0.0 and st == pytest.approx({"Doing": 0.0})


def test_unmapped_statuses_inside_the_lead_time_are_kept():
    ev, st = one_issue(
        "2024-01-01",
        "3",
        [("1", "2", "2024-01-02"), ("2", "77", "2024-01-03"), ("77", "3", "2024-01-05")],
    )
    assert ev["lead_time_days"] == pytest.approx(3.0)
    assert st == pytest.approx({"Doing": 1.0, UNMAPPED: 2.0})


@pytest.mark.parametrize(
    ("resolution", "abandoned"),
    [
        ("Won't Do", True),
        ("won't fix", True),
        ("  DUPLICATE ", True),
        ("Obsolete", True),
        ("Done", False),
        ("Fixed", False),
        ("", False),
        (None, False),
        (float("nan"), False),
    ],
)
def test_abandoned_resolutions(resolution, abandoned):
    assert abandoned_mask([resolution]).tolist() == [abandoned]
    ev, _ = one_issue("2024-01-01", "3", [("1", "3", "2024-01-02")], resolution=resolution)
    assert ev["outcome"] == ("abandoned" if abandoned else "completed")


def test_custom_abandoned_list():
    assert abandoned_mask(["Rejected", "Won't Do"], [" rejected"]).tolist() == [True, False]
    issues = pd.DataFrame(
        {
            "issue_id": ["X"],
            "created": [ts("2024-01-01")],
            "status_id": ["3"],
            "resolution": ["Won't Do"],
        }
    )
    empty = pd.DataFrame(columns=["issue_id", "seq", "at", "from_status_id", "to_status_id"])
    ev = derive_events(issues, empty, WF, abandoned=["Rejected"]).events
    assert ev["outcome"].iloc[0] == "completed"


def test_per_state_percentiles_count_zero_for_states_not_visited():
    derived = derive_events(example_issues(), example_transitions(), example_workflow())
    rows = lead_time_by_state(derived.state_times[derived.state_times["issue_id"] != "103"])
    rows = rows.set_index("state")
    # Done: A 0 (never visited), D 6.0 -> 50 % = 3.0; Review: A 1.5, D 0 -> 0.75.
    assert rows.loc["Done", 50] == pytest.approx(3.0)
    assert rows.loc["Review", 50] == pytest.approx(0.75)
    assert list(rows["position"]) == [1, 2, 3, 4]


# --- Cumulative flow on example 5 -----------------------------------------------------------

STATES = ["Backlog", "Ready", "Doing", "Review", "Done"]


@pytest.mark.parametrize(
    ("day", "counts"),
    [
        ("2023-12-31", [0, 0, 0, 0, 0]),
        ("2024-01-01", [1, 0, 0, 0, 0]),  # A in To Do
        ("2024-01-02", [1, 2, 0, 0, 0]),  # A, D selected; C created in To Do
        ("2024-01-03", [1, 2, 1, 0, 0]),  # A in progress, B created, C selected
        ("2024-01-04", [0, 1, 1, 0, 2]),  # B, D done
        ("2024-01-05", [0, 0, 1, 0, 3]),  # A back in progress at 21:00, C done
        ("2024-01-08", [0, 0, 0, 1, 3]),
        ("2024-01-09", [0, 0, 0, 0, 4]),
        ("2024-01-10", [0, 0, 1, 0, 3]),  # D reopened
        ("2024-01-11", [0, 0, 0, 0, 4]),
    ],
)
def test_cumulative_flow_on_example_5(day, counts):
    flow = cumulative_flow(
        example_issues(),
        example_transitions(),
        example_workflow(),
        pd.DatetimeIndex([pd.Timestamp(day)]),
        "UTC",
    )
    assert list(flow.columns) == STATES  # no unmapped column when nothing is unmapped
    assert flow.iloc[0].tolist() == counts


def test_cumulative_flow_days_end_in_the_team_zone():
    days = pd.DatetimeIndex([pd.Timestamp("2024-01-05")])
    issues, transitions, workflow = example_issues(), example_transitions(), example_workflow()
    # Tokyo's 2024-01-05 ends at 15:00 UTC: A is in review, between its two Doing visits.
    tokyo = cumulative_flow(issues, transitions, workflow, days, "Asia/Tokyo")
    assert tokyo.iloc[0].tolist() == [0, 0, 0, 1, 3]


def test_cumulative_flow_totals_equal_issues_created_by_that_day_on_example_5():
    days = pd.date_range("2023-12-31", "2024-01-15", freq="D")
    flow = cumulative_flow(example_issues(), example_transitions(), example_workflow(), days, "UTC")
    created = example_issues()["created"]
    ends = (days + pd.Timedelta(days=1)).tz_localize("UTC")
    assert flow.sum(axis=1).tolist() == [int((created < end).sum()) for end in ends]
    assert flow.sum(axis=1).tolist()[:5] == [0, 1, 3, 4, 4]


# --- The status an issue was created in, when the first move has no `from` -------------


@pytest.mark.parametrize("missing", [None, np.nan, "", "  "])
def test_a_missing_first_from_means_created_in_the_current_status(missing):
    """By hand: X created Mon 01-01 00:00, now In Progress (2); its history says
    ? -> Open (1) on 01-02, Open -> In Progress on 01-03. The first `from` is missing, so
    X was created in its current status, In Progress (Doing): start = created 01-01, and
    every reader of the history agrees (events, cumulative flow, quality visits)."""
    issues = pd.DataFrame(
        {
            "issue_id": ["X", "Y"],
            "created": [ts("2024-01-01"), ts("2024-01-01")],
            "status_id": ["2", "1"],
            "resolution": [None, None],
        }
    )
    moves = pd.DataFrame(
        {
            "issue_id": ["X", "X"],
            "seq": [0, 1],
            "at": pd.to_datetime(["2024-01-02", "2024-01-03"], utc=True),
            "from_status_id": pd.Series([missing, "1"], dtype=object),
            "to_status_id": ["1", "2"],
        }
    )
    assert created_status(issues, moves).tolist() == ["2", "1"]  # Y never moved
    assert derive_events(issues, moves, WF).events["start"].iloc[0] == ts("2024-01-01")
    days = pd.date_range("2024-01-01", "2024-01-03")
    flow = cumulative_flow(issues, moves, WF, days, "UTC")
    assert flow["Doing"].tolist() == [1, 0, 1] and flow["Backlog"].tolist() == [1, 2, 1]
    assert UNMAPPED not in flow
    v = quality_visits(issues, moves, WF)
    assert v[v["issue_id"] == "X"]["status_id"].tolist() == ["2", "1", "2"]


def test_a_named_first_from_is_the_created_status_whatever_the_row_order():
    issues = pd.DataFrame({"issue_id": [7], "status_id": ["3"]})
    moves = pd.DataFrame(
        {
            "issue_id": [7, 7, 7],
            "seq": [2, 1, 0],  # the changelog order breaks the tie at 01-02
            "at": pd.to_datetime(["2024-01-02", "2024-01-02", "2024-01-05"], utc=True),
            "from_status_id": ["2", "1", "4"],
            "to_status_id": ["3", "2", "3"],
        }
    )
    assert created_status(issues, moves).tolist() == ["1"]
