"""The counting behind :mod:`vger.store.flow_days`, without I/O: per issue type,
sub-task flag, status and local day of the board, the issues entering the status minus
those leaving it, and those entering it, from a batch of issues and their moves (the
rules: :mod:`vger.store.flow_days`). Plain numpy over the columns, a few calls per batch:
the ETL counts every saved page of about 100 issues."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat

import numpy as np
import pandas as pd

from vger.metrics.calendar import local_midnight_to_utc

_EPOCH = np.datetime64("1970-01-01", "D")


def local_days(instants: np.ndarray, tz: str) -> np.ndarray:
    """Local day (days since 1970-01-01, ``tz``) of each UTC instant (naive
    ``datetime64[ns]``): the day whose midnight, as
    :func:`~vger.metrics.calendar.local_midnight_to_utc` places it, is the last at or
    before the instant, the day index the flow's range read gives."""
    if len(instants) == 0:
        return np.zeros(0, dtype=np.int64)
    ns = np.asarray(instants, dtype="datetime64[ns]")
    utc_day = (ns.astype("datetime64[D]") - _EPOCH).astype(np.int64)
    # a local day lies within a day of the UTC one (offsets under 24 h)
    lo, starts = _midnights(tz, int(utc_day.min()) - 2, int(utc_day.max()) + 2)
    return lo - 1 + np.searchsorted(starts, ns, side="right")


#: tz -> (first day, UTC instants of local midnights from that day on): every saved page
#: looks its days up here instead of converting its instants with pandas (0.3 ms a page)
_MIDNIGHTS: dict[str, tuple[int, np.ndarray]] = {}


def _midnights(tz: str, lo: int, hi: int) -> tuple[int, np.ndarray]:
    """(first, starts): naive UTC ``datetime64[ns]`` midnights of the local days
    ``first, first + 1, ...`` in ``tz``, covering days ``lo..hi`` (cached per zone, widened
    by a year when a day falls outside)."""
    have = _MIDNIGHTS.get(tz)
    if have is not None and have[0] <= lo and have[0] + len(have[1]) - 1 >= hi:
        return have
    if have is not None:
        lo, hi = min(lo, have[0]), max(hi, have[0] + len(have[1]) - 1)
    lo, hi = lo - 366, hi + 366
    labels = pd.DatetimeIndex(_EPOCH + np.arange(lo, hi + 1).astype("timedelta64[D]"))
    starts = local_midnight_to_utc(labels, tz).tz_localize(None).to_numpy(dtype="datetime64[ns]")
    _MIDNIGHTS[tz] = (lo, starts)
    return lo, starts


def _blank(values: np.ndarray) -> np.ndarray:
    """Missing (None or NaN, as a frame read from the store holds it) or blank.

    A page's thousand status ids hold a few distinct values: those are tested, and each
    cell takes its value's answer."""
    cells = np.asarray(values, dtype=object)
    items = cells.tolist()
    try:
        distinct = list(dict.fromkeys(items))
    except TypeError:  # an unhashable value: every cell tested
        return _blank_cells(cells)
    if len(distinct) * 4 > len(items):
        return _blank_cells(cells)
    tested = np.empty(len(distinct), dtype=object)
    for k, v in enumerate(distinct):  # one cell each, whatever the value
        tested[k] = v
    marks = dict(zip(distinct, _blank_cells(tested).tolist(), strict=True))
    return np.fromiter(map(marks.__getitem__, items), bool, len(items))


def _blank_cells(cells: np.ndarray) -> np.ndarray:
    """:func:`_blank` of each cell (an object array)."""
    missing = np.asarray(pd.isna(cells), dtype=bool)
    if not len(cells):
        return missing
    return missing | (np.strings.strip(cells.astype(str)) == "")


@dataclass(frozen=True)
class Counts:
    """One batch of issues' counts: ``rows`` (columns issue_type, is_subtask, status_id,
    day, delta, entered: numpy arrays, or a frame's) and ``odd`` (issues left out, see
    the module's docstring)."""

    rows: Mapping[str, Sequence]
    odd: int


def _strings(values) -> np.ndarray:
    return np.asarray(values).astype(str).astype(object)


def _codes(values) -> tuple[np.ndarray, np.ndarray]:
    """(the distinct ``str`` of ``values``, sorted; each value's position among them), as
    ``np.unique(values.astype(str), return_inverse=True)`` gives them: the few distinct
    values of a page's thousand are found with a dict, then sorted."""
    texts = list(map(str, values.tolist() if isinstance(values, np.ndarray) else values))
    first = dict.fromkeys(texts)
    distinct = sorted(first)
    rank = {v: k for k, v in enumerate(distinct)}
    code = np.fromiter(map(rank.__getitem__, texts), np.int64, len(texts))
    return np.array(distinct, dtype=str), code


def _positions(ids: np.ndarray, wanted: Sequence) -> np.ndarray:
    """Position in ``ids`` of each of ``wanted`` (-1 when absent), as
    ``pd.Index(ids).get_indexer`` gives it (which refuses repeated ids) at a tenth of
    its cost on a page."""
    index = {v: k for k, v in enumerate(ids.tolist())}
    if len(index) != len(ids):
        return pd.Index(ids).get_indexer(_strings(wanted))  # raises: repeated ids
    texts = map(str, wanted.tolist() if isinstance(wanted, np.ndarray) else wanted)
    return np.fromiter(map(index.get, texts, repeat(-1)), np.int64, len(wanted))


def counts_of(issues: Mapping[str, Sequence], moves: Mapping[str, Sequence], tz: str) -> Counts:
    """The counts of ``issues`` (issue_id, issue_type, is_subtask, created as naive UTC
    ``datetime64[ns]``, status_id) with their ``moves`` (issue_id, seq, at as naive UTC,
    from_status_id, to_status_id), days in ``tz``.

    Plain numpy over the columns, a few calls per page whatever its size: the ETL counts
    every saved page of about 100 issues, where pandas' per-call costs (sorting and
    grouping frames) made this 54 us an issue."""
    ids = _strings(issues["issue_id"])
    current = np.asarray(issues["status_id"], dtype=object)
    pos = _positions(ids, moves["issue_id"])
    at = np.asarray(moves["at"], dtype="datetime64[ns]")
    order = np.lexsort((np.asarray(moves["seq"]), at, pos))  # per issue, by time then seq
    order = order[pos[order] >= 0]  # moves of these issues only
    pos, at = pos[order], at[order]
    created = np.asarray(issues["created"], dtype="datetime64[ns]")
    to = np.asarray(moves["to_status_id"], dtype=object)[order]
    frm = np.asarray(moves["from_status_id"], dtype=object)[order]
    n = len(pos)
    first = np.ones(n, dtype=bool)
    first[1:] = pos[1:] != pos[:-1]
    last = np.ones(n, dtype=bool)
    last[:-1] = pos[:-1] != pos[1:]
    # what each move leaves by the range read: its ``from`` (the issue's current status
    # when blank); by the history: the status the previous move entered
    left = np.where(_blank(frm), current[pos], frm)
    previous = np.empty(n, dtype=object)
    previous[1:] = to[:-1]
    odd = np.zeros(len(ids), dtype=bool)
    odd[pos[(~first & (left != previous)) | (at < created[pos])]] = True  # any move's
    odd[pos[last]] |= to[last] != current[pos[last]]
    odd |= _blank(current)
    odd[pos[_blank(to)]] = True
    opening = current.copy()  # created in: the first move's ``from``, else the current one
    opening[pos[first]] = left[first]
    out = np.where(first, left, previous)
    keep = ~odd[pos]
    days = local_days(np.concatenate([created, at]), tz)
    made, moved = days[: len(ids)][~odd], days[len(ids) :][keep]
    owner = np.concatenate([np.flatnonzero(~odd), pos[keep], pos[keep]])  # issue of each row
    status = np.concatenate([opening[~odd], to[keep], out[keep]])
    day = np.concatenate([made, moved, moved]).astype(np.int64)
    ones, twos = int((~odd).sum()), int(keep.sum())
    delta = np.concatenate([np.ones(ones + twos, np.int64), -np.ones(twos, np.int64)])
    entered = np.concatenate([np.ones(ones + twos, np.int64), np.zeros(twos, np.int64)])
    # one row per (issue type, sub-task, status, day): codes combined into one integer
    n_issues = len(ids)
    types, type_code = _codes(issues["issue_type"])
    subtask = issues.get("is_subtask")
    subtask = np.zeros(n_issues, bool) if subtask is None else np.asarray(subtask, dtype=bool)
    kind = type_code.astype(np.int64) * 2 + subtask
    statuses, state = _codes(status)
    low = int(day.min()) if len(day) else 0
    span = int(day.max()) - low + 1 if len(day) else 1
    key = (kind[owner] * len(statuses) + state) * span + (day - low)
    unique, where = np.unique(key, return_inverse=True)
    sums = np.bincount(where, weights=delta, minlength=len(unique)).astype(np.int64)
    ins = np.bincount(where, weights=entered, minlength=len(unique)).astype(np.int64)
    wanted = (sums != 0) | (ins != 0)
    unique, sums, ins = unique[wanted], sums[wanted], ins[wanted]
    kind_of = unique // (span * len(statuses))
    rows = {
        "issue_type": types[kind_of // 2].astype(object),
        "is_subtask": (kind_of % 2).astype(bool),
        "status_id": statuses[(unique // span) % len(statuses)].astype(object),
        "day": unique % span + low,
        "delta": sums,
        "entered": ins,
    }
    return Counts(rows, int(odd.sum()))
