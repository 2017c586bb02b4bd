"""Data-quality checks: which issues the numbers treat specially, and why.

Every check is a small pure function over plain DataFrames and answers one row per
affected issue (``issue_id``, ``key``, ``detail``). :func:`run_checks` runs them all and
adds a title, a count and a one-sentence explanation of why it matters for the numbers.

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
from vger.metrics.events import Workflow, created_status

ROW_COLUMNS = ["issue_id", "key", "detail"]
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


def _rows(frame: pd.DataFrame, detail) -> pd.DataFrame:
    """Result rows for the issues in ``frame``, sorted by key (naturally: EX-2 < EX-10)."""
    out = pd.DataFrame(
        {
            "issue_id": frame["issue_id"].astype(str).to_numpy(),
            "key": frame["key"].astype(str).to_numpy(),
            "detail": list(detail) if not isinstance(detail, str) else [detail] * len(frame),
        },
        columns=ROW_COLUMNS,
    )
    return sort_keys(out)


def sort_keys(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows ordered by issue key, numerically within a project (EX-2 before EX-10)."""
    if frame.empty:
        return frame.reset_index(drop=True)
    parts = frame["key"].astype(str).str.rsplit("-", n=1, expand=True)
    project = parts[0]
    number = pd.to_numeric(parts[1], errors="coerce") if parts.shape[1] > 1 else np.nan
    order = pd.DataFrame({"p": project, "n": number, "k": frame["key"]}).sort_values(
        ["p", "n", "k"], na_position="last"
    )
    return frame.loc[order.index].reset_index(drop=True)


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in ROW_COLUMNS})


def _days(at: pd.Series | pd.Index | np.ndarray) -> np.ndarray:
    """Each instant as ``YYYY-MM-DD HH:MM UTC`` text (one vectorised pass)."""
    return pd.Series(pd.to_datetime(at, utc=True)).dt.strftime("%Y-%m-%d %H:%M UTC").to_numpy()


def _utc(values) -> np.ndarray:
    """Instants as naive UTC ``datetime64`` (fast to compare and to rebuild)."""
    return pd.DatetimeIndex(pd.to_datetime(values, utc=True)).tz_convert(None).to_numpy()


def _blanks(values: pd.Series) -> np.ndarray:
    """True where a value is missing or only whitespace."""
    text = values.astype(object).where(values.notna(), "")
    return text.astype(str).str.strip().eq("").to_numpy()


def _plural(n: pd.Series | np.ndarray) -> np.ndarray:
    """ "s" where ``n`` != 1, else ""."""
    return np.where(np.asarray(n) != 1, "s", "")


def _text(*parts) -> np.ndarray:
    """Element-wise concatenation of text arrays and strings."""
    out = np.asarray(parts[0], dtype=object)
    for part in parts[1:]:
        out = out + (np.asarray(part, dtype=object) if not isinstance(part, str) else part)
    return out


def _fixed1(x) -> np.ndarray:
    """Numbers with one decimal, exactly as ``f"{x:.1f}"``."""
    return np.char.mod("%.1f", np.asarray(x, dtype=float)).astype(object)


# --------------------------------------------------------------------------- history


def _issue_rows(issues: pd.DataFrame, issue_ids: pd.Series) -> np.ndarray:
    """Row position in ``issues`` of each id (-1 for an id ``issues`` does not hold);
    issue ids are unique on a board."""
    return pd.Index(issues["issue_id"].astype(str).to_numpy()).get_indexer(
        issue_ids.astype(str).to_numpy()
    )


def _moves(issues: pd.DataFrame, transitions: pd.DataFrame) -> pd.DataFrame:
    """The moves of ``issues`` with ``issue`` (row position in ``issues``) and ``at`` as
    naive UTC ``datetime64``."""
    if not len(transitions):
        columns = ["issue", "seq", "at", "from_status_id", "to_status_id"]
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns}).astype({"issue": int})
    row = _issue_rows(issues, transitions["issue_id"])
    keep = row >= 0
    return pd.DataFrame(
        {
            "issue": row[keep],
            "seq": transitions["seq"].to_numpy()[keep],
            "at": _utc(transitions["at"])[keep],
            "from_status_id": transitions["from_status_id"].to_numpy(dtype=object)[keep],
            "to_status_id": transitions["to_status_id"].to_numpy(dtype=object)[keep],
        }
    )


def visits(issues: pd.DataFrame, transitions: pd.DataFrame, workflow: Workflow) -> pd.DataFrame:
    """Every status an issue was in, in the order the metrics read the history: one row
    per visit (``issue_id``, ``issue`` = row position in ``issues``, ``n`` = 0 for the
    status the issue was created in, ``at``, ``status_id``, ``position``). As
    :func:`~vger.metrics.events.derive_events`: moves are sorted by time, ties by
    changelog order; the first status is
    :func:`~vger.metrics.events.created_status`."""
    ids = issues["issue_id"].astype(str).to_numpy()
    t = _moves(issues, transitions).sort_values(["issue", "at", "seq"])
    start_status = created_status(issues, transitions)
    issue = t["issue"].to_numpy(dtype=np.int64)
    created = pd.DataFrame(
        {
            "issue": np.arange(len(ids)),
            "n": 0,
            "at": _utc(issues["created"]),
            "status_id": start_status.astype(object),
        }
    )
    moves = pd.DataFrame(
        {
            "issue": issue,
            "n": t.groupby("issue", sort=False).cumcount().to_numpy() + 1,
            "at": t["at"].to_numpy(),
            "status_id": t["to_status_id"].to_numpy(dtype=object),
        }
    )
    frame = pd.concat([created, moves], ignore_index=True) if len(moves) else created
    frame = frame.sort_values(["issue", "n"], kind="stable").reset_index(drop=True)
    frame.insert(0, "issue_id", ids[frame["issue"].to_numpy()])
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    frame["position"] = _positions(frame["status_id"], workflow)
    return frame


def _positions(status_ids: pd.Series, workflow: Workflow) -> np.ndarray:
    codes, uniques = pd.factorize(status_ids.astype(object), use_na_sentinel=True)
    lookup = np.array([workflow.position(u) for u in uniques] + [-1], dtype=np.int64)
    return lookup[codes]  # the sentinel -1 picks the trailing -1 (unknown status)


def _with_previous(v: pd.DataFrame) -> pd.DataFrame:
    """Visits after the first, with the position they came from (``prev``)."""
    prev = v.groupby("issue", sort=False)["position"].shift(1)
    out = v.assign(prev=prev)
    out = out[out["n"] > 0].copy()
    out["prev"] = out["prev"].astype("int64")
    return out


def _keyed(issues: pd.DataFrame, by_issue: pd.Series) -> pd.DataFrame:
    """``issues`` rows at the row positions in ``by_issue``'s index, with ``detail``."""
    by_issue = by_issue.sort_index()
    return _rows(issues.iloc[by_issue.index.to_numpy(dtype=np.int64)], by_issue.to_numpy())


# --------------------------------------------------------------------------- checks


def completed_without_start(issues: pd.DataFrame) -> pd.DataFrame:
    """Completed issues with no ``start``: they never entered the lead-time interval
    before their final ``done``, so they count in throughput but have no lead time."""
    mask = (issues["outcome"] == "completed") & pd.to_datetime(issues["start"], utc=True).isna()
    picked = issues[mask]
    return _rows(picked, _text("done ", _days(picked["done"])))


def cut_history(issues: pd.DataFrame) -> pd.DataFrame:
    """Issues whose status history Jira answered only in part (``history_cut``): their
    oldest moves are missing, so start, state times and lead time may be wrong."""
    if "history_cut" not in issues:
        return _empty()
    picked = issues[issues["history_cut"].fillna(False).astype(bool).to_numpy()]
    return _rows(picked, "history cut by Jira")


def unmapped_now(
    issues: pd.DataFrame, workflow: Workflow, names: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Issues whose current status belongs to no work state: their time since the last
    move is attributed to "(unmapped)" and they never count as done."""
    names = names or {}
    mask = _positions(issues["status_id"], workflow) < 0
    picked = issues[mask & issues["status_id"].notna().to_numpy()]
    return _rows(
        picked,
        _per_status(
            picked["status_id"], lambda s: f"now in {names.get(str(s), s)} (status id {s})"
        ),
    )


def _per_status(status_ids: pd.Series, label) -> np.ndarray:
    """``label(status)`` for each value, computed once per distinct status."""
    codes, uniques = pd.factorize(status_ids.astype(object))
    labels = np.array([label(u) for u in uniques] + [""], dtype=object)
    return labels[codes]


def unmapped_in_history(
    issues: pd.DataFrame, v: pd.DataFrame, names: Mapping[str, str] | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """Statuses the history (or a current status) shows that belong to no work state,
    and the issues that were in them. Returns (rows, status ids)."""
    names = names or {}
    hits = v[(v["position"] < 0) & v["status_id"].notna()]
    statuses = sorted({str(s) for s in hits["status_id"].unique()})
    # each issue's distinct unmapped statuses in the order it visited them, joined with ", "
    first = hits.drop_duplicates(["issue", "status_id"])
    label = _per_status(first["status_id"], lambda x: f"{names.get(str(x), x)} (id {x})")
    nth = first.groupby("issue", sort=False).cumcount().to_numpy()
    ids = first["issue"].to_numpy()
    by_issue = pd.Series(_text("was in ", label[nth == 0]), index=ids[nth == 0], dtype=object)
    for k in range(1, int(nth.max()) + 1 if len(nth) else 1):  # one pass per extra status
        at = nth == k
        by_issue.loc[ids[at]] = _text(by_issue.loc[ids[at]].to_numpy(), ", ", label[at])
    return _keyed(issues, by_issue), statuses


def done_without_resolution(issues: pd.DataFrame, workflow: Workflow) -> pd.DataFrame:
    """Issues in a done state (after the interval) with no resolution: they count as
    completed, though Jira may consider them unfinished."""
    first_done = workflow.interval_end + 1
    pos = _positions(issues["status_id"], workflow)
    picked = issues[(pos >= first_done) & _blanks(issues["resolution"])]
    return _rows(picked, "in a done state, resolution empty")


def resolved_not_done(issues: pd.DataFrame, workflow: Workflow) -> pd.DataFrame:
    """Issues with a resolution that are not in a done state (including unmapped
    statuses): Jira calls them resolved, the numbers treat them as open."""
    first_done = workflow.interval_end + 1
    pos = _positions(issues["status_id"], workflow)
    picked = issues[(pos < first_done) & ~_blanks(issues["resolution"])]
    resolution = picked["resolution"].astype(str).to_numpy(dtype=object)
    return _rows(picked, _text("resolution ", resolution, ", not in a done state"))


def reopened(issues: pd.DataFrame, v: pd.DataFrame, workflow: Workflow) -> pd.DataFrame:
    """Issues moved out of a done state after being in one: ``done`` is the last entry
    into done, so the first delivery's week does not count and the lead time spans the
    rework."""
    first_done = workflow.interval_end + 1
    m = _with_previous(v)
    hits = m[(m["prev"] >= first_done) & (m["position"] < first_done)]
    g = hits.groupby("issue", sort=False)["at"].agg(["size", "max"])
    n = g["size"].to_numpy()
    text = _text("reopened ", n.astype(str), " time", _plural(n), ", last ", _days(g["max"]))
    return _keyed(issues, pd.Series(text, index=g.index, dtype=object))


def backward_moves(issues: pd.DataFrame, v: pd.DataFrame, workflow: Workflow) -> pd.DataFrame:
    """Issues moved to an earlier work state from a backlog or interval state (moves out
    of done are reported as reopened): time in the earlier state counts again, so
    per-state times add rework."""
    first_done = workflow.interval_end + 1
    m = _with_previous(v)
    hits = m[
        (m["prev"] >= 0)
        & (m["prev"] < first_done)
        & (m["position"] >= 0)
        & (m["position"] < m["prev"])
    ]
    names = np.array(workflow.state_names, dtype=object)
    g = hits.groupby("issue", sort=False).agg(
        n=("prev", "size"), prev=("prev", "first"), to=("position", "first")
    )
    n = g["n"].to_numpy()
    text = _text(
        n.astype(str),
        " backward move",
        _plural(n),
        ", e.g. ",
        names[g["prev"].to_numpy(dtype=np.int64)],
        " → ",
        names[g["to"].to_numpy(dtype=np.int64)],
    )
    return _keyed(issues, pd.Series(text, index=g.index, dtype=object))


def _interval_flags(v: pd.DataFrame, workflow: Workflow) -> pd.DataFrame:
    lo, hi = workflow.interval_start, workflow.interval_end
    inside = (v["position"] >= lo) & (v["position"] <= hi)
    after = v["position"] > hi
    frame = v.assign(inside=inside, after=after)
    # Was a state after the interval visited before this visit (strictly earlier)?
    frame["after_before"] = (
        (frame.groupby("issue", sort=False)["after"].cummax().groupby(frame["issue"]).shift(1))
        .fillna(False)
        .astype(bool)
    )
    return frame


def skipped_interval(issues: pd.DataFrame, v: pd.DataFrame, workflow: Workflow) -> pd.DataFrame:
    """Issues that reached a state after the interval without ever being in it (e.g. To
    Do → Done): no start, so no lead time even when completed."""
    f = _interval_flags(v, workflow)
    g = f.groupby("issue", sort=False).agg(inside=("inside", "any"), after=("after", "any"))
    hit = g[g["after"] & ~g["inside"]]
    return _keyed(issues, pd.Series("never in the lead-time interval", index=hit.index))


def entered_late(issues: pd.DataFrame, v: pd.DataFrame, workflow: Workflow) -> pd.DataFrame:
    """Issues whose first entry into the interval came after they had been in a later
    (done) state: the lead time starts at that late entry and leaves out what happened
    before the first done."""
    f = _interval_flags(v, workflow)
    first = f[f["inside"]].groupby("issue", sort=False).head(1)
    hit = first[first["after_before"]]
    by_issue = pd.Series(
        _text("first entered the interval ", _days(hit["at"]), ", after being done"),
        index=hit["issue"].to_numpy(),
        dtype=object,
    )
    return _keyed(issues, by_issue)


def before_created(issues: pd.DataFrame, transitions: pd.DataFrame) -> pd.DataFrame:
    """Issues with a status move dated before the issue's creation (a clock or import
    problem): visits get negative durations and start/done may precede creation."""
    if not len(transitions):
        return _empty()
    t = _moves(issues, transitions)
    early = t[t["at"].to_numpy() < _utc(issues["created"])[t["issue"].to_numpy(dtype=np.int64)]]
    g = early.groupby("issue", sort=False)["at"].agg(["size", "min"])
    n = g["size"].to_numpy()
    text = _text(n.astype(str), " move", _plural(n), " before creation, earliest ", _days(g["min"]))
    return _keyed(issues, pd.Series(text, index=g.index, dtype=object))


def out_of_order(issues: pd.DataFrame, transitions: pd.DataFrame) -> pd.DataFrame:
    """Issues whose changelog (in changelog order) has a move dated earlier than a move
    before it: the metrics sort by time, which may differ from what Jira recorded."""
    if not len(transitions):
        return _empty()
    t = _moves(issues, transitions).sort_values(["issue", "seq"])
    latest = t.groupby("issue", sort=False)["at"].cummax()
    before = latest.groupby(t["issue"]).shift(1)
    back = t[before.notna() & (t["at"] < before)]
    n = back.groupby("issue", sort=False).size()
    text = _text(n.to_numpy().astype(str), " move", _plural(n), " dated before an earlier change")
    return _keyed(issues, pd.Series(text, index=n.index, dtype=object))


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
        return _empty(), threshold
    picked = done[done["lead_time"].astype(float) > threshold]
    text = _text(_fixed1(picked["lead_time"]), f" {unit} (limit {threshold:.1f})")
    return _rows(picked, text), threshold


def stuck(
    issues: pd.DataFrame, v: pd.DataFrame, workflow: Workflow, now: pd.Timestamp
) -> tuple[pd.DataFrame, float]:
    """Open issues now in a lead-time-interval state whose last move (or creation) is
    longer ago than the 90th percentile of completed lead times in calendar days
    (``lead_time_days``): aging work that will land as an outlier. Returns (rows, limit)."""
    limit = p90(issues.loc[issues["outcome"] == "completed", "lead_time_days"])
    if np.isnan(limit):
        return _empty(), limit
    lo, hi = workflow.interval_start, workflow.interval_end
    pos = _positions(issues["status_id"], workflow)
    is_open = (pos >= lo) & (pos <= hi) & issues["outcome"].isna().to_numpy()
    open_ = issues[is_open]
    last = v.groupby("issue", sort=False)["at"].max()
    now = pd.Timestamp(now)
    now = now.tz_localize("UTC") if now.tzinfo is None else now.tz_convert("UTC")
    idle = (now - last.reindex(np.flatnonzero(is_open))).dt.total_seconds() / 86_400
    picked = open_[(idle > limit).to_numpy()]
    days = idle[(idle > limit)].to_numpy()
    return _rows(picked, _text("no move for ", _fixed1(days), f" days (limit {limit:.1f})")), limit


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
        return _empty(), limit
    now = pd.Timestamp(now)
    now = now.tz_localize("UTC") if now.tzinfo is None else now.tz_convert("UTC")
    done = pd.to_datetime(issues["done"], utc=True)
    windows = pd.DataFrame(
        {"issue_id": issues["issue_id"], "start": issues["start"], "end": done.fillna(now)}
    )
    days = flagged_days(flags, windows, tz=tz, working_days=working_days).to_numpy()
    over = np.nan_to_num(days, nan=0.0) > limit
    text = _text("flagged ", _fixed1(days[over]), f" {unit} (limit {limit:.1f})")
    return _rows(issues[over], text), limit


def _quantile(values: pd.Series, q: float) -> float:
    x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    x = x[np.isfinite(x)]
    return float(np.quantile(x, q)) if len(x) else float("nan")


# --------------------------------------------------------------------------- all checks

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


def run_checks(
    issues: pd.DataFrame,
    transitions: pd.DataFrame,
    workflow: Workflow,
    *,
    now: pd.Timestamp,
    names: Mapping[str, str] | None = None,
    unit: str = "days",
    flags: pd.DataFrame | None = None,
    tz: str = "UTC",
    working_days: bool = False,
) -> list[Check]:
    """Every check, in report order, over the (already filtered) issues; ``flags``: the
    issues' Jira Flagged changes (``issue_id``, ``at``, ``flagged``), days flagged in
    the board's unit (``working_days``, team time zone ``tz``)."""
    v = visits(issues, transitions, workflow)
    unmapped_rows, unmapped_ids = unmapped_in_history(issues, v, names)
    long_rows, long_limit = long_lead_times(issues, unit)
    stuck_rows, stuck_limit = stuck(issues, v, workflow, now)
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
    found: list[tuple[str, str, pd.DataFrame]] = [
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
        ("reopened", "Reopened after done", reopened(issues, v, workflow)),
        ("backward_moves", "Moved backwards", backward_moves(issues, v, workflow)),
        (
            "skipped_interval",
            "Skipped the lead-time interval",
            skipped_interval(issues, v, workflow),
        ),
        ("entered_late", "Entered the interval after done", entered_late(issues, v, workflow)),
        ("before_created", "Moves before creation", before_created(issues, transitions)),
        ("out_of_order", "History out of order", out_of_order(issues, transitions)),
        ("long_lead_times", long_title, long_rows),
        ("stuck", stuck_title, stuck_rows),
        ("flagged_long", flag_title, flag_rows),
    ]
    checks = []
    for check_id, title, rows in found:
        if check_id == "unmapped_statuses":
            checks.append(
                Check(check_id, title, WHY[check_id], len(unmapped_ids), rows, "statuses")
            )
        else:
            checks.append(Check(check_id, title, WHY[check_id], int(len(rows)), rows))
    return checks


CHECK_IDS: tuple[str, ...] = tuple(WHY)
