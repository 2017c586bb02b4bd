"""The distributions view data: the lead times of the items completed in the complete
weeks of the range and those weeks' throughput, binned (docs/metrics.md,
"Distributions"), from the quadrant's own data, so the marks are its lines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from vger.metrics.distributions import histogram_marks, lead_time_histogram, throughput_histogram
from vger.web.views.common import BoardChoice
from vger.web.views.quadrant.data import quadrant_data


@dataclass
class DistributionsData:
    """Both histograms and their marks, from the quadrant's series of the same view."""

    choice: BoardChoice
    first_day: date
    last_day: date
    lead: pd.DataFrame  # lower, upper, count
    lead_marks: dict[int, float]
    lead_items: int
    weekly: pd.DataFrame  # lower, upper, count (weeks)
    weekly_marks: dict[int, float]
    weeks: int  # complete weeks
    unit: str
    message: str | None

    @property
    def empty_message(self) -> str | None:
        return self.message


def distributions_data(conn: Connection, choice: BoardChoice, now: datetime) -> DistributionsData:
    """The lead times of the items completed in the complete weeks of the range and the
    counts of those weeks, binned (the quadrant's own data: the marks are its lines)."""
    q = quadrant_data(conn, choice, now)
    complete = q.quadrant.throughput[q.quadrant.throughput["complete"]]
    lead_times = q.completed["lead_time"].to_numpy(dtype=float)
    lead_times = lead_times[~np.isnan(lead_times)]
    counts = complete["count"].to_numpy(dtype=float)
    lead_marks, weekly_marks = histogram_marks(lead_times, counts)
    github = choice.params.source == "github"
    unit = "working days" if choice.board.working_days and not github else "days"
    message = q.empty_message
    if message is None and not len(complete):
        message = "No complete week in the range yet: the histograms count complete weeks."
    return DistributionsData(
        q.choice,
        q.first_day,
        q.last_day,
        lead_time_histogram(lead_times),
        lead_marks,
        len(lead_times),
        throughput_histogram(counts),
        weekly_marks,
        len(complete),
        unit,
        message,
    )
