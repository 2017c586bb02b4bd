"""The worked examples of docs/metrics.md "Aging work in progress", "Distributions" and
"Work in progress and net flow", computed by hand there and reproduced here."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.factories import IDS
from tests.metrics.conftest import example_issues, example_transitions, example_workflow
from vger.metrics.aging import (
    aging_bands,
    leave_ages,
    open_ages,
    open_pull_ages,
    passed_level,
    pull_leave_ages,
)
from vger.metrics.calendar import week_grid
from vger.metrics.distributions import (
    histogram_marks,
    lead_time_histogram,
    throughput_histogram,
)
from vger.metrics.events import derive_events
from vger.metrics.wip import daily_wip, weekly_net_flow

NOW = pd.Timestamp("2024-01-12 09:00", tz="UTC")  # Friday


def _t(issue_id: str, seq: int, at: str, frm: str, to: str) -> dict:
    return {
        "issue_id": issue_id,
        "seq": seq,
        "at": pd.Timestamp(at, tz="UTC"),
        "from_status_id": IDS[frm],
        "to_status_id": IDS[to],
    }


def aging_example() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Example 5 plus two open items: E (Story) created 01-08 09:00 in To Do, → Selected
    01-09 09:00, → In Progress 01-10 09:00; F (Bug) created 01-02 09:00 in To Do, →
    Selected 01-03 09:00, → In Progress 01-03 15:00, → In Review 01-04 09:00."""
    issues = example_issues()
    extra = pd.DataFrame(
        [
            {"issue_id": "105", "key": "EX-5", "issue_type": "Story", "status_id": IDS["In Progress"],
             "resolution": None, "created": pd.Timestamp("2024-01-08 09:00", tz="UTC")},
            {"issue_id": "106", "key": "EX-6", "issue_type": "Bug", "status_id": IDS["In Review"],
             "resolution": None, "created": pd.Timestamp("2024-01-02 09:00", tz="UTC")},
        ]
    )  # fmt: skip
    issues = pd.concat([issues, extra], ignore_index=True)
    moves = pd.DataFrame(
        [
            _t("105", 0, "2024-01-09 09:00", "To Do", "Selected"),
            _t("105", 1, "2024-01-10 09:00", "Selected", "In Progress"),
            _t("106", 0, "2024-01-03 09:00", "To Do", "Selected"),
            _t("106", 1, "2024-01-03 15:00", "Selected", "In Progress"),
            _t("106", 2, "2024-01-04 09:00", "In Progress", "In Review"),
        ]
    )
    transitions = pd.concat([example_transitions(), moves], ignore_index=True)
    events = derive_events(issues, transitions, example_workflow()).events
    items = issues.merge(events, on="issue_id")
    return items, transitions


def _ages(working: bool = False) -> pd.DataFrame:
    items, transitions = aging_example()
    completed = items[items["outcome"] == "completed"]
    return leave_ages(completed, transitions, example_workflow(), working_days=working)


def test_leave_ages_are_cumulative_and_reset_by_a_move_back():
    ages = _ages().pivot(index="issue_id", columns="state", values="days")
    # B never started: no row. A: Ready left 01-03 09:00 (1 day after start); Doing left
    # for good 01-08 09:00 (its 01-05 move to Review was undone); Review at done.
    assert sorted(ages.index) == ["101", "104"]
    assert ages.loc["101"].to_dict() == {"Backlog": 0.0, "Ready": 1.0, "Doing": 6.0, "Review": 7.0}
    # D skipped Review: it left Review (and Doing) when it reached Done for good.
    assert ages.loc["104"].to_dict() == {"Backlog": 0.0, "Ready": 2.0, "Doing": 9.0, "Review": 9.0}


def test_leave_ages_in_working_days():
    ages = _ages(working=True).pivot(index="issue_id", columns="state", values="days")
    assert ages.loc["101"].to_dict() == {"Backlog": 0.0, "Ready": 1.0, "Doing": 4.0, "Review": 5.0}
    assert ages.loc["104"].to_dict() == {"Backlog": 0.0, "Ready": 2.0, "Doing": 7.0, "Review": 7.0}


def test_bands_of_the_worked_example():
    bands = aging_bands(_ages()).set_index("state")
    assert list(bands.index) == ["Backlog", "Ready", "Doing", "Review"]
    assert bands.loc["Ready", [50, 70, 85, 95]].tolist() == pytest.approx([1.5, 1.7, 1.85, 1.95])
    assert bands.loc["Doing", [50, 70, 85, 95]].tolist() == pytest.approx([7.5, 8.1, 8.55, 8.85])
    assert bands.loc["Review", [50, 70, 85, 95]].tolist() == pytest.approx([8.0, 8.4, 8.7, 8.9])
    assert bands.loc["Review", "items"] == 2


def test_open_items_age_state_and_band_passed():
    items, transitions = aging_example()
    wip = open_ages(items, transitions, example_workflow(), NOW).set_index("issue_id")
    assert sorted(wip.index) == ["105", "106"]  # C was abandoned: done, not open
    assert wip.loc["105", ["state", "age", "state_days"]].tolist() == ["Doing", 3.0, 2.0]
    assert wip.loc["106", ["state", "age", "state_days"]].tolist() == ["Review", 9.0, 8.0]
    assert wip.loc["106", "since"] == pd.Timestamp("2024-01-04 09:00", tz="UTC")
    bands = aging_bands(_ages())
    passed = dict(zip(wip.index, passed_level(wip, bands), strict=True))
    assert passed == {"105": 0, "106": 95}  # 3.0 < 7.5 (Doing 50 %); 9.0 > 8.9 (Review 95 %)


def test_open_items_in_working_days():
    items, transitions = aging_example()
    wip = open_ages(items, transitions, example_workflow(), NOW, working_days=True)
    wip = wip.set_index("issue_id")
    assert wip.loc["105", ["age", "state_days"]].tolist() == [3.0, 2.0]
    assert wip.loc["106", ["age", "state_days"]].tolist() == [7.0, 6.0]
    bands = aging_bands(_ages(working=True))
    assert bands.set_index("state").loc["Review", 95] == pytest.approx(6.9)
    assert passed_level(wip, bands).tolist() == [0, 95]


def test_moves_within_one_state_keep_the_time_in_state_and_unmapped_has_no_band():
    items, transitions = aging_example()
    # F moves from In Review to an unmapped status: it shows as (unmapped), no band.
    extra = pd.DataFrame(
        [
            {"issue_id": "106", "seq": 3, "at": pd.Timestamp("2024-01-11 09:00", tz="UTC"),
             "from_status_id": IDS["In Review"], "to_status_id": "99"},
        ]
    )  # fmt: skip
    items.loc[items["issue_id"] == "106", "status_id"] = "99"
    wip = open_ages(items, pd.concat([transitions, extra]), example_workflow(), NOW)
    row = wip.set_index("issue_id").loc["106"]
    assert (row["state"], row["position"], row["state_days"]) == ("(unmapped)", -1, 1.0)
    assert passed_level(wip, aging_bands(_ages())).tolist() == [0, 0]


def test_lead_time_histogram_of_example_2():
    days = [1.5, 2, 2, 3, 4.25, 5, 8, 13, 21, 34]
    hist = lead_time_histogram(days)
    assert len(hist) == 35 and (hist["upper"] - hist["lower"] == 1).all()
    counts = dict(zip(hist["lower"], hist["count"], strict=True))
    assert {k: v for k, v in counts.items() if v} == {
        1: 1,
        2: 2,
        3: 1,
        4: 1,
        5: 1,
        8: 1,
        13: 1,
        21: 1,
        34: 1,
    }
    lead, _ = histogram_marks(days, [])
    assert lead == pytest.approx({50: 4.625, 80: 14.6, 90: 22.3})


def test_lead_time_histogram_widens_past_62_bins():
    hist = lead_time_histogram([0.5, 70.0, float("nan")])
    assert (hist["upper"] - hist["lower"] == 7).all() and len(hist) == 11
    assert hist["count"].tolist() == [1] + [0] * 9 + [1]


def test_throughput_histogram_of_example_1():
    weekly = [3, 5, 2, 8, 6, 4, 7, 5, 9, 1, 6, 4]
    hist = throughput_histogram(weekly)
    assert hist["lower"].tolist() == list(range(10))
    assert hist["count"].tolist() == [0, 1, 1, 1, 2, 2, 2, 1, 1, 1]
    _, through = histogram_marks([], weekly)
    assert through == pytest.approx({50: 5.0, 80: 3.2, 90: 2.1})


def test_daily_wip_and_weekly_net_flow_of_example_5():
    items, _ = aging_example()
    ex5 = items[items["issue_id"].isin(["101", "102", "103", "104"])]
    days = pd.date_range("2024-01-01", "2024-01-14")
    wip = daily_wip(ex5["start"], ex5["done"], days, "UTC")
    assert wip.tolist() == [0, 2, 3, 3, 2, 2, 2, 2, 1, 1, 0, 0, 0, 0]
    grid = week_grid(days[0], days[-1], "UTC", pd.Timestamp("2024-02-01", tz="UTC"))
    flow = weekly_net_flow(ex5["start"], ex5["done"], grid)
    assert flow[["arrivals", "departures", "net"]].values.tolist() == [[3, 1, 2], [0, 2, -2]]
    # the net flow of a week is the change of the WIP at its last day's end
    assert wip.loc["2024-01-07"] - 0 == flow["net"].iloc[0]
    assert wip.loc["2024-01-14"] - wip.loc["2024-01-07"] == flow["net"].iloc[1]


def test_daily_wip_cuts_days_in_the_team_zone():
    # A starts 01-02 09:00 UTC = 04:00 New York; done 01-09 09:00 UTC. The New York day
    # 01-01 ends at 01-02 05:00 UTC: A is already in progress then.
    start = pd.Series([pd.Timestamp("2024-01-02 04:30", tz="UTC")])
    done = pd.Series([pd.NaT], dtype="datetime64[ns, UTC]")
    days = pd.date_range("2024-01-01", "2024-01-02")
    assert daily_wip(start, done, days, "America/New_York").tolist() == [1, 1]
    assert daily_wip(start, done, days, "UTC").tolist() == [0, 1]


def test_pull_requests_age_in_one_state():
    # Example 6's PRs at Wed 2024-01-03 22:00: #1 merged 01-03 10:00 after 2.0 days, #3
    # not yet created, #2 open since Tue 01-02 10:00: age 1.5 days, within every band
    # (the only merged lead time, 2.0, is each band).
    pulls = pd.DataFrame(
        {
            "key": ["o/r#1", "o/r#2", "o/r#3"],
            "created": pd.to_datetime(
                ["2024-01-01 10:00", "2024-01-02 10:00", "2024-01-05 12:00"], utc=True
            ),
            "done": pd.to_datetime(["2024-01-03 10:00", None, None], utc=True),
            "outcome": ["completed", None, None],
            "lead_time": [2.0, float("nan"), float("nan")],
        }
    )
    bands = aging_bands(pull_leave_ages(pulls))
    assert bands[[50, 95]].values.tolist() == [[2.0, 2.0]]
    now = pd.Timestamp("2024-01-03 22:00", tz="UTC")
    wip = open_pull_ages(pulls, now)
    assert wip[["issue_id", "state", "age", "state_days"]].values.tolist() == [
        ["o/r#2", "open", 1.5, 1.5]
    ]
    assert passed_level(wip, bands).tolist() == [0]
    later = open_pull_ages(pulls, pd.Timestamp("2024-01-08 10:00", tz="UTC"))
    assert passed_level(later, bands).tolist() == [95, 95]  # 6.0 and 2.9 days > 2.0
