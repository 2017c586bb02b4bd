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
    working days skip Saturdays and Sundays in ``tz``."""
    n = len(issues)
    issue_ids = issues["issue_id"].astype(str).to_numpy()
    created_ns = _ns(issues["created"])
    created_wc = working_clock(issues["created"], tz)
    statuses = issues["status_id"].astype(object).to_numpy()
    is_abandoned = abandoned_mask(issues["resolution"], abandoned)

    order, slices = _transition_slices(transitions)
    position = workflow.position
    if len(transitions):
        t = transitions.iloc[order]
        t_at = _ns(t["at"]).astype("int64").tolist()
        t_wc = working_clock(t["at"], tz).tolist()
        t_to_pos = [position(x) for x in t["to_status_id"].astype(object).tolist()]
    else:
        t_at, t_wc, t_to_pos = [], [], []
    created_at = created_ns.astype("int64").tolist()
    created_clock = created_wc.tolist()
    status_list = statuses.tolist()
    first_statuses = created_status(issues, transitions).tolist()

    first_done = workflow.interval_end + 1
    lo_int, hi_int = workflow.interval_start, workflow.interval_end
    names = workflow.state_names
    ns_per_day = 1e9 * SECONDS_PER_DAY

    starts: list[int | None] = [None] * n
    dones: list[int | None] = [None] * n
    outcomes: list[object] = [None] * n
    lead = np.full(n, np.nan)
    lead_wd = np.full(n, np.nan)
    st_issue: list[str] = []
    st_pos: list[int] = []
    st_days: list[float] = []
    st_wdays: list[float] = []

    for i in range(n):
        lo, hi = slices.get(issue_ids[i], (0, 0))
        # Visits: position, entered at (ns since epoch), entered at working clock (s).
        positions = [position(first_statuses[i]), *t_to_pos[lo:hi]]
        at = [created_at[i], *t_at[lo:hi]]
        wc = [created_clock[i], *t_wc[lo:hi]]
        current = position(status_list[i]) if status_list[i] is not None else positions[-1]

        done_visit = -1
        if current >= first_done:
            for v in range(len(positions) - 1, -1, -1):
                if positions[v] >= first_done and (v == 0 or positions[v - 1] < first_done):
                    done_visit = v
                    break
        start_visit = -1
        limit = done_visit if done_visit >= 0 else len(positions)
        for v in range(limit):
            if lo_int <= positions[v] <= hi_int:
                start_visit = v
                break
        if start_visit >= 0:
            starts[i] = at[start_visit]
        if done_visit < 0:
            continue
        dones[i] = at[done_visit]
        outcomes[i] = "abandoned" if is_abandoned[i] else "completed"
        if start_visit < 0:
            continue
        lead[i] = (at[done_visit] - at[start_visit]) / ns_per_day
        lead_wd[i] = (wc[done_visit] - wc[start_visit]) / SECONDS_PER_DAY
        per_state: dict[int, list[float]] = {}
        for v in range(start_visit, done_visit):
            acc = per_state.setdefault(positions[v], [0.0, 0.0])
            acc[0] += (at[v + 1] - at[v]) / ns_per_day
            acc[1] += (wc[v + 1] - wc[v]) / SECONDS_PER_DAY
        for pos, (days, wdays) in per_state.items():
            st_issue.append(issue_ids[i])
            st_pos.append(pos)
            st_days.append(days)
            st_wdays.append(wdays)

    events = pd.DataFrame(
        {
            "issue_id": issue_ids,
            "start": _utc_from_ns(starts),
            "done": _utc_from_ns(dones),
            "outcome": pd.Series(outcomes, dtype=object),
            "lead_time_days": lead,
            "lead_time_working_days": lead_wd,
        }
    )
    state_times = pd.DataFrame(
        {
            "issue_id": pd.Series(st_issue, dtype=object),
            "state": pd.Series([names[p] if p >= 0 else UNMAPPED for p in st_pos], dtype=object),
            "position": pd.Series(st_pos, dtype="int64"),
            "days": pd.Series(st_days, dtype=float),
            "working_days": pd.Series(st_wdays, dtype=float),
        }
    )
    return IssueEvents(events=events, state_times=state_times)


def _utc_from_ns(values: list[int | None]) -> pd.Series:
    """UTC timestamps from nanoseconds since the epoch (None -> NaT)."""
    array = np.array([np.iinfo(np.int64).min if v is None else v for v in values], dtype=np.int64)
    return pd.Series(pd.DatetimeIndex(array.view("datetime64[ns]")).tz_localize("UTC"))


def _ns(values: pd.Series) -> np.ndarray:
    index = pd.DatetimeIndex(pd.to_datetime(values, utc=True)).tz_localize(None)
    return index.to_numpy(dtype="datetime64[ns]")


def _transition_slices(transitions: pd.DataFrame) -> tuple[np.ndarray, dict[str, tuple[int, int]]]:
    """Sort transitions by (issue, time, changelog order); map issue -> [lo, hi) slice."""
    if len(transitions) == 0:
        return np.array([], dtype=np.int64), {}
    ids = transitions["issue_id"].astype(str).to_numpy()
    at = _ns(transitions["at"])
    seq = transitions["seq"].to_numpy()
    order = np.lexsort((seq, at, ids))
    sorted_ids = ids[order]
    uniques, first = np.unique(sorted_ids, return_index=True)
    bounds = list(first) + [len(sorted_ids)]
    slices = {str(uniques[k]): (int(bounds[k]), int(bounds[k + 1])) for k in range(len(uniques))}
    return order, slices
