"""Cumulative flow: issues in each work state at the end of each day (team time zone)."""

from __future__ import annotations

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


def range_cumulative_flow(
    issues: pd.DataFrame,
    transitions: pd.DataFrame,
    workflow: Workflow,
    days: pd.DatetimeIndex,
    tz: str,
    settled: dict[str, int] | None = None,
) -> pd.DataFrame:
    """:func:`cumulative_flow` over a range, from what the range needs (the rows
    ``vger.store.queries.flow_rows`` reads): the flow of ``issues`` (the ones that moved
    since the first day or were created since) plus ``settled``: issues, counted per
    current status id, created before the first day that never moved during or after it,
    so they stay in one state for the whole range. Equal to :func:`cumulative_flow` over
    the whole history (a test pins the two together)."""
    flow = cumulative_flow(issues, transitions, workflow, days, tz)
    positions: dict[int, int] = {}
    for status_id, count in (settled or {}).items():
        position = workflow.position(status_id)
        positions[position] = positions.get(position, 0) + int(count)
    out = pd.DataFrame(index=pd.DatetimeIndex(days, name="day"))
    for k, state in enumerate(workflow.states):
        out[state.name] = flow[state.name].to_numpy() + positions.get(k, 0)
    if UNMAPPED in flow or positions.get(-1):
        base = flow[UNMAPPED].to_numpy() if UNMAPPED in flow else 0
        out[UNMAPPED] = base + positions.get(-1, 0)
    return out.astype("int64")
