"""The per-issue events of :mod:`vger.metrics.events` computed over arrays: every
issue's visits in one flat array, each rule of docs/metrics.md ("Per-issue events") an
array operation over it, no Python per issue. The load path calls
:func:`derive_arrays` with the columns it already holds;
:func:`~vger.metrics.events.derive_events` is its DataFrame form."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from vger.metrics.events import (
    DEFAULT_ABANDONED,
    UNMAPPED,
    Workflow,
    abandoned_mask,
)
from vger.metrics.workdays import SECONDS_PER_DAY, local_working_clock, working_clock


@dataclass
class MoveArrays:
    """Status moves as arrays: issue id (str), changelog order, time (naive UTC
    ``datetime64[ns]``), from and to status ids (object)."""

    issue_id: np.ndarray
    seq: np.ndarray
    at: np.ndarray
    from_status_id: np.ndarray
    to_status_id: np.ndarray

    @classmethod
    def of_frame(cls, moves: pd.DataFrame) -> MoveArrays:
        """The moves of a frame (``issue_id``, ``seq``, ``at`` UTC, ``from_status_id``,
        ``to_status_id``), as the metrics read them."""
        if not len(moves):
            return cls.empty()
        at = pd.DatetimeIndex(pd.to_datetime(moves["at"], utc=True)).tz_localize(None)
        return cls(
            moves["issue_id"].astype(str).to_numpy(dtype=object),
            moves["seq"].to_numpy(),
            at.to_numpy(dtype="datetime64[ns]"),
            moves["from_status_id"].to_numpy(dtype=object),
            moves["to_status_id"].astype(object).to_numpy(dtype=object),
        )

    @classmethod
    def empty(cls) -> MoveArrays:
        none = np.array([], dtype=object)
        return cls(none, np.array([], dtype=np.int64), np.array([], "datetime64[ns]"), none, none)


@dataclass
class EventArrays:
    """:func:`derive_arrays`' answer. Per issue (row order of the input): ``start`` and
    ``done`` as ns since the epoch (int64 minimum: none), ``outcome`` (None: open), lead
    times in days (NaN: none). Per (issue, state) row: ``state_issue`` (issue row),
    ``state_position``, ``state_name``, ``state_days``, ``state_working_days``; rows by
    issue, then in the order the issue first spent time in the state."""

    issue_ids: np.ndarray
    start: np.ndarray
    done: np.ndarray
    outcome: np.ndarray
    lead_time_days: np.ndarray
    lead_time_working_days: np.ndarray
    state_issue: np.ndarray
    state_position: np.ndarray
    state_name: np.ndarray
    state_days: np.ndarray
    state_working_days: np.ndarray
    visits: FlatVisits  # the flat visits these come from (aging reads them)
    start_visit: np.ndarray  # per issue: index of its start visit (len(visits): none)
    done_visit: np.ndarray  # per issue: index of its done visit (-1: none)


def derive_arrays(
    issue_ids: np.ndarray,
    created: np.ndarray,
    status_ids: np.ndarray,
    resolutions: Iterable[object],
    moves: MoveArrays,
    workflow: Workflow,
    *,
    tz: str = "UTC",
    abandoned: Sequence[str] = DEFAULT_ABANDONED,
) -> EventArrays:
    """:func:`derive_events` over arrays (``created``: naive UTC ``datetime64[ns]``;
    issue ids unique, as on a board). Vectorised over all issues at once: every issue's
    visits (its created status, then one per move, moves sorted by time, ties by
    changelog order) lie in one flat array, and each rule is an array operation."""
    v = flat_visits(issue_ids, created, status_ids, moves, workflow, tz)
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
    is_abandoned = abandoned_mask(resolutions, abandoned)
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
    st_pos = keys % width - 1
    names = np.array([*workflow.state_names, UNMAPPED], dtype=object)  # [-1]: unmapped
    return EventArrays(
        issue_ids=v.issue_ids,
        start=start_ns,
        done=done_ns,
        outcome=outcome,
        lead_time_days=lead,
        lead_time_working_days=lead_wd,
        state_issue=keys // width,
        state_position=st_pos,
        state_name=names[st_pos],
        state_days=np.bincount(codes, days, len(keys)),
        state_working_days=np.bincount(codes, wdays, len(keys)),
        visits=v,
        start_visit=start_visit,
        done_visit=done_visit,
    )


@dataclass
class FlatVisits:
    """Every issue's visits in one flat array, issue after issue (see :func:`_visits`)."""

    n: int  # issues
    issue_ids: np.ndarray  # issue id per issue (object)
    first: np.ndarray  # index of each issue's first visit (its created status)
    issue: np.ndarray  # issue row of each visit
    position: np.ndarray  # work-state position of each visit (-1 unmapped)
    at: np.ndarray  # entered at, ns since the epoch (int64)
    clock: np.ndarray  # entered at, working clock seconds (float; NaN without a zone)
    current: np.ndarray  # position of each issue's current status
    status: np.ndarray  # status id of each visit (object)
    seq: np.ndarray  # changelog order of each move's visit (created visits: 0)
    move: np.ndarray  # True for a move's visit, False for a created one
    origin: np.ndarray  # each move visit's row in the moves given (created visits: -1)


def flat_visits(
    issue_ids: np.ndarray,
    created: np.ndarray,
    statuses: np.ndarray,
    moves: MoveArrays,
    workflow: Workflow,
    tz: str | None,
) -> FlatVisits:
    """The visits of every issue: created in :func:`created_status` at ``created``, then
    one per move of its own (moves of other issues ignored), sorted by time then
    ``seq``. Without ``tz`` the working clock is not read (NaN)."""
    n = len(issue_ids)
    lookup = _position_lookup(workflow)
    status_pos = lookup(statuses)
    if len(moves.issue_id):
        row = pd.Index(issue_ids).get_indexer(moves.issue_id)
        order = np.lexsort((moves.seq, moves.at, row))
        order = order[row[order] >= 0]
        t_row = row[order]
        t_at = moves.at[order].astype("datetime64[ns]")  # any unit in, nanoseconds out
        t_to = lookup(moves.to_status_id[order])
        t_clock = _clock(t_at, tz)
        t_from = moves.from_status_id[order]
        t_to_id = moves.to_status_id[order]
        t_seq = moves.seq[order]
        t_origin = order
    else:
        t_row = np.array([], dtype=np.int64)
        t_at = np.array([], dtype="datetime64[ns]")
        t_to = np.array([], dtype=np.int64)
        t_clock = np.array([], dtype=float)
        t_from = t_to_id = np.array([], dtype=object)
        t_seq = t_origin = np.array([], dtype=np.int64)
    moves_of = np.bincount(t_row, minlength=n) if n else np.zeros(0, dtype=np.int64)
    first = np.zeros(n, dtype=np.int64)
    if n:
        first[1:] = np.cumsum(moves_of + 1)[:-1]
    # created_status: the ``from`` of the first move, unless missing or blank.
    created_pos = status_pos.copy()
    created_id = np.array(statuses, dtype=object)
    moved = np.flatnonzero(moves_of)
    if len(moved):
        first_move = np.zeros(n, dtype=np.int64)
        first_move[1:] = np.cumsum(moves_of)[:-1]
        named = t_from[first_move[moved]]
        codes, uniques = pd.factorize(named, use_na_sentinel=True)
        blank = np.array([str(u).strip() == "" for u in uniques] + [True], dtype=bool)
        positions = np.append(lookup(np.asarray(uniques, dtype=object)), -1)
        keep = ~blank[codes]
        created_pos[moved[keep]] = positions[codes[keep]]
        created_id[moved[keep]] = named[keep]
    total = n + len(t_row)
    slot = np.ones(total, dtype=bool)
    slot[first] = False  # False: created visit, True: a move
    issue_of = np.repeat(np.arange(n), moves_of + 1)
    position = np.empty(total, dtype=np.int64)
    position[first] = created_pos
    position[slot] = t_to
    at = np.empty(total, dtype=np.int64)
    at[first] = created.astype("datetime64[ns]").astype(np.int64)
    at[slot] = t_at.astype(np.int64)
    clock = np.empty(total, dtype=float)
    clock[first] = _clock(created, tz)
    clock[slot] = t_clock
    status = np.empty(total, dtype=object)
    status[first] = created_id
    status[slot] = t_to_id
    seq = np.zeros(total, dtype=t_seq.dtype if len(t_seq) else np.int64)
    seq[slot] = t_seq
    origin = np.full(total, -1, dtype=np.int64)
    origin[slot] = t_origin
    # the current status's position; a missing (None) one: where the last move went
    current = status_pos.copy()
    unknown = np.flatnonzero(pd.isna(statuses))
    none = unknown[[statuses[i] is None for i in unknown]]
    current[none] = position[(first + moves_of)[none]]
    return FlatVisits(
        n, issue_ids, first, issue_of, position, at, clock, current, status, seq, slot, origin
    )


def _clock(at: np.ndarray, tz: str | None) -> np.ndarray:
    """Working clock of naive UTC instants in ``tz`` (NaN when no zone is given)."""
    if tz is None:
        return np.full(len(at), np.nan)
    if tz == "UTC":  # the wall time is the instant: no zone conversion (half of a page's derive)
        return local_working_clock(np.asarray(at, dtype="datetime64[ns]"))
    return working_clock(pd.DatetimeIndex(at).tz_localize("UTC"), tz)


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
