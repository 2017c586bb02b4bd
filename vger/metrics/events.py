"""Per-issue events from the status history: start, done, outcome, lead time, and time
in each work state (docs/metrics.md, "Per-issue events").

Inputs are plain DataFrames so the load path and tests can call this directly:

- ``issues``: ``issue_id``, ``created`` (UTC), ``status_id`` (current), ``resolution``
- ``transitions``: ``issue_id``, ``seq`` (changelog order), ``at`` (UTC),
  ``from_status_id``, ``to_status_id``
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from vger.metrics.workdays import SECONDS_PER_DAY, working_clock

DEFAULT_ABANDONED: tuple[str, ...] = (
    "Won't Do",
    "Won't Fix",
    "Duplicate",
    "Invalid",
    "Cannot Reproduce",
    "Incomplete",
    "Abandoned",
    "Declined",
    "Not a Bug",
    "Descoped",
    "Obsolete",
)
UNMAPPED = "(unmapped)"


@dataclass(frozen=True)
class WorkState:
    """An ordered group of Jira statuses, matched by status id."""

    name: str
    status_ids: frozenset[str]


@dataclass(frozen=True)
class Workflow:
    """Work states in board order and the lead-time interval (inclusive indexes).

    States before ``interval_start`` are backlog; states after ``interval_end`` are done.
    """

    states: tuple[WorkState, ...]
    interval_start: int
    interval_end: int
    _position: dict[str, int] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        if not self.states:
            raise ValueError("a workflow needs at least one work state")
        if not 0 <= self.interval_start <= self.interval_end < len(self.states) - 1:
            raise ValueError(
                "the lead-time interval must be a contiguous range of work states "
                "that leaves at least one done state after it"
            )
        position: dict[str, int] = {}
        for index, state in enumerate(self.states):
            for status_id in state.status_ids:
                position[str(status_id)] = index
        object.__setattr__(self, "_position", position)

    def position(self, status_id: object) -> int:
        """Index of the state that holds ``status_id``; -1 for an unmapped status."""
        return self._position.get(str(status_id), -1)

    @property
    def state_names(self) -> list[str]:
        return [state.name for state in self.states]


def abandoned_mask(
    resolutions: Iterable[object], abandoned: Iterable[str] = DEFAULT_ABANDONED
) -> np.ndarray:
    """True where a resolution means no work was delivered: it is one of ``abandoned``,
    compared without case and surrounding spaces; an empty or missing resolution is not."""
    wanted = {a.strip().casefold() for a in abandoned}
    text = pd.Series(list(resolutions), dtype=object).map(
        lambda r: r.strip().casefold() if isinstance(r, str) else None
    )
    return text.isin(wanted).to_numpy(dtype=bool)


def created_status(issues: pd.DataFrame, transitions: pd.DataFrame) -> np.ndarray:
    """The status each issue of ``issues`` was created in (row order of ``issues``): the
    status its first transition leaves from (transitions sorted by time, ties by
    changelog order), or its current status when it never moved **or when that first
    ``from`` is missing** (null or blank: the history does not say, and the current
    status is the only one the data names). No times or units: status ids in, status
    ids out."""
    current = issues["status_id"].to_numpy(dtype=object)
    if not len(transitions):
        return current.copy()
    moves = pd.DataFrame(
        {
            "issue_id": transitions["issue_id"].astype(str).to_numpy(),
            "at": _ns(transitions["at"]),
            "seq": transitions["seq"].to_numpy(),
            "from": transitions["from_status_id"].to_numpy(dtype=object),
        }
    )
    first = moves.sort_values(["issue_id", "at", "seq"], kind="stable").drop_duplicates("issue_id")
    first_from = pd.Series(first["from"].to_numpy(), index=first["issue_id"].to_numpy())
    named = first_from.reindex(issues["issue_id"].astype(str).to_numpy()).astype(object)
    text = named.where(named.notna(), "").astype(str).str.strip()
    return np.where(text.eq("").to_numpy(), current, named.to_numpy())


EVENT_COLUMNS = ["issue_id", "start", "done", "outcome", "lead_time_days", "lead_time_working_days"]
STATE_TIME_COLUMNS = ["issue_id", "state", "position", "days", "working_days"]


@dataclass
class IssueEvents:
    """Result of :func:`derive_events`: one row per issue, and per-state times."""

    events: pd.DataFrame
    state_times: pd.DataFrame


def derive_events(
    issues: pd.DataFrame,
    transitions: pd.DataFrame,
    workflow: Workflow,
    *,
    tz: str = "UTC",
    abandoned: Sequence[str] = DEFAULT_ABANDONED,
) -> IssueEvents:
    """Derive start, done, outcome, lead time (calendar and working days) and time in
    each work state for every issue. Times are UTC; durations are days (seconds / 86 400);
    working days skip Saturdays and Sundays in ``tz``.

    Vectorised over all issues at once: every issue's visits (its created status, then
    one per move, moves sorted by time, ties by changelog order) lie in one flat array,
    and each rule below is an array operation over it."""
    v = _visits(issues, transitions, workflow, tz)
    n, first, issue_of, pos = v.n, v.first, v.issue, v.position
    index = np.arange(len(issue_of))
    first_done = workflow.interval_end + 1
    lo_int, hi_int = workflow.interval_start, workflow.interval_end

    # done: the last entry into a done state from a state that is not done (or created
    # in one), only while the current status is done.
    entered = pos >= first_done
    entered[1:] &= (pos[:-1] < first_done) | (issue_of[1:] != issue_of[:-1])
    done_visit = _segment(np.maximum, np.where(entered, index, -1), first)
    done_visit[v.current < first_done] = -1
    has_done = done_visit >= 0
    # start: the first entry into the interval before done (anywhere when not done).
    done_of = done_visit[issue_of]
    in_interval = (pos >= lo_int) & (pos <= hi_int) & ((done_of < 0) | (index < done_of))
    start_visit = _segment(np.minimum, np.where(in_interval, index, len(index)), first)
    has_start = start_visit < len(index)
    both = has_start & has_done

    nat = np.iinfo(np.int64).min
    start_ns = np.full(n, nat)
    start_ns[has_start] = v.at[start_visit[has_start]]
    done_ns = np.full(n, nat)
    done_ns[has_done] = v.at[done_visit[has_done]]
    outcome = np.full(n, None, dtype=object)
    is_abandoned = abandoned_mask(issues["resolution"], abandoned)
    outcome[has_done] = np.where(is_abandoned[has_done], "abandoned", "completed")
    ns_per_day = 1e9 * SECONDS_PER_DAY
    lead = np.full(n, np.nan)
    lead_wd = np.full(n, np.nan)
    s_b, d_b = start_visit[both], done_visit[both]
    lead[both] = (v.at[d_b] - v.at[s_b]) / ns_per_day
    lead_wd[both] = (v.clock[d_b] - v.clock[s_b]) / SECONDS_PER_DAY

    # Time per work state: each visit from start up to (not including) done, summed per
    # (issue, state) in visit order (bincount adds in input order, from 0.0); the states
    # of an issue in the order of their first such visit.
    span = both[issue_of] & (index >= start_visit[issue_of]) & (index < done_of)
    k = np.flatnonzero(span)
    days = (v.at[k + 1] - v.at[k]) / ns_per_day
    wdays = (v.clock[k + 1] - v.clock[k]) / SECONDS_PER_DAY
    width = len(workflow.states) + 1  # positions -1 .. len(states) - 1
    codes, keys = pd.factorize(issue_of[k] * width + (pos[k] + 1), sort=False)
    keys = np.asarray(keys, dtype=np.int64)
    st_issue, st_pos = keys // width, keys % width - 1
    names = np.array([*workflow.state_names, UNMAPPED], dtype=object)  # [-1]: unmapped

    events = pd.DataFrame(
        {
            "issue_id": v.issue_ids,
            "start": _utc_from_ns(start_ns),
            "done": _utc_from_ns(done_ns),
            "outcome": pd.Series(outcome, dtype=object),
            "lead_time_days": lead,
            "lead_time_working_days": lead_wd,
        }
    )
    state_times = pd.DataFrame(
        {
            "issue_id": pd.Series(v.issue_ids[st_issue], dtype=object),
            "state": pd.Series(names[st_pos], dtype=object),
            "position": pd.Series(st_pos, dtype="int64"),
            "days": pd.Series(np.bincount(codes, days, len(keys)), dtype=float),
            "working_days": pd.Series(np.bincount(codes, wdays, len(keys)), dtype=float),
        }
    )
    return IssueEvents(events=events, state_times=state_times)


@dataclass
class _Visits:
    """Every issue's visits in one flat array, issue after issue (see :func:`_visits`)."""

    n: int  # issues
    issue_ids: np.ndarray  # issue id per issue (object)
    first: np.ndarray  # index of each issue's first visit (its created status)
    issue: np.ndarray  # issue row of each visit
    position: np.ndarray  # work-state position of each visit (-1 unmapped)
    at: np.ndarray  # entered at, ns since the epoch (int64)
    clock: np.ndarray  # entered at, working clock seconds (float)
    current: np.ndarray  # position of each issue's current status


def _visits(issues: pd.DataFrame, transitions: pd.DataFrame, workflow: Workflow, tz: str):
    """The visits of every issue: created in :func:`created_status` at ``created``, then
    one per move of its own (moves of other issues ignored), sorted by time then
    ``seq``."""
    n = len(issues)
    issue_ids = issues["issue_id"].astype(str).to_numpy()
    statuses = issues["status_id"].astype(object).to_numpy()
    lookup = _position_lookup(workflow)
    status_pos = lookup(statuses)
    if len(transitions):
        t_ids = transitions["issue_id"].astype(str).to_numpy()
        row = pd.Index(issue_ids).get_indexer(t_ids)
        t_at = _ns(transitions["at"])
        order = np.lexsort((transitions["seq"].to_numpy(), t_at, row))
        order = order[row[order] >= 0]
        t_row = row[order]
        t_at = t_at[order]
        t_to = lookup(transitions["to_status_id"].astype(object).to_numpy()[order])
        t_clock = working_clock(pd.DatetimeIndex(t_at).tz_localize("UTC"), tz)
        t_from = transitions["from_status_id"].to_numpy(dtype=object)[order]
    else:
        t_row = np.array([], dtype=np.int64)
        t_at = np.array([], dtype="datetime64[ns]")
        t_to = np.array([], dtype=np.int64)
        t_clock = np.array([], dtype=float)
        t_from = np.array([], dtype=object)
    moves = np.bincount(t_row, minlength=n) if n else np.zeros(0, dtype=np.int64)
    first = np.zeros(n, dtype=np.int64)
    if n:
        first[1:] = np.cumsum(moves + 1)[:-1]
    # created_status: the ``from`` of the first move, unless missing or blank.
    created_pos = status_pos.copy()
    moved = np.flatnonzero(moves)
    if len(moved):
        first_move = np.zeros(n, dtype=np.int64)
        first_move[1:] = np.cumsum(moves)[:-1]
        named = t_from[first_move[moved]]
        codes, uniques = pd.factorize(named, use_na_sentinel=True)
        blank = np.array([str(u).strip() == "" for u in uniques] + [True], dtype=bool)
        positions = np.append(lookup(np.asarray(uniques, dtype=object)), -1)
        keep = ~blank[codes]
        created_pos[moved[keep]] = positions[codes[keep]]
    total = n + len(t_row)
    slot = np.ones(total, dtype=bool)
    slot[first] = False  # False: created visit, True: a move
    issue_of = np.repeat(np.arange(n), moves + 1)
    position = np.empty(total, dtype=np.int64)
    position[first] = created_pos
    position[slot] = t_to
    at = np.empty(total, dtype=np.int64)
    at[first] = _ns(issues["created"]).astype(np.int64)
    at[slot] = t_at.astype(np.int64)
    clock = np.empty(total, dtype=float)
    clock[first] = working_clock(issues["created"], tz)
    clock[slot] = t_clock
    # the current status's position; a missing (None) one: where the last move went
    current = status_pos.copy()
    unknown = np.flatnonzero(pd.isna(statuses))
    none = unknown[[statuses[i] is None for i in unknown]]
    current[none] = position[(first + moves)[none]]
    return _Visits(n, issue_ids, first, issue_of, position, at, clock, current)


def _position_lookup(workflow: Workflow):
    """status ids (object array) -> work-state positions, one lookup per distinct id."""

    def lookup(values: np.ndarray) -> np.ndarray:
        if not len(values):
            return np.zeros(0, dtype=np.int64)
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        table = np.array([workflow.position(u) for u in uniques] + [-1], dtype=np.int64)
        return table[codes]

    return lookup


def _segment(ufunc: np.ufunc, values: np.ndarray, first: np.ndarray) -> np.ndarray:
    """``ufunc`` (np.maximum, np.minimum) over each issue's visits; every issue has one
    at least, so each segment ``first[i]:first[i + 1]`` is not empty."""
    if not len(first):
        return np.zeros(0, dtype=np.int64)
    return ufunc.reduceat(values, first)


def _utc_from_ns(values: np.ndarray) -> pd.Series:
    """UTC timestamps from nanoseconds since the epoch (int64 minimum -> NaT)."""
    array = np.asarray(values, dtype=np.int64)
    return pd.Series(pd.DatetimeIndex(array.view("datetime64[ns]")).tz_localize("UTC"))


def _ns(values: pd.Series) -> np.ndarray:
    index = pd.DatetimeIndex(pd.to_datetime(values, utc=True)).tz_localize(None)
    return index.to_numpy(dtype="datetime64[ns]")
