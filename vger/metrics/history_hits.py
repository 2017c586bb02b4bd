"""The data-quality checks that read one issue's own history, over arrays: the hits of
reopened, backward moves, skipped the interval, entered late, moves before creation and
history out of order (docs/metrics.md, "Data quality"; the issues and ``detail`` text
:mod:`vger.metrics.quality_history` reports) and the visits of statuses of no work state
that :func:`~vger.metrics.quality_history.unmapped_in_history` reads, computed from the flat visits of
:func:`~vger.metrics.event_arrays.flat_visits` with array operations (text is built for
the issues hit only). The store keeps them (``issue_quality``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from vger.metrics.event_arrays import FlatVisits, MoveArrays, flat_visits
from vger.metrics.events import Workflow

UNMAPPED = "unmapped_statuses"


@dataclass
class Hits:
    """One row per hit: issue row, check id, ``seq`` (the visit number for unmapped
    visits, else 0) and ``detail`` (the check's text; the status id for unmapped)."""

    issue: np.ndarray
    check: list[str]
    seq: list[int]
    detail: list[str]
    latest: np.ndarray | None = None  # per issue: its latest move or creation (ns, UTC)


def history_hits(
    issue_ids: np.ndarray,
    created: np.ndarray,
    status_ids: np.ndarray,
    moves: MoveArrays,
    workflow: Workflow,
    *,
    visits: FlatVisits | None = None,
) -> Hits:
    """The history checks' hits of the issues (``created``: naive UTC
    ``datetime64[ns]``; issue ids unique) and their moves. ``visits``: their flat
    visits when already built (:func:`~vger.metrics.event_arrays.derive_arrays` keeps
    its own; the working clock is not read here)."""
    v = visits
    if v is None:
        v = flat_visits(issue_ids, created, status_ids, moves, workflow, None)
    n, issue, pos, at = v.n, v.issue, v.position, v.at
    index = np.arange(len(issue))
    later = np.ones(len(issue), dtype=bool)
    later[v.first] = False  # visits after the first of their issue
    prev = np.roll(pos, 1)
    first_done = workflow.interval_end + 1
    lo, hi = workflow.interval_start, workflow.interval_end
    names = workflow.state_names
    out = Hits(np.zeros(0, dtype=np.int64), [], [], [])

    def add(check: str, rows: np.ndarray, details: list[str]) -> None:
        out.issue = np.concatenate([out.issue, rows])
        out.check += [check] * len(rows)
        out.seq += [0] * len(rows)
        out.detail += details

    reopen = later & (prev >= first_done) & (pos < first_done)
    rows, count = _counts(issue[reopen], n)
    last = _by_issue(np.maximum, issue[reopen], at[reopen], n, np.iinfo(np.int64).min)
    add(
        "reopened",
        rows,
        [
            f"reopened {c} time{_s(c)}, last {_day(t)}"
            for c, t in zip(count, last[rows], strict=True)
        ],
    )

    back = later & (prev >= 0) & (prev < first_done) & (pos >= 0) & (pos < prev)
    rows, count = _counts(issue[back], n)
    firsts = np.flatnonzero(back)[np.unique(issue[back], return_index=True)[1]]
    add(
        "backward_moves",
        rows,
        [
            f"{c} backward move{_s(c)}, e.g. {names[p]} → {names[q]}"
            for c, p, q in zip(count, prev[firsts].tolist(), pos[firsts].tolist(), strict=True)
        ],
    )

    inside = (pos >= lo) & (pos <= hi)
    after = pos > hi
    ever_inside = np.bincount(issue[inside], minlength=n) > 0
    ever_after = np.bincount(issue[after], minlength=n) > 0
    rows = np.flatnonzero(ever_after & ~ever_inside)
    add("skipped_interval", rows, ["never in the lead-time interval"] * len(rows))

    big = len(issue)
    first_after = _by_issue(np.minimum, issue[after], index[after], n, big)
    first_inside = _by_issue(np.minimum, issue[inside], index[inside], n, big)
    late = (first_inside < big) & (first_after < first_inside)
    rows = np.flatnonzero(late)
    add(
        "entered_late",
        rows,
        [f"first entered the interval {_day(t)}, after being done" for t in at[first_inside[rows]]],
    )

    nat = np.iinfo(np.int64).min
    real = v.move & (at != nat)
    early = real & (at < at[v.first][issue]) & (at[v.first][issue] != nat)
    rows, count = _counts(issue[early], n)
    earliest = _by_issue(np.minimum, issue[early], at[early], n, np.iinfo(np.int64).max)
    add(
        "before_created",
        rows,
        [
            f"{c} move{_s(c)} before creation, earliest {_day(t)}"
            for c, t in zip(count, earliest[rows], strict=True)
        ],
    )

    m = v.move
    rows, count = _out_of_order(issue[m], v.seq[m], v.origin[m], at[m], n)
    add(
        "out_of_order",
        rows,
        [f"{c} move{_s(c)} dated before an earlier change" for c in count],
    )

    unmapped = (pos < 0) & pd.notna(v.status)
    k = np.flatnonzero(unmapped)
    out.issue = np.concatenate([out.issue, issue[k]])
    out.check += [UNMAPPED] * len(k)
    out.seq += (k - v.first[issue[k]]).tolist()
    out.detail += [str(x) for x in v.status[k]]
    out.latest = np.maximum.reduceat(at, v.first) if n else np.zeros(0, dtype=np.int64)
    return out


def _counts(rows_of_hits: np.ndarray, n: int) -> tuple[np.ndarray, list[int]]:
    """(issues with a hit, in row order; their hit counts)."""
    counts = np.bincount(rows_of_hits, minlength=n)
    rows = np.flatnonzero(counts)
    return rows, counts[rows].tolist()


def _by_issue(ufunc: np.ufunc, rows: np.ndarray, values: np.ndarray, n: int, empty) -> np.ndarray:
    out = np.full(n, empty, dtype=np.int64)
    ufunc.at(out, rows, values)
    return out


def _out_of_order(issue: np.ndarray, seq: np.ndarray, origin: np.ndarray, at: np.ndarray, n: int):
    """Moves dated before the latest earlier move in changelog order, per issue."""
    if not len(issue):
        return np.zeros(0, dtype=np.int64), []
    order = np.lexsort((origin, seq, issue))  # ties in seq: the order the moves came in
    issue, at = issue[order], at[order]
    nat = np.iinfo(np.int64).min
    rank = np.unique(at, return_inverse=True)[1].astype(np.int64)  # NaT: lowest rank
    width = int(rank.max()) + 2
    running = np.maximum.accumulate(issue * width + np.where(at == nat, -1, rank) + 1)
    latest = running - issue * width - 1  # the latest rank so far in the issue (-1: none)
    before = np.roll(latest, 1)
    same = np.ones(len(issue), dtype=bool)
    same[0] = False
    same[1:] = issue[1:] == issue[:-1]
    hit = same & (before >= 0) & (at != nat) & (rank < before)
    return _counts(issue[hit], n)


def _s(count: int) -> str:
    return "s" if count != 1 else ""


def _day(ns: int) -> str:
    """``YYYY-MM-DD HH:MM UTC`` of ns since the epoch, as the checks write a time."""
    return pd.Timestamp(int(ns), tz="UTC").strftime("%Y-%m-%d %H:%M UTC")
