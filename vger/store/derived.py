"""The derived columns of stored issues (start, done, outcome, lead times, packed state
times, aging marks) and their ``issue_state_time`` rows, from
:func:`vger.metrics.event_arrays.derive_arrays` over the columns the load path holds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from vger.metrics.aging import aging_marks
from vger.metrics.event_arrays import EventArrays, MoveArrays, derive_arrays
from vger.metrics.events import Workflow

if TYPE_CHECKING:
    from vger.store.boards import Board

DERIVED = (
    "start",
    "done",
    "outcome",
    "lead_time_days",
    "lead_time_working_days",
    "state_days",
    "leave_days",
    "state_position",
    "state_since",
)
_TRIPLE = 3 * 8  # vger.store.statepack: (position, days, working_days) as float64


@dataclass
class Derived:
    """What :func:`derive` found for ``n`` issues (``arrays`` None: no workflow yet)."""

    arrays: EventArrays | None
    n: int
    workflow: Workflow | None = None

    def issue_columns(self) -> dict[str, Any]:
        """start, done (naive UTC ``datetime64``), outcome, lead times (days; None when
        there is none), state_days (packed) per issue."""
        d = self.arrays
        if d is None or self.workflow is None:
            return {c: [None] * self.n for c in DERIVED}
        m = aging_marks(d, self.workflow)
        return {
            "start": d.start.view("datetime64[ns]"),
            "done": d.done.view("datetime64[ns]"),
            "outcome": d.outcome.tolist(),
            "lead_time_days": _floats(d.lead_time_days),
            "lead_time_working_days": _floats(d.lead_time_working_days),
            "state_days": _pack(
                self.n, d.state_issue, d.state_position, d.state_days, d.state_working_days
            ),
            "leave_days": _pack(
                self.n, m.leave_issue, m.leave_position, m.leave_days, m.leave_working_days
            ),
            "state_position": m.state_position.tolist(),
            "state_since": m.state_since.view("datetime64[ns]"),
        }

    def state_columns(self, board_id: int) -> dict[str, Any]:
        """``issue_state_time`` rows, column-wise."""
        d = self.arrays
        if d is None:
            return {"board_id": []}
        return {
            "board_id": [board_id] * len(d.state_issue),
            "issue_id": d.issue_ids[d.state_issue].tolist(),
            "position": d.state_position.tolist(),
            "state": d.state_name.tolist(),
            "days": d.state_days.tolist(),
            "working_days": d.state_working_days.tolist(),
        }


def _pack(
    n: int, issue: np.ndarray, position: np.ndarray, days: np.ndarray, working: np.ndarray
) -> list[bytes | None]:
    """Each issue's (position, days, working_days) triples, in row order, packed as
    :func:`vger.store.statepack.pack` packs them; None for an issue without any. The
    rows of an issue are adjacent."""
    out: list[bytes | None] = [None] * n
    if not len(issue):
        return out
    triples = np.column_stack([position, days, working])
    blob = np.ascontiguousarray(triples, dtype="<f8").tobytes()
    rows, first, count = np.unique(issue, return_index=True, return_counts=True)
    for r, f, c in zip(rows.tolist(), first.tolist(), count.tolist(), strict=True):
        out[r] = blob[f * _TRIPLE : (f + c) * _TRIPLE]
    return out


def derive(
    board: Board,
    workflow: Workflow | None,
    issue_ids: np.ndarray,
    created: np.ndarray,
    status_ids: Sequence[Any],
    resolutions: Sequence[Any],
    moves: MoveArrays,
) -> Derived:
    """The derived values of the issues (``created``: naive UTC ``datetime64[ns]``), by
    the board's time zone and abandoned resolutions."""
    if workflow is None:
        return Derived(None, len(issue_ids))
    arrays = derive_arrays(
        issue_ids,
        created,
        np.asarray(status_ids, dtype=object),
        np.asarray(resolutions, dtype=object),
        moves,
        workflow,
        tz=board.tz,
        abandoned=board.abandoned,
    )
    return Derived(arrays, len(issue_ids), workflow)


def columns_of(rows: Sequence[dict[str, Any]], names: Sequence[str]) -> dict[str, list]:
    """``rows`` (dicts) column-wise for ``names`` (at least two); a missing key is None."""
    if not rows:
        return {c: [] for c in names}
    try:
        values = list(zip(*map(itemgetter(*names), rows), strict=True))
    except KeyError:
        values = [[r.get(c) for r in rows] for c in names]
    return {c: list(v) for c, v in zip(names, values, strict=True)}


def naive_utc(values: pd.Series) -> np.ndarray:
    """Timestamps (aware or naive UTC) as naive UTC ``datetime64[ns]``."""
    index = pd.DatetimeIndex(pd.to_datetime(values, utc=True))
    return index.tz_localize(None).to_numpy(dtype="datetime64[ns]")


def _floats(x: np.ndarray) -> list:
    """Floats with NaN as None."""
    out = x.astype(object)
    out[np.isnan(x)] = None
    return out.tolist()
