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
    values = resolutions if isinstance(resolutions, np.ndarray) else list(resolutions)
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    hit = [isinstance(r, str) and r.strip().casefold() in wanted for r in uniques]
    return np.array([*hit, False], dtype=bool)[codes]  # one test per distinct resolution


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
    working days skip Saturdays and Sundays in ``tz``. The frames' form of
    :func:`vger.metrics.event_arrays.derive_arrays`, which holds the rules."""
    from vger.metrics.event_arrays import MoveArrays, derive_arrays  # it reads Workflow

    moves = MoveArrays.of_frame(transitions)
    d = derive_arrays(
        issues["issue_id"].astype(str).to_numpy(),
        _ns(issues["created"]),
        issues["status_id"].astype(object).to_numpy(),
        issues["resolution"],
        moves,
        workflow,
        tz=tz,
        abandoned=abandoned,
    )
    events = pd.DataFrame(
        {
            "issue_id": d.issue_ids,
            "start": _utc_from_ns(d.start),
            "done": _utc_from_ns(d.done),
            "outcome": pd.Series(d.outcome, dtype=object),
            "lead_time_days": d.lead_time_days,
            "lead_time_working_days": d.lead_time_working_days,
        }
    )
    state_times = pd.DataFrame(
        {
            "issue_id": pd.Series(d.issue_ids[d.state_issue], dtype=object),
            "state": pd.Series(d.state_name, dtype=object),
            "position": pd.Series(d.state_position, dtype="int64"),
            "days": pd.Series(d.state_days, dtype=float),
            "working_days": pd.Series(d.state_working_days, dtype=float),
        }
    )
    return IssueEvents(events=events, state_times=state_times)


def _utc_from_ns(values: np.ndarray) -> pd.Series:
    """UTC timestamps from nanoseconds since the epoch (int64 minimum -> NaT)."""
    array = np.asarray(values, dtype=np.int64)
    return pd.Series(pd.DatetimeIndex(array.view("datetime64[ns]")).tz_localize("UTC"))


def _ns(values: pd.Series) -> np.ndarray:
    index = pd.DatetimeIndex(pd.to_datetime(values, utc=True)).tz_localize(None)
    return index.to_numpy(dtype="datetime64[ns]")
