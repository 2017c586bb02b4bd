"""Distributions, work in progress, net flow and flow efficiency on real data: the six
jirametrics sample issues (tests/data/jira/README.md) on the sample board's columns, as
tests/metrics/test_aging_real_data.py reads them. Expected values are worked out by hand
from the changelogs printed in the comments.

SP-5 is the one completed item: Backlog → Ready 2021-06-23 12:44:38.197 (start) → In
Progress 08-29 18:04:49.188 → Review 09-06 04:34:11.432 → Done 09-06 04:34:14.358 →
Ready 10-11 12:48:42.419 → In Progress 10-11 12:49:04.096 → Done 10-11 12:49:07.261
(done). Starts of the open items: SP-1 06-18 18:43:34.818, SP-2 06-18 18:43:38.192,
SP-8 08-29 18:06:23.463, SP-7 12-14 00:30:27.952, SP-11 12-14 00:30:33.979."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.metrics.test_aging_real_data import NOW, sample
from vger.metrics.calendar import week_grid
from vger.metrics.distributions import histogram_marks, lead_time_histogram, throughput_histogram
from vger.metrics.efficiency import default_working, flow_efficiency, split_state_days
from vger.metrics.events import derive_events
from vger.metrics.throughput import weekly_counts
from vger.metrics.wip import daily_wip, weekly_net_flow

DAY = 86_400.0
LEAD = 110 + (4 * 60 + 29.064) / DAY  # 06-23 12:44:38.197 → 10-11 12:49:07.261


def test_lead_time_and_throughput_histograms():
    items, _, _ = sample()
    completed = items[items["outcome"] == "completed"]
    assert completed["lead_time_days"].tolist() == pytest.approx([LEAD])
    # 110 days need 111 one-day bins (more than 62): 7-day bins, SP-5 in [105, 112)
    bins = lead_time_histogram(completed["lead_time_days"])
    assert (bins["upper"] - bins["lower"]).unique().tolist() == [7]
    assert bins.loc[bins["count"] > 0, "lower"].tolist() == [105]
    assert int(bins["count"].sum()) == 1 and len(bins) == 16
    # 26 complete weeks from Monday 2021-06-14: SP-5 is done in the week of 10-11 only
    grid = week_grid(pd.Timestamp("2021-06-14"), pd.Timestamp("2021-12-12"), "UTC", NOW)
    weekly = weekly_counts(completed["done"], grid)
    assert len(weekly) == 26 and weekly.sum() == 1
    assert weekly[pd.Timestamp("2021-10-11")] == 1
    weeks = throughput_histogram(weekly)
    assert weeks.set_index("lower")["count"].to_dict() == {0: 25, 1: 1}
    lead_marks, week_marks = histogram_marks(completed["lead_time_days"], weekly)
    assert lead_marks == pytest.approx({50: LEAD, 80: LEAD, 90: LEAD})
    # one week in 26 delivered anything: 50, 80 and 90 % of weeks delivered at least 0
    assert week_marks == {50: 0.0, 80: 0.0, 90: 0.0}


def test_daily_wip_and_weekly_net_flow():
    items, _, _ = sample()
    days = pd.DatetimeIndex(["2021-06-17", "2021-06-18", "2021-06-23", "2021-10-11", "2021-12-14"])
    wip = daily_wip(items["start"], items["done"], days, "UTC")
    # 06-18: SP-1, SP-2 · 06-23: + SP-5 · 10-11: SP-5 done, SP-8 started 08-29 ·
    # 12-14: + SP-7, SP-11
    assert wip.tolist() == [0, 2, 3, 3, 5]
    grid = week_grid(pd.Timestamp("2021-10-04"), pd.Timestamp("2021-12-19"), "UTC", NOW)
    flow = weekly_net_flow(items["start"], items["done"], grid)
    flow.index = pd.DatetimeIndex(grid.labels)
    assert flow.loc["2021-10-11", ["arrivals", "departures", "net"]].tolist() == [0, 1, -1]
    assert flow.loc["2021-12-13", ["arrivals", "departures", "net"]].tolist() == [2, 0, 2]
    assert int(flow["net"].sum()) == 1  # WIP 4 at the end of 10-03, 5 on 12-15


def test_flow_efficiency_of_sp5_with_the_default_flags():
    items, transitions, workflow = sample()
    # Default flags: every column working but the first (Backlog) and the last (Done).
    working = dict(enumerate(default_working(len(workflow.states))))
    assert working == {0: False, 1: True, 2: True, 3: True, 4: False}
    states = derive_events(items, transitions, workflow).state_times
    split = split_state_days(states, working).set_index("issue_id")
    sp5 = items.loc[items["key"] == "SP-5", "issue_id"].iloc[0]
    # Between start and done SP-5 waited only in Done: 09-06 04:34:14.358 → 10-11
    # 12:48:42.419, 35 days and 8 h 14 min 28.061 s.
    waiting = 35 + (8 * 3600 + 14 * 60 + 28.061) / DAY
    assert split.loc[sp5, "waiting"] == pytest.approx(waiting)
    assert split.loc[sp5, "working"] == pytest.approx(LEAD - waiting)
    efficiency = flow_efficiency([split.loc[sp5, "working"]], [LEAD])
    assert efficiency.tolist() == pytest.approx([(LEAD - waiting) / LEAD])  # 0.6787
    assert round(float(efficiency[0]), 4) == 0.6787
