"""How long a range one request may cover: the whole 10 years on a small board, less on
a large one (days × stored issues is what a long view costs), never less than a quarter."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from vger.web.params import MAX_DAYS, ViewParams

#: Days × stored issues one request may cover (the daily flow and the lead-time CSV of a
#: 20,000-issue board cost ~2 CPU-s for 700 days, ~0.35 s for 90): a board of 20,000 issues
#: shows at most 300 days at once, one of 1,650 the whole 10 years.
ISSUE_DAYS = 6_000_000
MIN_DAYS = 92  # however large the board, a quarter can always be shown


def max_days(issues: int) -> int:
    """The longest range (days) a request may cover on a board of ``issues`` issues."""
    return max(MIN_DAYS, min(MAX_DAYS, ISSUE_DAYS // max(issues, 1)))


def clamp_range(params: ViewParams, today: date, issues: int = 0) -> tuple[ViewParams, list[str]]:
    """``params`` with ``from`` cut to ``max_days(issues)`` before the effective end
    (``to``, or ``today`` when ``to`` is not given), and a notice in words when it was."""
    end = params.end or today
    longest = max_days(issues)
    if params.start is None or (end - params.start).days <= longest:
        return params, []
    start = end - timedelta(days=longest)
    if longest == MAX_DAYS:
        why = f"The range was cut to the {MAX_DAYS // 366} years from {start} to {end}."
    else:
        why = (
            f"The range was cut to the {longest} days from {start} to {end}: with "
            f"{issues:,} issues a longer range costs too much to compute at once."
        )
    return replace(params, start=start), [why]
