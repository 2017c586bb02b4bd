"""Aging work in progress (docs/metrics.md, "Aging work in progress").

- the age (days since ``start``) at which each completed item *left* each work state,
  cumulatively: the instant after which it stayed past that state until ``done``;
- the percentile bands (50/70/85/95 %) of those ages per work state;
- for each open item with a start: its age, its current work state, the days it has
  been in that state, and the highest band its age has passed.

Days are calendar days (seconds / 86 400) or, with ``working_days``, working days in
the team time zone (``tz``), as for lead time. Instants are UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from vger.metrics.calendar import utc_ns
from vger.metrics.event_arrays import EventArrays, MoveArrays, derive_arrays
from vger.metrics.events import UNMAPPED, Workflow
from vger.metrics.percentiles import percentile
from vger.metrics.workdays import SECONDS_PER_DAY, working_clock

AGING_LEVELS: tuple[int, ...] = (50, 70, 85, 95)


def day_clock(instants: pd.Series | pd.DatetimeIndex, tz: str, working_days: bool) -> np.ndarray:
    """A clock in days (float, NaN for NaT): the duration between two instants is the
    difference of their readings, in calendar days or in working days of ``tz``."""
    if working_days:
        return working_clock(instants, tz) / SECONDS_PER_DAY
    ns = utc_ns(pd.DatetimeIndex(pd.to_datetime(instants, utc=True)))
    out = ns.astype(np.int64).astype(float) / (SECONDS_PER_DAY * 1e9)
    return np.where(np.isnat(ns), np.nan, out)


@dataclass
class AgingMarks:
    """What the aging view needs of each issue, found once when it is stored (from its
    whole history; the store keeps them, so a request reads no history):

    - per (issue, work state up to the interval's end), for every issue with a start
      and a done: ``leave_issue`` (issue row), ``leave_position``, and the age at which
      it left that state, in calendar (``leave_days``) and working days
      (``leave_working_days``);
    - per issue: ``state_position``, the work state of its current status (-1:
      unmapped) and ``state_since`` (ns since the epoch, UTC), when it entered that
      work state (moves between statuses of one state do not count)."""

    leave_issue: np.ndarray
    leave_position: np.ndarray
    leave_days: np.ndarray
    leave_working_days: np.ndarray
    state_position: np.ndarray
    state_since: np.ndarray


def aging_marks(events: EventArrays, workflow: Workflow, until: int | None = None) -> AgingMarks:
    """The aging marks of the issues of ``events`` (:func:`derive_arrays`' answer).

    An item is *past* state S while its work state comes after S in board order (a
    status in no work state is past nothing). It left S at the first instant from which
    it stayed past S until ``done``: the end of its last visit, between ``start`` and
    ``done``, to S or an earlier state, or ``start`` when there is none. So an item that
    skipped S left it when it first moved beyond it for good, a move back to S or before
    it resets it, and the ages never decrease along the board.

    ``until`` (ns since the epoch): the current state as it was then (visits entered
    later are not read); default: as the whole history says."""
    v = events.visits
    index = np.arange(len(v.issue))
    count = workflow.interval_end + 1  # the states an item can leave before done
    both = (events.start_visit < len(index)) & (events.done_visit >= 0)
    rows = np.flatnonzero(both)
    start, done = events.start_visit[rows], events.done_visit[rows]
    # leave[r, P]: index of the visit whose entry ends the last visit to P or before
    leave = np.repeat(start[:, None], count, axis=1)
    slot = np.full(v.n, -1, dtype=np.int64)
    slot[rows] = np.arange(len(rows))
    r = slot[v.issue]
    k = np.flatnonzero(r >= 0)
    r = r[k]
    inside = (k >= start[r]) & (k < done[r]) & (v.position[k] <= workflow.interval_end)
    k, r = k[inside], r[inside]
    np.maximum.at(leave, (r, np.maximum(v.position[k], 0)), k + 1)
    leave = np.maximum.accumulate(leave, axis=1)
    ns_per_day = 1e9 * SECONDS_PER_DAY
    days = (v.at[leave] - v.at[start][:, None]) / ns_per_day
    working = (v.clock[leave] - v.clock[start][:, None]) / SECONDS_PER_DAY
    # the current run of one work state: it begins at each change of state (or issue)
    seen = np.ones(len(index), dtype=bool) if until is None else v.at <= until
    change = np.ones(len(index), dtype=bool)
    change[1:] = (v.position[1:] != v.position[:-1]) | (v.issue[1:] != v.issue[:-1])
    nat = np.iinfo(np.int64).min
    last = _segment_max(np.where(seen, index, -1), v.first)
    run = _segment_max(np.where(seen & change, index, -1), v.first)
    known = last >= 0
    position = np.full(v.n, -1, dtype=np.int64)
    position[known] = v.position[last[known]]
    since = np.full(v.n, nat, dtype=np.int64)
    since[known] = v.at[run[known]]
    return AgingMarks(
        leave_issue=np.repeat(rows, count),
        leave_position=np.tile(np.arange(count), len(rows)),
        leave_days=days.ravel(),
        leave_working_days=working.ravel(),
        state_position=position,
        state_since=since,
    )


def _segment_max(values: np.ndarray, first: np.ndarray) -> np.ndarray:
    """The maximum of ``values`` over each issue's visits (every issue has one)."""
    if not len(first):
        return np.zeros(0, dtype=np.int64)
    return np.maximum.reduceat(values, first)


def leave_ages(
    issues: pd.DataFrame,
    transitions: pd.DataFrame,
    workflow: Workflow,
    *,
    tz: str = "UTC",
    working_days: bool = False,
) -> pd.DataFrame:
    """:func:`aging_marks`' leave ages as rows, for ``issues`` (``issue_id``,
    ``created``, ``status_id``, ``resolution`` optional; UTC) and their moves, as
    :func:`vger.metrics.events.derive_events` reads them: ``issue_id``, ``position``,
    ``state``, ``days`` (working days with ``working_days``) for each issue with a start
    and a done and each work state before the done states."""
    events = _events(issues, transitions, workflow, tz)
    m = aging_marks(events, workflow)
    names = np.array(workflow.state_names, dtype=object)
    return pd.DataFrame(
        {
            "issue_id": events.issue_ids[m.leave_issue],
            "position": m.leave_position,
            "state": names[m.leave_position],
            "days": m.leave_working_days if working_days else m.leave_days,
        }
    )


def _events(
    issues: pd.DataFrame, transitions: pd.DataFrame, workflow: Workflow, tz: str
) -> EventArrays:
    resolutions = issues["resolution"] if "resolution" in issues else [None] * len(issues)
    return derive_arrays(
        issues["issue_id"].astype(str).to_numpy(dtype=object),
        _naive(issues["created"]),
        issues["status_id"].to_numpy(dtype=object),
        np.asarray(resolutions, dtype=object),
        MoveArrays.of_frame(transitions),
        workflow,
        tz=tz,
    )


def _naive(values) -> np.ndarray:
    index = pd.DatetimeIndex(pd.to_datetime(values, utc=True))
    return index.tz_localize(None).to_numpy(dtype="datetime64[ns]")


def aging_bands(ages: pd.DataFrame, levels: Sequence[int] = AGING_LEVELS) -> pd.DataFrame:
    """The L-th percentile, per work state, of the ages at which the given items left it
    (rows of :func:`leave_ages`): ``state``, ``position``, ``items``, one column per L
    ("L % of the items had left this state by this age"). States in board order."""
    if ages.empty:
        return pd.DataFrame(columns=["state", "position", "items", *levels])
    rows = []
    for (position, state), group in ages.groupby(["position", "state"], sort=True):
        values = group["days"].to_numpy(dtype=float)
        rows.append(
            {
                "state": state,
                "position": int(position),
                "items": int(len(values)),
                **{level: percentile(values, level) for level in levels},
            }
        )
    return pd.DataFrame(rows)


def open_ages(
    issues: pd.DataFrame,
    transitions: pd.DataFrame,
    workflow: Workflow,
    now: pd.Timestamp,
    *,
    tz: str = "UTC",
    working_days: bool = False,
) -> pd.DataFrame:
    """:func:`open_item_ages` at ``now`` of ``issues`` (as :func:`leave_ages`, plus
    ``start`` and ``done``) whose current work state and its entry are the marks of
    their history up to ``now``."""
    now = _utc(now)
    events = _events(issues, transitions, workflow, tz)
    m = aging_marks(events, workflow, until=int(now.value))
    marked = issues.assign(
        state_position=m.state_position,
        state_since=pd.DatetimeIndex(m.state_since.view("datetime64[ns]")).tz_localize("UTC"),
    )
    return open_item_ages(marked, workflow, now, tz=tz, working_days=working_days)


def open_item_ages(
    issues: pd.DataFrame,
    workflow: Workflow,
    now: pd.Timestamp,
    *,
    tz: str = "UTC",
    working_days: bool = False,
) -> pd.DataFrame:
    """Every item started and not done at ``now`` (UTC), from its stored marks
    (``issues``: ``issue_id``, ``start``, ``done``, ``state_position``, ``state_since``;
    see :class:`AgingMarks`): ``issue_id``, ``position`` and ``state`` of its current
    work state (``(unmapped)``, -1, for a status in no state), ``since`` (UTC),
    ``age`` (days from ``start`` to ``now``) and ``state_days`` (days from ``since``
    to ``now``)."""
    columns = ["issue_id", "position", "state", "since", "age", "state_days"]
    now = _utc(now)
    start = pd.to_datetime(issues["start"], utc=True)
    started = issues[(start.notna() & issues["done"].isna() & (start <= now)).to_numpy()]
    if started.empty:
        return pd.DataFrame(columns=columns)
    names = workflow.state_names
    pos = started["state_position"].fillna(-1).astype(int).to_numpy()
    since = pd.to_datetime(started["state_since"], utc=True)
    reading = day_clock(pd.DatetimeIndex([now]), tz, working_days)[0]
    return pd.DataFrame(
        {
            "issue_id": started["issue_id"].astype(str).to_numpy(),
            "position": pos,
            "state": np.array([*names, UNMAPPED], dtype=object)[
                np.where((pos >= 0) & (pos < len(names)), pos, len(names))
            ],
            "since": since.array,  # to_numpy() would box every instant as a Timestamp
            "age": reading - day_clock(started["start"], tz, working_days),
            "state_days": reading - day_clock(since, tz, working_days),
        }
    )


def _utc(moment) -> pd.Timestamp:
    moment = pd.Timestamp(moment)
    return moment.tz_localize("UTC") if moment.tzinfo is None else moment.tz_convert("UTC")


def passed_level(
    open_items: pd.DataFrame, bands: pd.DataFrame, levels: Sequence[int] = AGING_LEVELS
) -> np.ndarray:
    """For each row of :func:`open_ages`: the highest L whose band of the item's current
    work state its age exceeds (strictly), or 0 when it is within every band or its
    state has no band."""
    out = np.zeros(len(open_items), dtype=int)
    if bands.empty or open_items.empty:
        return out
    by_position = bands.set_index("position")
    age = open_items["age"].to_numpy(dtype=float)
    position = open_items["position"].to_numpy()
    for level in sorted(levels):
        limit = by_position[level].reindex(position).to_numpy(dtype=float)
        out = np.where(age > limit, level, out)  # NaN limit: never exceeded
    return out


PULL_STATE = "open"


def pull_leave_ages(pulls: pd.DataFrame) -> pd.DataFrame:
    """Pull requests have one state, *open*, from ``created`` to ``merged``: the age at
    which a merged pull request left it is its lead time (``lead_time``, calendar days).
    Rows as :func:`leave_ages` (``issue_id`` = ``key``), for the merged ones given."""
    merged = pulls[(pulls["outcome"] == "completed") & pulls["lead_time"].notna()]
    return pd.DataFrame(
        {
            "issue_id": merged["key"].astype(str).to_numpy(),
            "position": np.zeros(len(merged), dtype=int),
            "state": PULL_STATE,
            "days": merged["lead_time"].to_numpy(dtype=float),
        }
    )


def open_pull_ages(pulls: pd.DataFrame, now: pd.Timestamp) -> pd.DataFrame:
    """Every pull request open at ``now`` (created by then, neither merged nor closed):
    rows as :func:`open_ages` (``issue_id`` = ``key``), state *open* since ``created``, so
    ``age`` = ``state_days`` = ``now − created`` in calendar days (draft time included)."""
    now = pd.Timestamp(now)
    now = now.tz_localize("UTC") if now.tzinfo is None else now.tz_convert("UTC")
    created = pd.to_datetime(pulls["created"], utc=True)
    still = pulls[(created <= now) & pulls["done"].isna()]
    since = pd.to_datetime(still["created"], utc=True)
    age = day_clock(pd.DatetimeIndex([now]), "UTC", False)[0] - day_clock(since, "UTC", False)
    return pd.DataFrame(
        {
            "issue_id": still["key"].astype(str).to_numpy(),
            "position": np.zeros(len(still), dtype=int),
            "state": PULL_STATE,
            "since": since.to_numpy(),
            "age": age,
            "state_days": age,
        }
    )
