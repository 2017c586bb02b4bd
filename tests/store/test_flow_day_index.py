"""The cumulative flow's day index in SQL (vger.store.flow_reads._day): for stored UTC
instants, the number of day ends at or before each, exactly as numpy's searchsorted
says, on both stores: at a day's end, a microsecond and half a millisecond either side
of it, across clock changes (Europe/Berlin, Lord Howe's half-hour), over ten years."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from vger.metrics.calendar import local_midnight_to_utc
from vger.store.flow_reads import _day
from vger.store.schema import UTCDateTime

INSTANTS = sa.Table(
    "flow_day_instants",
    sa.MetaData(),
    sa.Column("n", sa.Integer, primary_key=True),
    sa.Column("at", UTCDateTime, nullable=False),
)


def _ends(first: str, last: str, tz: str) -> list:
    days = pd.date_range(first, last, freq="D")
    return [e.to_pydatetime() for e in local_midnight_to_utc(days + pd.Timedelta(days=1), tz)]


@pytest.mark.parametrize(
    ("tz", "first", "last"),
    [
        ("Europe/Berlin", "2024-03-20", "2024-11-05"),  # both clock changes of 2024
        ("Australia/Lord_Howe", "2024-03-30", "2024-10-10"),  # half-hour changes
        ("America/New_York", "2015-01-01", "2024-12-31"),  # ten years, twenty changes
        ("UTC", "2024-01-01", "2024-03-31"),
    ],
)
def test_day_index_counts_the_ends_at_or_before_each_instant(engine, tz, first, last):
    ends = _ends(first, last, tz)
    rng = np.random.default_rng(7)
    near = []
    for end in ends[:: max(1, len(ends) // 60)] + ends[-2:]:
        for offset in (0, -1, 1, -500, 500, -999_999, 86_399_999_999):
            near.append(end + timedelta(microseconds=offset))
    span = (ends[-1] - ends[0]).total_seconds()
    spread = [
        ends[0] + timedelta(seconds=float(x)) for x in rng.uniform(-2 * 86400, span + 86400, 300)
    ]
    instants = near + spread
    INSTANTS.create(engine)
    with engine.begin() as conn:
        conn.execute(sa.insert(INSTANTS), [{"n": k, "at": t} for k, t in enumerate(instants)])
        got = dict(conn.execute(sa.select(INSTANTS.c.n, _day(INSTANTS.c.at, ends))).all())
    ns = lambda moments: np.array([pd.Timestamp(m).value for m in moments])  # noqa: E731
    want = np.searchsorted(ns(ends), ns(instants), side="right")
    assert [got[k] for k in range(len(instants))] == want.tolist()
    assert len(set(want.tolist())) > min(len(ends), 50)  # the instants do cover the days


def test_the_statement_stays_small_for_ten_years():
    """A CASE per day made compiling the ten-year flow cost about a CPU-second."""
    ends = _ends("2015-01-01", "2024-12-31", "Europe/Berlin")
    sql = str(_day(INSTANTS.c.at, ends).compile(compile_kwargs={"literal_binds": True}))
    assert len(ends) > 3600 and sql.count("WHEN") < 4 * 21  # 20 clock changes
