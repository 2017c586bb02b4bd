"""Blocked time: how long an item carried Jira's "Flagged" (impediment) flag
(docs/metrics.md, "Blocked time").

The flag history is a list of changes (``issue_id``, ``at`` UTC, ``flagged`` bool) in
changelog order: after a change the item is flagged (``True``) or not until the next
change of the same item; after its last change, for ever. Time flagged is counted only
inside each item's window ``[start, end)``: ``start`` = the item's start, ``end`` = its
done, or "now" for an item not done. The page's date range only chooses which items
are shown; it never cuts an item's flagged time (as it never cuts its lead time).
Days are calendar days (seconds / 86 400) or, when the board counts working days,
working days (Saturdays and Sundays in the team time zone do not count).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vger.metrics.workdays import SECONDS_PER_DAY, working_clock


def flagged_days(
    flags: pd.DataFrame,
    windows: pd.DataFrame,
    *,
    tz: str = "UTC",
    working_days: bool = False,
) -> pd.Series:
    """Days each item of ``windows`` (``issue_id``, ``start``, ``end``: UTC) was
    flagged inside its window, by ``flags`` (``issue_id``, ``at``, ``flagged``, sorted
    by changelog order within an issue). Indexed by ``issue_id`` in the order of
    ``windows``; 0.0 for an item never flagged in its window; NaN when its window has
    no start or no end (e.g. completed without start)."""
    ids = windows["issue_id"].astype(str).to_numpy()
    start = pd.to_datetime(windows["start"], utc=True)
    end = pd.to_datetime(windows["end"], utc=True)
    out = pd.Series(
        np.where(start.isna().to_numpy() | end.isna().to_numpy(), np.nan, 0.0),
        index=pd.Index(ids, name="issue_id"),
        dtype=float,
    )
    if flags.empty or not len(ids):
        return out
    # naive UTC datetime64 throughout: a tz-aware Series' to_numpy() is an object array
    # of Timestamps (0.5 CPU-s of conversions on 100,000 items)
    f = pd.DataFrame(
        {
            "issue_id": flags["issue_id"].astype(str).to_numpy(),
            "at": _naive(flags["at"]),
            "flagged": flags["flagged"].astype(bool).to_numpy(),
        }
    )
    # The period of each change lasts until the next change of the same item.
    same_next = f["issue_id"].shift(-1).eq(f["issue_id"]).to_numpy()
    until = np.where(same_next, f["at"].shift(-1).to_numpy(), np.datetime64("NaT"))
    f["until"] = until.astype("datetime64[ns]")
    f = f[f["flagged"].to_numpy()]
    row = pd.Index(ids).get_indexer(f["issue_id"].to_numpy())
    f = f[row >= 0]
    row = row[row >= 0]
    lo_w = _naive(start)[row]
    hi_w = _naive(end)[row]
    lo = np.maximum(f["at"].to_numpy(), lo_w)  # NaT propagates
    until = f["until"].to_numpy()
    hi = np.where(np.isnat(until), hi_w, np.minimum(until, hi_w))
    valid = ~(np.isnat(lo) | np.isnat(hi))
    valid &= hi > lo
    lo, hi, row = lo[valid], hi[valid], row[valid]
    if working_days:
        seconds = working_clock(pd.DatetimeIndex(hi).tz_localize("UTC"), tz) - working_clock(
            pd.DatetimeIndex(lo).tz_localize("UTC"), tz
        )
    else:
        seconds = (hi - lo).astype("timedelta64[ns]").astype(np.int64) / 1e9
    totals = np.bincount(row, weights=seconds / SECONDS_PER_DAY, minlength=len(ids))
    values = out.to_numpy(copy=True)
    values = np.where(np.isnan(values), np.nan, totals)
    return pd.Series(values, index=out.index, dtype=float)


def _naive(values) -> np.ndarray:
    """UTC instants as naive ``datetime64[ns]`` (NaT kept)."""
    index = pd.DatetimeIndex(pd.to_datetime(values, utc=True))
    return index.tz_convert(None).to_numpy(dtype="datetime64[ns]")


def flagged_now(flags: pd.DataFrame) -> pd.Series:
    """Whether each item's last flag change set the flag (indexed by ``issue_id``)."""
    if flags.empty:
        return pd.Series(dtype=bool, index=pd.Index([], name="issue_id"))
    last = (
        flags.assign(issue_id=flags["issue_id"].astype(str))
        .groupby("issue_id", sort=False)["flagged"]
        .last()
    )
    return last.astype(bool)
