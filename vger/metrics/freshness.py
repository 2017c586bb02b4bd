"""How fresh a board's data is: the "data as of …, N hours ago" line of every page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd

STALE_HOURS = 48  # older than two days: the line becomes a warning


@dataclass(frozen=True)
class Freshness:
    """``hours``: whole hours since the last successful sync (None: never synced)."""

    synced: datetime | None
    hours: int | None
    stale: bool
    text: str


def freshness(last_sync: datetime | None, now: datetime, tz: str) -> Freshness:
    """The freshness line for a board last synced at ``last_sync`` (UTC), shown in ``tz``."""
    if last_sync is None:
        return Freshness(None, None, True, "No successful sync of this board yet: no data.")
    last = pd.Timestamp(last_sync)
    last = last.tz_localize("UTC") if last.tzinfo is None else last
    hours = max(0, int((pd.Timestamp(now) - last).total_seconds() // 3600))
    local = last.tz_convert(tz).strftime("%Y-%m-%d %H:%M")
    ago = "less than an hour ago" if hours == 0 else f"{hours} hour{'s' if hours != 1 else ''} ago"
    text = f"Data as of {local} ({tz}), {ago}."
    stale = hours > STALE_HOURS
    if stale:
        text += f" That is more than two days ({hours // 24} days): check the sync under Admin."
    return Freshness(last.to_pydatetime(), hours, stale, text)
