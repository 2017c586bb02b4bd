"""The vectorised ``derive_events`` against a plain per-issue reference written from the
rules of docs/metrics.md ("Per-issue events"): identical frames, value for value, on
random workflows and histories (ties, unmapped and missing statuses, blank ``from``,
moves out of time order, moves of unknown issues, empty histories)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vger.metrics.events import DEFAULT_ABANDONED, Workflow, WorkState, derive_events
from vger.metrics.workdays import working_clock

DAY_NS = 86_400 * 10**9
ZONES = ["UTC", "Europe/Berlin", "Asia/Kolkata", "Pacific/Kiritimati", "America/New_York"]
EPOCH = pd.Timestamp("2024-01-01", tz="UTC")


def reference(issues: pd.DataFrame, moves: pd.DataFrame, wf: Workflow, tz: str):
    """One issue at a time, straight from the rules."""
    wanted = {a.casefold() for a in DEFAULT_ABANDONED}
    events, states = [], []
    for _, issue in issues.iterrows():
        mine = moves[moves["issue_id"] == issue["issue_id"]]
        mine = mine.assign(_t=mine["at"].astype("int64")).sort_values(["_t", "seq"], kind="stable")
        first_from = mine["from_status_id"].iloc[0] if len(mine) else None
        blank = first_from is None or pd.isna(first_from) or not str(first_from).strip()
        created_in = issue["status_id"] if blank else first_from
        statuses = [created_in, *mine["to_status_id"]]
        times = [issue["created"], *mine["at"]]
        ns = [t.value for t in times]
        clock = list(working_clock(pd.Series(times, dtype="datetime64[ns, UTC]"), tz))
        where = [wf.position(x) for x in statuses]
        now = wf.position(issue["status_id"]) if issue["status_id"] is not None else where[-1]
        last_state = wf.interval_end
        done = None
        if now > last_state:
            entries = [
                k
                for k in range(len(where))
                if where[k] > last_state and (k == 0 or where[k - 1] <= last_state)
            ]
            done = entries[-1]
        before = range(done if done is not None else len(where))
        inside = [k for k in before if wf.interval_start <= where[k] <= wf.interval_end]
        start = inside[0] if inside else None
        res = issue["resolution"]
        outcome = None
        if done is not None:
            gone = isinstance(res, str) and res.strip().casefold() in wanted
            outcome = "abandoned" if gone else "completed"
        lead = lead_wd = np.nan
        if done is not None and start is not None:
            lead = (ns[done] - ns[start]) / DAY_NS
            lead_wd = (clock[done] - clock[start]) / 86_400.0
            per: dict[int, list[float]] = {}
            for k in range(start, done):
                acc = per.setdefault(where[k], [0.0, 0.0])
                acc[0] += (ns[k + 1] - ns[k]) / DAY_NS
                acc[1] += (clock[k + 1] - clock[k]) / 86_400.0
            names = wf.state_names
            for p, (d, w) in per.items():
                states.append((issue["issue_id"], names[p] if p >= 0 else "(unmapped)", p, d, w))
        events.append(
            (
                issue["issue_id"],
                times[start] if start is not None else pd.NaT,
                times[done] if done is not None else pd.NaT,
                outcome,
                lead,
                lead_wd,
            )
        )
    ev = pd.DataFrame(
        events,
        columns=[
            "issue_id",
            "start",
            "done",
            "outcome",
            "lead_time_days",
            "lead_time_working_days",
        ],
    )
    for c in ("start", "done"):
        ev[c] = pd.to_datetime(ev[c], utc=True).astype("datetime64[ns, UTC]")
    ev["outcome"] = ev["outcome"].astype(object).where(ev["outcome"].notna(), None)
    ev["lead_time_days"] = ev["lead_time_days"].astype(float)
    ev["lead_time_working_days"] = ev["lead_time_working_days"].astype(float)
    st_frame = pd.DataFrame(
        states, columns=["issue_id", "state", "position", "days", "working_days"]
    )
    return ev, st_frame.astype(
        {
            "issue_id": object,
            "state": object,
            "position": "int64",
            "days": float,
            "working_days": float,
        }
    )


@st.composite
def boards(draw):
    sizes = draw(st.lists(st.integers(1, 2), min_size=2, max_size=5))
    states, next_id = [], 1
    for k, size in enumerate(sizes):
        states.append(WorkState(f"S{k}", frozenset(str(next_id + j) for j in range(size))))
        next_id += size
    lo = draw(st.integers(0, len(states) - 2))
    wf = Workflow(tuple(states), lo, draw(st.integers(lo, len(states) - 2)))
    status = st.sampled_from([*(str(i) for i in range(1, next_id)), "99", None])
    issues, moves = [], []
    for i in range(draw(st.integers(1, 6))):
        created = EPOCH + pd.Timedelta(minutes=draw(st.integers(0, 60 * 24 * 40)))
        current, at = draw(status), created
        for seq in range(draw(st.integers(0, 7))):
            at += pd.Timedelta(minutes=draw(st.sampled_from([-90, 0, 1, 30, 600, 2000, 9000])))
            to = draw(status)
            source = draw(st.sampled_from([current, current, current, None, " "]))
            moves.append((f"I{i}", draw(st.sampled_from([seq, 0])), at, source, to))
            current = to
        now = draw(st.sampled_from([current, current, current, None, "99"]))
        resolution = draw(st.sampled_from([None, "", "Done", " won't do ", "Duplicate"]))
        issues.append((f"I{i}", created, now, resolution))
    if draw(st.booleans()):
        moves.append(("elsewhere", 0, EPOCH, "1", "2"))  # an issue not in the frame
    order = draw(st.permutations(range(len(moves))))
    issue_frame = pd.DataFrame(issues, columns=["issue_id", "created", "status_id", "resolution"])
    move_frame = pd.DataFrame(
        [moves[k] for k in order],
        columns=["issue_id", "seq", "at", "from_status_id", "to_status_id"],
    )
    issue_frame["created"] = pd.to_datetime(issue_frame["created"], utc=True)
    move_frame["at"] = pd.to_datetime(move_frame["at"], utc=True)
    move_frame = move_frame.astype({"from_status_id": object, "to_status_id": object})
    return wf, issue_frame, move_frame


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(board=boards(), tz=st.sampled_from(ZONES))
def test_derive_events_equals_the_per_issue_reference(board, tz):
    wf, issues, moves = board
    got = derive_events(issues, moves, wf, tz=tz)
    events, state_times = reference(issues, moves, wf, tz)
    pd.testing.assert_frame_equal(got.events, events, check_exact=True)
    pd.testing.assert_frame_equal(got.state_times, state_times, check_exact=True)


def test_no_moves_and_no_issues():
    wf = Workflow((WorkState("A", frozenset({"1"})), WorkState("B", frozenset({"2"}))), 0, 0)
    issues = pd.DataFrame(
        {"issue_id": ["X"], "created": [EPOCH], "status_id": ["2"], "resolution": [None]}
    )
    none = pd.DataFrame(columns=["issue_id", "seq", "at", "from_status_id", "to_status_id"])
    got = derive_events(issues, none, wf)
    assert got.events["done"].iloc[0] == EPOCH and pd.isna(got.events["start"].iloc[0])
    assert got.state_times.empty
    empty = derive_events(issues.iloc[0:0], none, wf)
    assert empty.events.empty and empty.state_times.empty
