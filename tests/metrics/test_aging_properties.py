"""Hypothesis properties of aging and WIP on random boards and histories (the generators
of test_properties.py): ages at leaving never decrease along the board and end at the
lead time; the week's net flow is the change of the WIP; open ages are non-negative."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.metrics.test_properties import SETTINGS, ZONES, boards
from vger.metrics.aging import leave_ages, open_ages
from vger.metrics.calendar import local_midnight_to_utc, week_grid
from vger.metrics.events import derive_events
from vger.metrics.wip import daily_wip, weekly_net_flow


def _items(board, tz):
    workflow, issues, transitions = board
    events = derive_events(issues, transitions, workflow, tz=tz).events
    return workflow, issues.merge(events, on="issue_id"), transitions


@SETTINGS
@given(board=boards(), tz=st.sampled_from(ZONES), working=st.booleans())
def test_leave_ages_rise_along_the_board_and_end_at_the_lead_time(board, tz, working):
    workflow, items, transitions = _items(board, tz)
    done = items[items["start"].notna() & items["done"].notna()]
    ages = leave_ages(done, transitions, workflow, tz=tz, working_days=working)
    assert len(ages) == len(done) * (workflow.interval_end + 1)
    lead = done.set_index("issue_id")[
        "lead_time_working_days" if working else "lead_time_days"
    ].astype(float)
    for issue_id, group in ages.groupby("issue_id"):
        days = group.sort_values("position")["days"].to_numpy()
        assert (days >= -1e-9).all()
        assert (np.diff(days) >= -1e-9).all()
        assert days[-1] == pytest.approx(lead[issue_id], abs=1e-9)


@SETTINGS
@given(board=boards(), tz=st.sampled_from(ZONES))
def test_net_flow_is_the_change_of_the_wip_and_open_ages_are_not_negative(board, tz):
    workflow, items, transitions = _items(board, tz)
    now = pd.Timestamp("2024-04-01", tz="UTC")
    grid = week_grid(pd.Timestamp("2023-12-25"), pd.Timestamp("2024-03-31"), tz, now)
    flow = weekly_net_flow(items["start"], items["done"], grid)
    # WIP at each week's end (local midnight) = WIP at the end of its Sunday
    sundays = pd.DatetimeIndex(grid.labels) + pd.Timedelta(days=6)
    wip = daily_wip(items["start"], items["done"], sundays, tz).to_numpy()
    before = daily_wip(
        items["start"], items["done"], pd.DatetimeIndex([grid.labels[0] - pd.Timedelta(days=1)]), tz
    ).to_numpy()
    assert (np.diff(np.concatenate([before, wip])) == flow["net"].to_numpy()).all()
    assert (flow["arrivals"] >= 0).all() and (wip >= 0).all()
    ends = local_midnight_to_utc(pd.DatetimeIndex(sundays) + pd.Timedelta(days=1), tz)
    assert len(ends) == len(grid)
    ages = open_ages(items, transitions, workflow, now, tz=tz)
    assert (ages["age"] >= 0).all() and (ages["state_days"] >= 0).all()
    assert (ages["state_days"] <= ages["age"] + 1e-9).all() or ages.empty
