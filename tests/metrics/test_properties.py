"""Hypothesis property tests of the metrics engine (bounded: well under a second each)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from vger.metrics.calendar import week_labels
from vger.metrics.events import Workflow, WorkState, derive_events
from vger.metrics.flow import cumulative_flow
from vger.metrics.quadrant import QuadrantOptions, issue_quadrant

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Pacific/Kiritimati",  # UTC+14
    "Pacific/Pago_Pago",  # UTC-11
    "Australia/Lord_Howe",  # half-hour DST
]
EPOCH = pd.Timestamp("2024-01-01", tz="UTC")
UNMAPPED_STATUS = "99"


# --- Random workflows and histories -----------------------------------------------------


@st.composite
def workflows(draw) -> Workflow:
    n_states = draw(st.integers(2, 6))
    states = []
    next_id = 1
    for k in range(n_states):
        size = draw(st.integers(1, 2))
        states.append(WorkState(f"S{k}", frozenset(str(next_id + j) for j in range(size))))
        next_id += size
    lo = draw(st.integers(0, n_states - 2))
    hi = draw(st.integers(lo, n_states - 2))
    return Workflow(tuple(states), lo, hi)


def all_statuses(workflow: Workflow) -> list[str]:
    return sorted({s for state in workflow.states for s in state.status_ids}, key=int)


@st.composite
def histories(draw, workflow: Workflow, max_issues: int = 6):
    """Issues and transitions on ``workflow`` (ties in time included, unmapped statuses too)."""
    statuses = [*all_statuses(workflow), UNMAPPED_STATUS]
    status = st.sampled_from(statuses)
    n = draw(st.integers(1, max_issues))
    issues, transitions = [], []
    for i in range(n):
        issue_id = f"I{i}"
        created = EPOCH + pd.Timedelta(minutes=draw(st.integers(0, 60 * 24 * 60)))
        first = draw(status)
        current, at = first, created
        for seq in range(draw(st.integers(0, 8))):
            at = at + pd.Timedelta(minutes=draw(st.sampled_from([0, 1, 30, 600, 2000, 9000])))
            to = draw(status)
            transitions.append(
                {
                    "issue_id": issue_id,
                    "seq": seq,
                    "at": at,
                    "from_status_id": current,
                    "to_status_id": to,
                }
            )
            current = to
        issues.append(
            {
                "issue_id": issue_id,
                "key": f"K-{i}",
                "created": created,
                "status_id": current,
                "resolution": draw(st.sampled_from([None, "Done", "Fixed", "won't do", ""])),
            }
        )
    issue_frame = pd.DataFrame(issues)
    issue_frame["created"] = pd.to_datetime(issue_frame["created"], utc=True)
    t_frame = pd.DataFrame(
        transitions, columns=["issue_id", "seq", "at", "from_status_id", "to_status_id"]
    )
    t_frame["at"] = pd.to_datetime(t_frame["at"], utc=True)
    return issue_frame, t_frame


@st.composite
def boards(draw, max_issues: int = 6):
    workflow = draw(workflows())
    issues, transitions = draw(histories(workflow, max_issues))
    return workflow, issues, transitions


# --- Per-state times add up to the lead time ---------------------------------------------


@SETTINGS
@given(board=boards(), tz=st.sampled_from(ZONES))
def test_state_times_add_up_to_the_lead_time(board, tz):
    workflow, issues, transitions = board
    derived = derive_events(issues, transitions, workflow, tz=tz)
    ev = derived.events.set_index("issue_id")
    sums = derived.state_times.groupby("issue_id")[["days", "working_days"]].sum()
    with_lead = ev[ev["lead_time_days"].notna()]
    assert set(sums.index) == set(with_lead.index)
    for issue_id, row in with_lead.iterrows():
        assert sums.loc[issue_id, "days"] == pytest.approx(row["lead_time_days"], abs=1e-9)
        assert sums.loc[issue_id, "working_days"] == pytest.approx(
            row["lead_time_working_days"], abs=1e-9
        )
        assert row["start"] <= row["done"]
        assert 0 <= row["lead_time_working_days"] <= row["lead_time_days"] + 1 / 24 + 1e-9
    # done only for issues in a done state now; start always inside the history.
    done_now = issues.set_index("issue_id")["status_id"].map(
        lambda s: workflow.position(s) > workflow.interval_end
    )
    assert (ev["done"].notna() == done_now.reindex(ev.index)).all()
    assert ev.loc[ev["done"].isna(), "outcome"].isna().all()
    assert set(ev["outcome"].dropna()) <= {"completed", "abandoned"}
    assert (ev.loc[ev["outcome"] == "abandoned", "done"].notna()).all()


# --- Row order does not matter --------------------------------------------------------------


def quadrant_of(issues, transitions, workflow, tz):
    derived = derive_events(issues, transitions, workflow, tz=tz)
    items = issues[["issue_id", "key", "created"]].merge(derived.events, on="issue_id")
    items["lead_time"] = items["lead_time_days"]
    opts = QuadrantOptions(
        pd.Timestamp("2024-01-15"),
        pd.Timestamp("2024-03-31"),
        tz,
        pd.Timestamp("2024-03-20 12:00", tz="UTC"),
        window=4,
    )
    return issue_quadrant(items, derived.state_times, opts), derived


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(board=boards(), tz=st.sampled_from(ZONES), data=st.data())
def test_results_do_not_depend_on_row_order(board, tz, data):
    workflow, issues, transitions = board
    perm_i = data.draw(st.permutations(range(len(issues))))
    perm_t = data.draw(st.permutations(range(len(transitions))))
    shuffled_i = issues.iloc[list(perm_i)].reset_index(drop=True)
    shuffled_t = transitions.iloc[list(perm_t)].reset_index(drop=True)

    (q1, s1), d1 = quadrant_of(issues, transitions, workflow, tz)
    (q2, s2), d2 = quadrant_of(shuffled_i, shuffled_t, workflow, tz)

    def by_id(frame, cols):
        return frame.sort_values(cols).reset_index(drop=True)

    pd.testing.assert_frame_equal(
        by_id(d1.events, ["issue_id"]), by_id(d2.events, ["issue_id"]), check_exact=False
    )
    pd.testing.assert_frame_equal(
        by_id(d1.state_times, ["issue_id", "position"]),
        by_id(d2.state_times, ["issue_id", "position"]),
    )
    pd.testing.assert_frame_equal(q1.throughput, q2.throughput)
    pd.testing.assert_frame_equal(q1.backlog, q2.backlog)
    pd.testing.assert_frame_equal(q1.lead_time, q2.lead_time)
    pd.testing.assert_series_equal(q1.variation, q2.variation)
    pd.testing.assert_frame_equal(s1.reset_index(drop=True), s2.reset_index(drop=True))

    days = pd.date_range("2024-01-01", "2024-03-10", freq="7D")
    pd.testing.assert_frame_equal(
        cumulative_flow(issues, transitions, workflow, days, tz),
        cumulative_flow(shuffled_i, shuffled_t, workflow, days, tz),
    )


# --- Cumulative flow totals ------------------------------------------------------------------


@SETTINGS
@given(board=boards(), tz=st.sampled_from(ZONES))
def test_cumulative_flow_totals_equal_issues_created_by_that_day(board, tz):
    workflow, issues, transitions = board
    # Past the last possible move (created by 03-01, then up to 8 moves of 9000 minutes,
    # i.e. 04-20), so the last day shows every issue in its current state.
    days = pd.date_range("2023-12-30", "2024-04-25", freq="D")
    flow = cumulative_flow(issues, transitions, workflow, days, tz)
    ends = (days + pd.Timedelta(days=1)).tz_localize(tz).tz_convert("UTC")
    expected = [int((issues["created"] < end).sum()) for end in ends]
    assert flow.sum(axis=1).tolist() == expected
    assert (flow.to_numpy() >= 0).all()
    # The last day shows every issue in its current state.
    current = issues["status_id"].map(workflow.position)
    for position, state in enumerate(workflow.states):
        assert flow[state.name].iloc[-1] == (current == position).sum()


# --- Backlog completed = running sum of throughput --------------------------------------------


@st.composite
def item_sets(draw):
    n = draw(st.integers(0, 30))
    rows = []
    for k in range(n):
        created = EPOCH + pd.Timedelta(hours=draw(st.integers(0, 24 * 100)))
        outcome = draw(st.sampled_from([None, "completed", "completed", "abandoned"]))
        done = created + pd.Timedelta(hours=draw(st.integers(0, 24 * 40))) if outcome else pd.NaT
        rows.append(
            {
                "issue_id": str(k),
                "key": f"K-{k}",
                "created": created,
                "done": done,
                "outcome": outcome,
                "lead_time": (done - created).total_seconds() / 86400 if outcome else np.nan,
            }
        )
    frame = pd.DataFrame(
        rows, columns=["issue_id", "key", "created", "done", "outcome", "lead_time"]
    )
    frame["created"] = pd.to_datetime(frame["created"], utc=True)
    frame["done"] = pd.to_datetime(frame["done"], utc=True)
    return frame


@SETTINGS
@given(
    items=item_sets(),
    tz=st.sampled_from(ZONES),
    first=st.integers(0, 120),
    length=st.integers(0, 60),
    now_days=st.integers(0, 200),
    window=st.integers(1, 12),
)
def test_backlog_completed_is_the_running_sum_of_throughput(
    items, tz, first, length, now_days, window
):
    first_day = pd.Timestamp("2024-01-01") + pd.Timedelta(days=first)
    last_day = first_day + pd.Timedelta(days=length)
    now = EPOCH + pd.Timedelta(days=now_days, hours=7)
    for relative in (False, True):
        opts = QuadrantOptions(
            first_day, last_day, tz, now, window=window, relative_backlog=relative
        )
        quadrant, _ = issue_quadrant(items, None, opts)
        assume(len(quadrant.grid))
        counts = quadrant.throughput["count"].to_numpy()
        completed_done = items.loc[items["outcome"] == "completed", "done"]
        abandoned_done = items.loc[items["outcome"] == "abandoned", "done"]
        start = quadrant.grid.starts[0]
        before = 0 if relative else int((completed_done < start).sum())
        assert quadrant.backlog["completed"].tolist() == (before + np.cumsum(counts)).tolist()
        ends = quadrant.grid.ends
        created_before = 0 if relative else int((items["created"] < start).sum())
        created = [int((items["created"] < end).sum()) for end in ends]
        assert quadrant.backlog["created"].tolist() == [
            c - (int((items["created"] < start).sum()) if relative else 0) for c in created
        ]
        assert quadrant.backlog["created"].iloc[0] >= 0 and created_before >= 0
        abandoned = [int((abandoned_done < end).sum()) for end in ends]
        offset = int((abandoned_done < start).sum()) if relative else 0
        assert quadrant.backlog["abandoned"].tolist() == [a - offset for a in abandoned]
        assert (
            quadrant.backlog["open"]
            == quadrant.backlog["created"]
            - quadrant.backlog["completed"]
            - quadrant.backlog["abandoned"]
        ).all()


# --- Time zones move only items near a week boundary -------------------------------------------


@SETTINGS
@given(
    minutes=st.lists(st.integers(0, 60 * 24 * 7 * 60), min_size=1, max_size=40),
    tz=st.sampled_from(ZONES),
)
def test_a_time_zone_change_moves_only_items_near_a_week_boundary(minutes, tz):
    instants = pd.Series(pd.to_datetime([EPOCH + pd.Timedelta(minutes=m) for m in minutes]))
    in_utc = week_labels(instants, "UTC")
    in_zone = week_labels(instants, tz)
    moved = (in_utc != in_zone).to_numpy()
    # Distance to the nearest UTC Monday 00:00.
    since_monday = (instants - EPOCH) % pd.Timedelta(weeks=1)
    distance = np.minimum(since_monday, pd.Timedelta(weeks=1) - since_monday)
    assert (distance[moved] <= pd.Timedelta(hours=14)).all()
    # Moved items shift by exactly one week, towards the zone's side of the boundary.
    assert (abs(in_utc[moved] - in_zone[moved]) == pd.Timedelta(weeks=1)).all()
    if tz == "UTC":
        assert not moved.any()
