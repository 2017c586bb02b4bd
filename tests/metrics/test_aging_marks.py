"""The aging marks the store keeps (vger.metrics.aging.aging_marks, over the flat visits
of the events) give the ages the plain rules give (tests/metrics/aging_reference.py,
pandas over visits) on random boards and histories, in calendar and working days, for
the leave ages of completed items and the current state of open ones, at any ``now``."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from tests.metrics import aging_reference as reference
from tests.metrics.test_properties import SETTINGS, ZONES, boards
from vger.metrics.aging import leave_ages, open_ages
from vger.metrics.events import derive_events


def _items(board, tz):
    workflow, issues, transitions = board
    events = derive_events(issues, transitions, workflow, tz=tz).events
    return workflow, issues.merge(events, on="issue_id"), transitions


@SETTINGS
@given(board=boards(), tz=st.sampled_from(ZONES), working=st.booleans())
def test_leave_ages_equal_the_plain_rule(board, tz, working):
    workflow, items, transitions = _items(board, tz)
    done = items[items["start"].notna() & items["done"].notna()]
    got = leave_ages(done, transitions, workflow, tz=tz, working_days=working)
    want = reference.leave_ages(done, transitions, workflow, tz=tz, working_days=working)
    key = ["issue_id", "position"]
    got = got.sort_values(key).reset_index(drop=True)
    want = want.sort_values(key).reset_index(drop=True)
    assert got[key + ["state"]].astype(str).equals(want[key + ["state"]].astype(str))
    np.testing.assert_allclose(got["days"].astype(float), want["days"].astype(float), atol=1e-9)


@SETTINGS
@given(
    board=boards(),
    tz=st.sampled_from(ZONES),
    working=st.booleans(),
    day=st.integers(min_value=-30, max_value=120),
)
def test_open_ages_equal_the_plain_rule_at_any_now(board, tz, working, day):
    workflow, items, transitions = _items(board, tz)
    now = pd.Timestamp("2024-01-01", tz="UTC") + pd.Timedelta(days=day, hours=13)
    got = open_ages(items, transitions, workflow, now, tz=tz, working_days=working)
    want = reference.open_ages(items, transitions, workflow, now, tz=tz, working_days=working)
    got = got.sort_values("issue_id").reset_index(drop=True)
    want = want.sort_values("issue_id").reset_index(drop=True)
    assert got["issue_id"].tolist() == want["issue_id"].tolist()
    assert got["position"].tolist() == want["position"].tolist()
    assert got["state"].tolist() == want["state"].tolist()
    assert (pd.to_datetime(got["since"], utc=True) == pd.to_datetime(want["since"], utc=True)).all()
    np.testing.assert_allclose(got["age"].astype(float), want["age"].astype(float), atol=1e-9)
    np.testing.assert_allclose(
        got["state_days"].astype(float), want["state_days"].astype(float), atol=1e-9
    )
