"""The data-quality history checks of docs/metrics.md ("Data quality") written the plain
way, over pandas visits: the reference the array form the store keeps
(vger.metrics.history_hits, through vger.metrics.quality_history.history) must reproduce.
This was the production code before the checks ran over arrays."""

from __future__ import annotations

import numpy as np
import pandas as pd

from vger.metrics.events import Workflow, created_status
from vger.metrics.quality_rows import (
    day_text,
    joined,
    keyed,
    naive_utc,
    no_rows,
    plural,
    positions,
)


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
            "at": naive_utc(transitions["at"])[keep],
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
            "at": naive_utc(issues["created"]),
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
    frame["position"] = positions(frame["status_id"], workflow)
    return frame


def _with_previous(v: pd.DataFrame) -> pd.DataFrame:
    """Visits after the first, with the position they came from (``prev``)."""
    prev = v.groupby("issue", sort=False)["position"].shift(1)
    out = v.assign(prev=prev)
    out = out[out["n"] > 0].copy()
    out["prev"] = out["prev"].astype("int64")
    return out


def reopened(issues: pd.DataFrame, v: pd.DataFrame, workflow: Workflow) -> pd.DataFrame:
    """Issues moved out of a done state after being in one: ``done`` is the last entry
    into done, so the first delivery's week does not count and the lead time spans the
    rework."""
    first_done = workflow.interval_end + 1
    m = _with_previous(v)
    hits = m[(m["prev"] >= first_done) & (m["position"] < first_done)]
    g = hits.groupby("issue", sort=False)["at"].agg(["size", "max"])
    n = g["size"].to_numpy()
    text = joined("reopened ", n.astype(str), " time", plural(n), ", last ", day_text(g["max"]))
    return keyed(issues, pd.Series(text, index=g.index, dtype=object))


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
    text = joined(
        n.astype(str),
        " backward move",
        plural(n),
        ", e.g. ",
        names[g["prev"].to_numpy(dtype=np.int64)],
        " → ",
        names[g["to"].to_numpy(dtype=np.int64)],
    )
    return keyed(issues, pd.Series(text, index=g.index, dtype=object))


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
    return keyed(issues, pd.Series("never in the lead-time interval", index=hit.index))


def entered_late(issues: pd.DataFrame, v: pd.DataFrame, workflow: Workflow) -> pd.DataFrame:
    """Issues whose first entry into the interval came after they had been in a later
    (done) state: the lead time starts at that late entry and leaves out what happened
    before the first done."""
    f = _interval_flags(v, workflow)
    first = f[f["inside"]].groupby("issue", sort=False).head(1)
    hit = first[first["after_before"]]
    by_issue = pd.Series(
        joined("first entered the interval ", day_text(hit["at"]), ", after being done"),
        index=hit["issue"].to_numpy(),
        dtype=object,
    )
    return keyed(issues, by_issue)


def before_created(issues: pd.DataFrame, transitions: pd.DataFrame) -> pd.DataFrame:
    """Issues with a status move dated before the issue's creation (a clock or import
    problem): visits get negative durations and start/done may precede creation."""
    if not len(transitions):
        return no_rows()
    t = _moves(issues, transitions)
    early = t[
        t["at"].to_numpy() < naive_utc(issues["created"])[t["issue"].to_numpy(dtype=np.int64)]
    ]
    g = early.groupby("issue", sort=False)["at"].agg(["size", "min"])
    n = g["size"].to_numpy()
    text = joined(
        n.astype(str), " move", plural(n), " before creation, earliest ", day_text(g["min"])
    )
    return keyed(issues, pd.Series(text, index=g.index, dtype=object))


def out_of_order(issues: pd.DataFrame, transitions: pd.DataFrame) -> pd.DataFrame:
    """Issues whose changelog (in changelog order) has a move dated earlier than a move
    before it: the metrics sort by time, which may differ from what Jira recorded."""
    if not len(transitions):
        return no_rows()
    t = _moves(issues, transitions).sort_values(["issue", "seq"])
    latest = t.groupby("issue", sort=False)["at"].cummax()
    before = latest.groupby(t["issue"]).shift(1)
    back = t[before.notna() & (t["at"] < before)]
    n = back.groupby("issue", sort=False).size()
    text = joined(n.to_numpy().astype(str), " move", plural(n), " dated before an earlier change")
    return keyed(issues, pd.Series(text, index=n.index, dtype=object))
