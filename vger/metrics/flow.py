"""Cumulative flow: issues in each work state at the end of each day (team time zone)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from vger.metrics.calendar import local_midnight_to_utc, utc_ns
from vger.metrics.events import UNMAPPED, Workflow, created_status


def visits(issues: pd.DataFrame, transitions: pd.DataFrame) -> pd.DataFrame:
    """Status visits (``issue_id``, ``status_id``, ``entered``, ``left``; ``left`` NaT while
    current). The first visit starts at ``created`` in
    :func:`~vger.metrics.events.created_status`."""
    t = transitions.sort_values(["issue_id", "at", "seq"])
    opening = pd.DataFrame(
        {
            "issue_id": issues["issue_id"].to_numpy(),
            "status_id": created_status(issues, transitions),
            # tz-aware Series, not .to_numpy(): that would be an object array (slow)
            "entered": pd.to_datetime(issues["created"], utc=True).reset_index(drop=True),
            "order": -1,
        }
    )
    moves = pd.DataFrame(
        {
            "issue_id": t["issue_id"].to_numpy(),
            "status_id": t["to_status_id"].to_numpy(),
            "entered": pd.to_datetime(t["at"], utc=True).reset_index(drop=True),
            "order": np.arange(len(t)),
        }
    )
    all_visits = pd.concat([opening, moves], ignore_index=True).sort_values(["issue_id", "order"])
    all_visits["left"] = all_visits.groupby("issue_id", sort=False)["entered"].shift(-1)
    return all_visits.drop(columns="order").reset_index(drop=True)


def cumulative_flow(
    issues: pd.DataFrame,
    transitions: pd.DataFrame,
    workflow: Workflow,
    days: pd.DatetimeIndex,
    tz: str,
) -> pd.DataFrame:
    """For each local day in ``days`` (tz-naive midnights), the number of issues in each
    work state at the end of that day. Columns in board order, then ``(unmapped)``."""
    v = visits(issues, transitions)
    state = np.array([workflow.position(s) for s in v["status_id"]])
    ends = utc_ns(local_midnight_to_utc(pd.DatetimeIndex(days) + pd.Timedelta(days=1), tz))
    entered = utc_ns(v["entered"])
    left = utc_ns(v["left"])
    left = np.where(np.isnat(left), np.datetime64("2262-01-01", "ns"), left)
    out = pd.DataFrame(index=pd.DatetimeIndex(days, name="day"))
    columns = [(k, s.name) for k, s in enumerate(workflow.states)] + [(-1, UNMAPPED)]
    for position, name in columns:
        mask = state == position
        if position == -1 and not mask.any():
            continue
        inside = np.sort(entered[mask])
        gone = np.sort(left[mask])
        out[name] = np.searchsorted(inside, ends, side="left") - np.searchsorted(
            gone, ends, side="left"
        )
    return out


BANDS = ("all", "nodone", "zero")


def flow_bands(flow: pd.DataFrame, workflow: Workflow, bands: str) -> pd.DataFrame:
    """The bands the flow diagram draws from ``flow`` (issues per state per day):
    ``all`` as they are; ``nodone`` without the done states (after the lead-time
    interval); ``zero`` with each done state counted from 0 on the first day, so only
    the issues that reached it during the range stack at the bottom."""
    done = [s.name for s in workflow.states[workflow.interval_end + 1 :] if s.name in flow]
    if bands == "nodone":
        return flow.drop(columns=done)
    if bands == "zero" and len(flow):
        out = flow.copy()
        out[done] = out[done] - out[done].iloc[0]
        return out
    return flow


def flow_from_changes(
    baseline: dict[object, int],
    changes: pd.DataFrame,
    seen: Iterable[object],
    workflow: Workflow,
    days: pd.DatetimeIndex,
) -> pd.DataFrame:
    """:func:`cumulative_flow` over a range from counts (what
    ``vger.store.flow_reads.flow_changes`` aggregates): ``baseline`` issues per status id
    when the first day begins, ``changes`` (``status_id``, ``day``: index of the first of
    ``days`` whose end counts it, ``delta``: issues in minus out), ``seen`` the statuses
    issues are in (an unmapped one adds the ``(unmapped)`` column). Issues per state at
    the end of each day; equal to :func:`cumulative_flow` over the whole history (a test
    pins the two together)."""
    n = len(days)
    per_state = np.zeros((len(workflow.states) + 1, n + 1), dtype="int64")  # last row: -1
    for status, count in baseline.items():
        per_state[workflow.position(status), 0] += int(count)
    if len(changes):
        rows = np.array([workflow.position(v) for v in changes["status_id"]], dtype=int)
        np.add.at(
            per_state,
            (rows, changes["day"].to_numpy(dtype=int)),
            changes["delta"].to_numpy(dtype="int64"),
        )
    counts = np.cumsum(per_state[:, :n], axis=1)
    out = pd.DataFrame(index=pd.DatetimeIndex(days, name="day"))
    for k, state in enumerate(workflow.states):
        out[state.name] = counts[k]
    if any(workflow.position(v) == -1 for v in seen):
        out[UNMAPPED] = counts[-1]
    return out.astype("int64")
