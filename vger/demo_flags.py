"""The demo's impediments and working/waiting states: flagged periods drawn for the
simulated items (Jira's "Flagged" history) and each team's flags of its work states,
so the efficiency and blocked-time views are alive in ``vger demo``.

Drawn from their own random stream (seeded per board), after the simulation: the
simulated status histories, and every number computed from them, stay as they were."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

FLAGGED_SHARE = 0.12  # of items that entered the lead-time interval
LONG_SHARE = 0.06  # of the flagged: blocked for weeks (outliers of the quality report)
STILL_FLAGGED = 0.5  # of open flagged items: the flag is still set now

# Work states each demo team counts as waiting (queues); the rest are working.
WAITING = {
    "platform": ("Backlog", "Ready", "Done"),
    "mobile": ("Backlog", "Ready", "Test", "Done"),
}


def flag_rows(
    items: Sequence[Any],
    issue_ids: dict[int, str],
    interval_statuses: set[str],
    done_statuses: set[str],
    rng: random.Random,
    now: datetime,
) -> list[dict[str, Any]]:
    """Flag changes (``issue_id``, ``seq``, ``at``, ``flagged``) of the items: a share of
    those that entered the interval get one flagged period inside their start..done
    (or start..now), a few of them long, some still flagged."""
    rows: list[dict[str, Any]] = []
    for item in items:
        entries = [at for at, _, dst in item.moves if dst in interval_statuses]
        if not entries or rng.random() >= FLAGGED_SHARE:
            continue
        start = entries[0]
        is_done = item.moves[-1][2] in done_statuses
        end = item.moves[-1][0] if is_done else now
        span = (end - start).total_seconds()
        if span <= 3600:
            continue
        begin = start + timedelta(seconds=rng.uniform(0.05, 0.7) * span)
        days = 1.5 * math.exp(rng.gauss(0.0, 0.8))
        if rng.random() < LONG_SHARE:  # blocked soon after the start, for weeks
            begin = start + timedelta(seconds=rng.uniform(0.0, 0.1) * span)
            days *= rng.uniform(15, 40)
        issue_id = issue_ids[item.uid]
        rows.append({"issue_id": issue_id, "seq": 0, "at": begin, "flagged": True})
        cleared = begin + timedelta(days=days)
        if cleared < end and not (not is_done and rng.random() < STILL_FLAGGED):
            rows.append({"issue_id": issue_id, "seq": 1, "at": cleared, "flagged": False})
        elif is_done:  # flags are usually cleared when the item is done
            rows.append({"issue_id": issue_id, "seq": 1, "at": end, "flagged": False})
    return rows
