"""The aging rules of docs/metrics.md ("Aging work in progress") written the plain way,
over pandas visits: the reference the stored, array form (vger.metrics.aging.aging_marks)
must reproduce. This was the production code before the marks were stored at save."""

from __future__ import annotations

import numpy as np
import pandas as pd

from vger.metrics.aging import day_clock
from vger.metrics.calendar import utc_ns
from vger.metrics.events import UNMAPPED, Workflow
from vger.metrics.flow import visits


def _of(transitions: pd.DataFrame, ids: np.ndarray) -> pd.DataFrame:
    """The transitions of the issues ``ids`` (ids compared as strings)."""
    t = transitions.assign(issue_id=transitions["issue_id"].astype(str))
    return t[t["issue_id"].isin(set(ids))]


def _state_of(status_ids: pd.Series, workflow: Workflow) -> pd.Series:
    """The work-state position of each status id (-1: unmapped), as ``Workflow.position``."""
    table = {str(sid): k for k, state in enumerate(workflow.states) for sid in state.status_ids}
    return status_ids.astype(str).map(table).fillna(-1).astype(int)


def leave_ages(
    issues: pd.DataFrame,
    transitions: pd.DataFrame,
    workflow: Workflow,
    *,
    tz: str = "UTC",
    working_days: bool = False,
) -> pd.DataFrame:
    """For each issue with a ``start`` and a ``done`` and each work state before the
    done states: the age (days since ``start``) at which it left that state.

    ``issues``: ``issue_id``, ``created``, ``status_id`` (current), ``start``, ``done``
    (UTC); ``transitions`` as for :func:`vger.metrics.events.derive_events`.

    The item is *past* state S while its work state comes after S in board order (a
    status in no work state is past nothing). It left S at the first instant from
    which it stayed past S until ``done``: the end of its last visit, between ``start``
    and ``done``, to S or an earlier state, or ``start`` when there is none. So an item
    that skipped S left it when it first moved beyond it for good, a move back to S or
    before it resets it, and the ages never decrease along the board.

    Returns ``issue_id``, ``position``, ``state``, ``days`` (one row per issue and state).
    """
    columns = ["issue_id", "position", "state", "days"]
    done_items = issues[issues["start"].notna() & issues["done"].notna()]
    count = workflow.interval_end + 1  # the states an item can leave before done
    if done_items.empty:
        return pd.DataFrame(columns=columns)
    ids = done_items["issue_id"].astype(str).to_numpy()
    start = utc_ns(done_items["start"])
    done = utc_ns(done_items["done"])
    v = visits(done_items.assign(issue_id=ids), _of(transitions, ids))
    row = pd.Index(ids).get_indexer(v["issue_id"])
    position = _state_of(v["status_id"], workflow).to_numpy(dtype=int)
    entered = utc_ns(v["entered"])
    left = utc_ns(v["left"])
    # visits from start to done (a zero-length visit at done itself included)
    inside = (entered >= start[row]) & (entered <= done[row]) & (position <= workflow.interval_end)
    # left[issue, P] = max end of the visits to P or before, from start (the default)
    last = np.repeat(start.astype(np.int64)[:, None], count, axis=1)
    left_ns = np.where(np.isnat(left) | (left > done[row]), done[row], left).astype(np.int64)
    np.maximum.at(last, (row[inside], np.maximum(position[inside], 0)), left_ns[inside])
    last = np.maximum.accumulate(last, axis=1)
    instants = pd.DatetimeIndex(last.ravel().astype("datetime64[ns]"), tz="UTC")
    clock = day_clock(instants, tz, working_days).reshape(last.shape)
    begin = day_clock(pd.DatetimeIndex(start, tz="UTC"), tz, working_days)
    ages = clock - begin[:, None]
    names = workflow.state_names[:count]
    return pd.DataFrame(
        {
            "issue_id": np.repeat(ids, count),
            "position": np.tile(np.arange(count), len(ids)),
            "state": np.tile(np.array(names, dtype=object), len(ids)),
            "days": ages.ravel(),
        }
    )


def open_ages(
    issues: pd.DataFrame,
    transitions: pd.DataFrame,
    workflow: Workflow,
    now: pd.Timestamp,
    *,
    tz: str = "UTC",
    working_days: bool = False,
) -> pd.DataFrame:
    """Every item started and not done at ``now`` (UTC): ``issue_id``, ``position`` and
    ``state`` of its current work state (``(unmapped)``, -1, for a status in no state),
    ``since`` (UTC: when it entered that work state; moves between statuses of one state
    do not count), ``age`` (days from ``start`` to ``now``) and ``state_days`` (days from
    ``since`` to ``now``)."""
    columns = ["issue_id", "position", "state", "since", "age", "state_days"]
    now = pd.Timestamp(now)
    now = now.tz_localize("UTC") if now.tzinfo is None else now.tz_convert("UTC")
    started = issues[
        issues["start"].notna()
        & issues["done"].isna()
        & (pd.to_datetime(issues["start"], utc=True) <= now)
    ]
    if started.empty:
        return pd.DataFrame(columns=columns)
    ids = started["issue_id"].astype(str).to_numpy()
    v = visits(started.assign(issue_id=ids), _of(transitions, ids))
    v = v[pd.to_datetime(v["entered"], utc=True) <= now]
    position = _state_of(v["status_id"], workflow).to_numpy(dtype=int)
    issue = v["issue_id"].to_numpy()
    # a new run of one work state begins at each change of state (or of issue)
    change = np.ones(len(v), dtype=bool)
    change[1:] = (position[1:] != position[:-1]) | (issue[1:] != issue[:-1])
    runs = pd.DataFrame({"issue_id": issue, "position": position, "entered": v["entered"]})
    runs = runs[change].groupby("issue_id", sort=False).tail(1).set_index("issue_id")
    runs = runs.reindex(ids)
    names = workflow.state_names
    pos = runs["position"].fillna(-1).astype(int).to_numpy()
    since = pd.to_datetime(runs["entered"], utc=True)
    reading = day_clock(pd.DatetimeIndex([now]), tz, working_days)[0]
    return pd.DataFrame(
        {
            "issue_id": ids,
            "position": pos,
            "state": [names[p] if p >= 0 else UNMAPPED for p in pos],
            "since": since.to_numpy(),
            "age": reading - day_clock(started["start"], tz, working_days),
            "state_days": reading - day_clock(since, tz, working_days),
        }
    )
