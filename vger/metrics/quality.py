"""Data-quality checks: which issues the numbers treat specially, and why.

Every check is a small pure function over plain DataFrames and answers one row per
affected issue (``issue_id``, ``key``, ``detail``, :mod:`vger.metrics.quality_rows`).
The checks that read the status history are in :mod:`vger.metrics.quality_history`; the
ones here read the issue rows. :func:`report` puts both together with a title, a count
and a one-sentence explanation of why it matters for the numbers: over the whole history,
``report(issues, workflow, quality_history.history(issues, transitions, workflow), ...)``;
over the hits the store keeps, :func:`vger.store.quality_hits.stored_checks`.

Inputs (as :mod:`vger.metrics.events`, plus what the store derived from it):

- ``issues``: ``issue_id``, ``key``, ``created`` (UTC), ``status_id`` (current),
  ``resolution``, ``start``, ``done``, ``outcome``, ``lead_time`` (days per the board
  option), ``lead_time_days`` (calendar days), optionally ``history_cut`` (bool)
- ``transitions``: ``issue_id``, ``seq`` (changelog order), ``at`` (UTC),
  ``from_status_id``, ``to_status_id``

Positions are work-state indexes of the :class:`~vger.metrics.events.Workflow`; -1 is a
status that belongs to no work state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from vger.metrics.blocked import flagged_days
from vger.metrics.events import Workflow
from vger.metrics.quality_history import HISTORY_CHECKS, History, unmapped_in_history
from vger.metrics.quality_rows import (
    blanks,
    day_text,
    fixed1,
    joined,
    no_rows,
    per_status,
    positions,
    rows_of,
    with_key_rank,
)

OUTLIER_FACTOR = 3.0
PERCENTILE = 0.9


@dataclass
class Check:
    """One data-quality check: ``count`` of ``unit`` (issues, or statuses for the
    unmapped-history check) and the affected issues in ``rows`` (issue_id, key, detail)."""

    id: str
    title: str
    why: str
    count: int
    rows: pd.DataFrame
    unit: str = "issues"


def completed_without_start(issues: pd.DataFrame) -> pd.DataFrame:
    """Completed issues with no ``start``: they never entered the lead-time interval
    before their final ``done``, so they count in throughput but have no lead time."""
    mask = (issues["outcome"] == "completed") & pd.to_datetime(issues["start"], utc=True).isna()
    picked = issues[mask]
    return rows_of(picked, joined("done ", day_text(picked["done"])))


def cut_history(issues: pd.DataFrame) -> pd.DataFrame:
    """Issues whose status history Jira answered only in part (``history_cut``): their
    oldest moves are missing, so start, state times and lead time may be wrong."""
    if "history_cut" not in issues:
        return no_rows()
    picked = issues[issues["history_cut"].fillna(False).astype(bool).to_numpy()]
    return rows_of(picked, "history cut by Jira")


def unmapped_now(
    issues: pd.DataFrame, workflow: Workflow, names: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Issues whose current status belongs to no work state: their time since the last
    move is attributed to "(unmapped)" and they never count as done."""
    names = names or {}
    mask = positions(issues["status_id"], workflow) < 0
    picked = issues[mask & issues["status_id"].notna().to_numpy()]
    return rows_of(
        picked,
        per_status(picked["status_id"], lambda s: f"now in {names.get(str(s), s)} (status id {s})"),
    )


def done_without_resolution(issues: pd.DataFrame, workflow: Workflow) -> pd.DataFrame:
    """Issues in a done state (after the interval) with no resolution: they count as
    completed, though Jira may consider them unfinished."""
    first_done = workflow.interval_end + 1
    pos = positions(issues["status_id"], workflow)
    picked = issues[(pos >= first_done) & blanks(issues["resolution"])]
    return rows_of(picked, "in a done state, resolution empty")


def resolved_not_done(issues: pd.DataFrame, workflow: Workflow) -> pd.DataFrame:
    """Issues with a resolution that are not in a done state (including unmapped
    statuses): Jira calls them resolved, the numbers treat them as open."""
    first_done = workflow.interval_end + 1
    pos = positions(issues["status_id"], workflow)
    picked = issues[(pos < first_done) & ~blanks(issues["resolution"])]
    resolution = picked["resolution"].astype(str).to_numpy(dtype=object)
    return rows_of(picked, joined("resolution ", resolution, ", not in a done state"))


def p90(values: pd.Series) -> float:
    """The 90th percentile (linear, as everywhere) of the finite values; NaN when none."""
    x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    x = x[np.isfinite(x)]
    return float(np.quantile(x, PERCENTILE)) if len(x) else float("nan")


def long_lead_times(issues: pd.DataFrame, unit: str = "days") -> tuple[pd.DataFrame, float]:
    """Completed issues whose lead time exceeds 3 × the 90th percentile of the board's
    lead times (``lead_time``): outliers that pull every percentile line up. Returns
    (rows, threshold)."""
    done = issues[(issues["outcome"] == "completed") & issues["lead_time"].notna()]
    threshold = OUTLIER_FACTOR * p90(done["lead_time"])
    if np.isnan(threshold):
        return no_rows(), threshold
    picked = done[done["lead_time"].astype(float) > threshold]
    text = joined(fixed1(picked["lead_time"]), f" {unit} (limit {threshold:.1f})")
    return rows_of(picked, text), threshold


def stuck(
    issues: pd.DataFrame, last: pd.Series, workflow: Workflow, now: pd.Timestamp
) -> tuple[pd.DataFrame, float]:
    """Open issues now in a lead-time-interval state whose last move (or creation) is
    longer ago than the 90th percentile of completed lead times in calendar days
    (``lead_time_days``): aging work that will land as an outlier. ``last``: each
    issue's latest move or creation (UTC) by row position in ``issues``
    (:func:`vger.metrics.quality_history.last_moves`). Returns (rows, limit)."""
    limit = p90(issues.loc[issues["outcome"] == "completed", "lead_time_days"])
    if np.isnan(limit):
        return no_rows(), limit
    lo, hi = workflow.interval_start, workflow.interval_end
    pos = positions(issues["status_id"], workflow)
    is_open = (pos >= lo) & (pos <= hi) & issues["outcome"].isna().to_numpy()
    open_ = issues[is_open]
    now = pd.Timestamp(now)
    now = now.tz_localize("UTC") if now.tzinfo is None else now.tz_convert("UTC")
    idle = (now - last.reindex(np.flatnonzero(is_open))).dt.total_seconds() / 86_400
    picked = open_[(idle > limit).to_numpy()]
    days = idle[(idle > limit)].to_numpy()
    return rows_of(
        picked, joined("no move for ", fixed1(days), f" days (limit {limit:.1f})")
    ), limit


FLAGGED_PERCENTILE = 0.85


def flagged_long(
    issues: pd.DataFrame,
    flags: pd.DataFrame | None,
    now: pd.Timestamp,
    *,
    tz: str = "UTC",
    working_days: bool = False,
    unit: str = "days",
) -> tuple[pd.DataFrame, float]:
    """Items (done or not) flagged in Jira (an impediment) for longer than the 85th
    percentile of the completed lead times (``lead_time``): days flagged by
    :func:`vger.metrics.blocked.flagged_days` inside ``start``..``done`` (or ..``now``).
    Returns (rows, limit)."""
    limit = _quantile(issues.loc[issues["outcome"] == "completed", "lead_time"], FLAGGED_PERCENTILE)
    if flags is None or flags.empty or np.isnan(limit):
        return no_rows(), limit
    now = pd.Timestamp(now)
    now = now.tz_localize("UTC") if now.tzinfo is None else now.tz_convert("UTC")
    done = pd.to_datetime(issues["done"], utc=True)
    windows = pd.DataFrame(
        {"issue_id": issues["issue_id"], "start": issues["start"], "end": done.fillna(now)}
    )
    days = flagged_days(flags, windows, tz=tz, working_days=working_days).to_numpy()
    over = np.nan_to_num(days, nan=0.0) > limit
    text = joined("flagged ", fixed1(days[over]), f" {unit} (limit {limit:.1f})")
    return rows_of(issues[over], text), limit


def _quantile(values: pd.Series, q: float) -> float:
    x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    x = x[np.isfinite(x)]
    return float(np.quantile(x, q)) if len(x) else float("nan")


WHY = {
    "history_cut": "Jira answered only the newest part of their status history, so their "
    "start, time per state and lead time may be wrong.",
    "completed_without_start": "They count in throughput but have no lead time, so lead-time "
    "percentiles are computed over fewer issues than throughput counts.",
    "unmapped_now": "Their current status belongs to no work state, so their time is attributed "
    'to "(unmapped)" and they can never count as done.',
    "unmapped_statuses": 'Time spent in these statuses is attributed to "(unmapped)" instead of '
    "a work state; map them under Admin → work states.",
    "done_without_resolution": "They count as completed because they are in a done state, "
    "although Jira has no resolution for them.",
    "resolved_not_done": "Jira calls them resolved, but they are not in a done state, so they "
    "count as open work and not in throughput.",
    "reopened": "Only the last entry into done counts, so their throughput moves to the week of "
    "the final done and their lead time includes the rework.",
    "backward_moves": "Moving back to an earlier work state adds the rework to per-state times "
    "and lengthens the lead time.",
    "skipped_interval": "They never entered the lead-time interval, so they have no start and no "
    "lead time even when completed.",
    "entered_late": "They entered the interval only after having been done, so their lead time "
    "starts late and covers only the rework.",
    "before_created": "Moves dated before the issue's creation give negative time in a state and "
    "can put start or done before creation.",
    "out_of_order": "The metrics sort moves by time; a changelog whose dates go backwards may "
    "have been edited or imported, so states and times may be wrong.",
    "long_lead_times": "Outliers above 3 × the 90th percentile pull every lead-time percentile "
    "line up; check whether they were really worked on that long.",
    "stuck": "Open work in the interval that has not moved for longer than 90 % of issues took "
    "to finish will land as a long lead time; it is aging now.",
    "flagged_long": "Flagged as impeded in Jira for longer than 85 % of issues took to finish: "
    "blocked work that dominates its lead time; find out what it waits for.",
}


HISTORY_TITLES = {
    "reopened": "Reopened after done",
    "backward_moves": "Moved backwards",
    "skipped_interval": "Skipped the lead-time interval",
    "entered_late": "Entered the interval after done",
    "before_created": "Moves before creation",
    "out_of_order": "History out of order",
}


def report(
    issues: pd.DataFrame,
    workflow: Workflow,
    found: History,
    *,
    now: pd.Timestamp,
    names: Mapping[str, str] | None = None,
    unit: str = "days",
    flags: pd.DataFrame | None = None,
    tz: str = "UTC",
    working_days: bool = False,
) -> list[Check]:
    """Every check, in report order: the issue-row checks over ``issues`` and the
    history checks' results ``found`` (from the history, or as the store keeps them);
    ``flags``: the issues' Jira Flagged changes (``issue_id``, ``at``, ``flagged``),
    days flagged in the board's unit (``working_days``, team time zone ``tz``)."""
    issues = with_key_rank(issues)  # every check's rows sorted by one number
    unmapped_rows, unmapped_ids = unmapped_in_history(issues, found.unmapped, names)
    long_rows, long_limit = long_lead_times(issues, unit)
    stuck_rows, stuck_limit = stuck(issues, found.last_move, workflow, now)
    flag_rows, flag_limit = flagged_long(
        issues, flags, now, tz=tz, working_days=working_days, unit=unit
    )
    flag_title = "Flagged longer than the 85 % lead time"
    if not np.isnan(flag_limit):
        flag_title += f" (over {flag_limit:.1f} {unit})"
    long_title = "Very long lead times"
    if not np.isnan(long_limit):
        long_title += f" (above {long_limit:.1f} {unit})"
    stuck_title = "Stuck in the interval"
    if not np.isnan(stuck_limit):
        stuck_title += f" (no move for over {stuck_limit:.1f} days)"
    found_rows: list[tuple[str, str, pd.DataFrame]] = [
        ("history_cut", "History cut by Jira", cut_history(issues)),
        ("completed_without_start", "Completed without start", completed_without_start(issues)),
        ("unmapped_now", "Now in an unmapped status", unmapped_now(issues, workflow, names)),
        ("unmapped_statuses", "Unmapped statuses in the history", unmapped_rows),
        (
            "done_without_resolution",
            "Done without a resolution",
            done_without_resolution(issues, workflow),
        ),
        ("resolved_not_done", "Resolved but not done", resolved_not_done(issues, workflow)),
        *[(check, HISTORY_TITLES[check], found.hits[check]) for check in HISTORY_CHECKS],
        ("long_lead_times", long_title, long_rows),
        ("stuck", stuck_title, stuck_rows),
        ("flagged_long", flag_title, flag_rows),
    ]
    checks = []
    for check_id, title, rows in found_rows:
        if check_id == "unmapped_statuses":
            checks.append(
                Check(check_id, title, WHY[check_id], len(unmapped_ids), rows, "statuses")
            )
        else:
            checks.append(Check(check_id, title, WHY[check_id], int(len(rows)), rows))
    return checks


CHECK_IDS: tuple[str, ...] = tuple(WHY)
