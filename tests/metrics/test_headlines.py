"""Quadrant headlines (docs/metrics.md, "Headlines") on a board small enough to compute
by hand. Clock: Thursday 2024-02-01 12:00 UTC; range 2024-01-15..2024-02-01 (UTC):
complete weeks Jan 15 and Jan 22 (the week of Jan 29 is in progress); previous period:
weeks Jan 1 and Jan 8."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vger.metrics.calendar import week_grid
from vger.metrics.headlines import compare, number, quadrant_headlines, variation_word

NOW = pd.Timestamp("2024-02-01 12:00", tz="UTC")
GRID = week_grid(pd.Timestamp("2024-01-15"), pd.Timestamp("2024-02-01"), "UTC", NOW)

# key, created, done, outcome, lead time (days)
ROWS = [
    ("P1", "2023-12-20", "2024-01-02", "completed", 1.0),
    ("P2", "2023-12-20", "2024-01-03", "completed", 3.0),
    ("P3", "2024-01-03", "2024-01-09", "completed", 5.0),
    ("P4", "2024-01-04", "2024-01-10", "completed", 7.0),
    ("C1", "2024-01-15", "2024-01-16", "completed", 2.0),
    ("C2", "2024-01-15", "2024-01-17", "completed", 4.0),
    ("C3", "2024-01-16", "2024-01-18", "completed", 6.0),
    ("C4", "2024-01-16", "2024-01-23", "completed", 10.0),
    ("A1", "2024-01-17", "2024-01-24", "abandoned", np.nan),
    ("O1", "2024-01-22", None, None, np.nan),
    ("X1", "2024-01-29", "2024-01-30", "completed", 1.0),  # in the week in progress
]


def _items(rows=ROWS) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["key", "created", "done", "outcome", "lead_time"])
    frame["issue_id"] = frame["key"]
    frame["created"] = pd.to_datetime(frame["created"]).dt.tz_localize("UTC")
    frame["done"] = pd.to_datetime(frame["done"]).dt.tz_localize("UTC")
    return frame


def test_headline_numbers_by_hand():
    h = quadrant_headlines(_items(), GRID, "UTC", NOW)
    assert h.weeks == 2
    assert [d.isoformat() for d in h.current] == ["2024-01-15", "2024-01-28"]
    assert [d.isoformat() for d in h.previous] == ["2024-01-01", "2024-01-14"]
    c = h.cards
    # throughput: weeks [3, 1] → 50 % likelihood = median 2; before [2, 2] → 2
    assert (c["throughput"].now, c["throughput"].previous) == (2.0, 2.0)
    assert c["throughput"].direction == "unchanged"
    # lead time, 80th pct (type 7): [2, 4, 6, 10] → 6 + 0.4 × 4 = 7.6; [1, 3, 5, 7] → 5.8
    assert c["leadtime"].now == pytest.approx(7.6) and c["leadtime"].previous == pytest.approx(5.8)
    assert (c["leadtime"].direction, c["leadtime"].verdict) == ("up", "worse")
    # backlog: created 6 (C1-C4, A1, O1) − completed 4 − abandoned 1 = +1; before 2 − 4 = −2
    assert (c["backlog"].now, c["backlog"].previous) == (1.0, -2.0)
    assert (c["backlog"].direction, c["backlog"].verdict) == ("up", "worse")
    # variation: [3, 1]: mean 2, population std 1 → 0.5 (uneven); [2, 2] → 0 (steady)
    assert (c["variation"].now, c["variation"].previous) == (0.5, 0.0)
    assert c["variation"].verdict == "worse"


def test_headline_texts_and_story():
    h = quadrant_headlines(_items(), GRID, "UTC", NOW, noun="issues", unit="days")
    texts = {k: v.text for k, v in h.cards.items()}
    assert texts == {
        "throughput": "Throughput 2 issues / week at 50 % → unchanged (previous 2 weeks: 2)",
        "leadtime": "Lead time: 80 % within 7.6 days ↑ up (previous: 5.8)",
        "backlog": "Backlog: +1 in 2 weeks, arriving faster than finishing ↑ up (previous: -2)",
        "variation": "Variation 0.5: uneven ↑ up (previous: 0)",
    }
    assert h.story == (
        "Compared with the previous 2 weeks: as many issues finished per week, and each slower;"
        " delivery is uneven. The backlog grew by 1: work is arriving faster than it is finishing."
    )


def test_no_comparison_when_the_data_begins_inside_the_previous_period():
    late = [r for r in ROWS if r[1] >= "2024-01-15"]
    h = quadrant_headlines(_items(late), GRID, "UTC", NOW)
    assert h.previous is None
    assert all(
        card.previous is None and card.direction == "no comparison" for card in h.cards.values()
    )
    assert h.cards["throughput"].text == (
        "Throughput 2 items / week at 50 % (no earlier data to compare)"
    )
    assert h.story.startswith("In the last 2 weeks a typical week finished 2 items")


def test_rules_of_words():
    assert [variation_word(v) for v in (0.0, 0.39, 0.4, 0.79, 0.8, None)] == [
        "steady", "steady", "uneven", "uneven", "erratic", "not defined",
    ]  # fmt: skip
    assert compare("throughput", 7.04, 7.0) == ("unchanged", "same")  # equal as shown (0.1)
    assert compare("throughput", 7.1, 7.0) == ("up", "better")
    assert compare("leadtime", 7.1, 7.0) == ("up", "worse")
    assert compare("backlog", -3, 2) == ("down", "better")
    assert compare("variation", None, 0.2) == ("no comparison", "")
    assert [number(v) for v in (7.0, 7.25, None)] == ["7", "7.2", "–"]
