"""Aging work in progress on real data: the six jirametrics sample issues
(tests/data/jira/README.md), with the sample board's columns. Expected values are
worked out by hand from the changelogs printed in the comments."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from etl.jira_transform import transform_issue
from vger.metrics.aging import aging_bands, leave_ages, open_ages, passed_level
from vger.metrics.events import Workflow, WorkState, derive_events

SP = Path(__file__).parents[1] / "data" / "jira" / "jirametrics_sample"
NOW = pd.Timestamp("2021-12-15 00:00", tz="UTC")
DAY = 86_400.0


def sample() -> tuple[pd.DataFrame, pd.DataFrame, Workflow]:
    config = json.loads((SP / "sample_board_1_configuration.json").read_text())
    states = tuple(
        WorkState(c["name"], frozenset(s["id"] for s in c["statuses"]))
        for c in config["columnConfig"]["columns"]
    )
    workflow = Workflow(states, 1, 3)  # Ready..Review, as the board default gives
    rows = [transform_issue(json.loads(p.read_text())) for p in sorted(SP.glob("issues/*.json"))]
    issues = pd.DataFrame([r.issue for r in rows])
    transitions = pd.DataFrame(
        [{**t, "issue_id": r.issue["issue_id"]} for r in rows for t in r.transitions]
    )
    issues["created"] = pd.to_datetime(issues["created"], utc=True)
    transitions["at"] = pd.to_datetime(transitions["at"], utc=True)
    events = derive_events(issues, transitions, workflow).events
    return issues.merge(events, on="issue_id"), transitions, workflow


def test_sp5_left_each_state_after_its_reopen():
    # SP-5: Backlog → Selected 2021-06-23 12:44:38.197 (start) → In Progress 08-29 →
    # Review 09-06 04:34:11.432 → Done 09-06 04:34:14.358 → Selected 10-11 12:48:42.419
    # → In Progress 10-11 12:49:04.096 → Done 10-11 12:49:07.261 (done).
    # The reopen puts it back in Ready, so it left Ready for good at 12:49:04.096 and
    # In Progress and Review at done: 110 days (06-23 → 10-11) and a few minutes.
    items, transitions, workflow = sample()
    completed = items[items["outcome"] == "completed"]
    assert completed["key"].tolist() == ["SP-5"]
    ages = leave_ages(completed, transitions, workflow).set_index("state")["days"]
    ready = 110 + (4 * 60 + 25.899) / DAY  # 12:44:38.197 → 12:49:04.096
    review = 110 + (4 * 60 + 29.064) / DAY  # 12:44:38.197 → 12:49:07.261
    assert ages.to_dict() == pytest.approx(
        {"Backlog": 0.0, "Ready": ready, "In Progress": review, "Review": review}
    )
    assert ages["Review"] == pytest.approx(completed["lead_time_days"].iloc[0])


def test_open_sample_items_against_sp5s_bands():
    items, transitions, workflow = sample()
    completed = items[items["outcome"] == "completed"]
    bands = aging_bands(leave_ages(completed, transitions, workflow))
    wip = open_ages(items, transitions, workflow, NOW)
    wip["key"] = wip["issue_id"].map(dict(zip(items["issue_id"], items["key"], strict=True)))
    wip["passed"] = passed_level(wip, bands)
    got = wip.set_index("key")
    assert sorted(got.index) == ["SP-1", "SP-11", "SP-2", "SP-7", "SP-8"]
    # SP-1: started 06-18 18:43:34.818 (→ Selected), in Review since 12-14 00:30:15.283.
    assert got.loc["SP-1", "state"] == "Review"
    assert got.loc["SP-1", "age"] == pytest.approx(180 - (18 * 3600 + 43 * 60 + 34.818) / DAY)
    assert got.loc["SP-1", "state_days"] == pytest.approx(1 - (30 * 60 + 15.283) / DAY)
    # SP-8: started 08-29 18:06:23.463, In Progress since 12-14 00:30:04.491: 107.2
    # days, below SP-5's 110.003 for In Progress.
    assert got.loc["SP-8", "state"] == "In Progress"
    assert got.loc["SP-8", "age"] == pytest.approx(108 - (18 * 3600 + 6 * 60 + 23.463) / DAY)
    # SP-2 has waited in Ready since 06-18 18:43:38.192: 179.2 days, past every band.
    assert got.loc["SP-2", "state_days"] == pytest.approx(
        180 - (18 * 3600 + 43 * 60 + 38.192) / DAY
    )
    assert got["passed"].to_dict() == {"SP-1": 95, "SP-11": 0, "SP-2": 95, "SP-7": 0, "SP-8": 0}
