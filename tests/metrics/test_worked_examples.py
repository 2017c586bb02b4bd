"""The worked examples of METRICS.md, reproduced to the stated precision."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.factories import example_board
from tests.metrics.conftest import (
    example_issues,
    example_items,
    example_transitions,
    example_workflow,
)
from vger.metrics.calendar import quarter_grid, week_grid
from vger.metrics.events import derive_events
from vger.metrics.lead_time import lead_time_by_state, rolling_lead_time, straight_lead_time
from vger.metrics.percentiles import lead_time_levels, likelihood
from vger.metrics.pulls import pr_lead_time_days, weekly_volume
from vger.metrics.quadrant import QuadrantOptions, issue_quadrant, weekly_quadrant
from vger.metrics.quarterly import quarterly_lead_time, quarterly_throughput
from vger.metrics.throughput import rolling_likelihood, straight_likelihood, weekly_counts
from vger.metrics.variation import coefficient_of_variation, rolling_variation
from vger.store import boards, queries, teams
from vger.store.pulls import save_pull_requests

UTC = "UTC"


def ts(text: str, tz: str = UTC) -> pd.Timestamp:
    return pd.Timestamp(text, tz=tz)


# --- Example 1: throughput likelihood and variation ---------------------------------

WEEKLY = [3, 5, 2, 8, 6, 4, 7, 5, 9, 1, 6, 4]
FIRST_MONDAY = pd.Timestamp("2024-01-01")


def done_instants(counts: list[int], first_monday: pd.Timestamp = FIRST_MONDAY) -> pd.Series:
    """``counts[k]`` completions spread over week k (Tuesdays to Fridays, UTC)."""
    out = []
    for week, count in enumerate(counts):
        monday = first_monday + pd.Timedelta(weeks=week)
        for n in range(count):
            out.append(monday + pd.Timedelta(days=1 + n % 4, hours=9, minutes=n))
    return pd.Series(pd.to_datetime(out).tz_localize(UTC))


def test_example1_bare_helpers():
    assert likelihood(WEEKLY) == pytest.approx({50: 5.0, 80: 3.2, 90: 2.1}, abs=1e-12)
    values = np.asarray(WEEKLY, dtype=float)
    assert values.mean() == 5.0
    assert values.std(ddof=0) == pytest.approx(2.2730, abs=5e-5)
    assert coefficient_of_variation(values) == pytest.approx(0.4546, abs=5e-5)


def test_example1_on_a_week_grid():
    # 12 complete weeks then an in-progress 13th week with an outlier.
    grid = week_grid(
        pd.Timestamp("2024-01-01"), pd.Timestamp("2024-03-31"), UTC, ts("2024-03-27 12:00")
    )
    assert len(grid) == 13 and grid.complete.sum() == 12 and not grid.complete[-1]
    counts = weekly_counts(done_instants([*WEEKLY, 40]), grid)
    assert counts.tolist() == [*WEEKLY, 40]

    rolling = rolling_likelihood(counts, grid.complete, 12)
    assert rolling.iloc[11].to_dict() == pytest.approx({50: 5.0, 80: 3.2, 90: 2.1})
    assert rolling.iloc[12].isna().all()  # in progress: drawn, no statistic
    assert straight_likelihood(counts, grid.complete) == pytest.approx({50: 5.0, 80: 3.2, 90: 2.1})
    variation = rolling_variation(counts, grid.complete, 12)
    assert variation.iloc[11] == pytest.approx(0.4546, abs=5e-5)
    assert np.isnan(variation.iloc[12])


def test_example1_through_the_quadrant():
    done = done_instants(WEEKLY)
    items = pd.DataFrame(
        {
            "key": [f"K-{k}" for k in range(len(done))],
            "created": done - pd.Timedelta(days=1),
            "done": done,
            "outcome": "completed",
            "lead_time": 1.0,
        }
    )
    opts = QuadrantOptions(
        pd.Timestamp("2024-01-01"), pd.Timestamp("2024-03-24"), UTC, ts("2024-04-01")
    )
    quadrant = weekly_quadrant(items, opts)
    assert quadrant.throughput["count"].tolist() == WEEKLY
    last = quadrant.throughput.iloc[-1]
    assert [last[50], last[80], last[90]] == pytest.approx([5.0, 3.2, 2.1])
    assert quadrant.variation.iloc[-1] == pytest.approx(0.4546, abs=5e-5)
    assert quadrant.complete_weeks == 12 and quadrant.history_weeks == 12


# --- Example 2: lead-time percentiles --------------------------------------------

LEAD_TIMES = [1.5, 2, 2, 3, 4.25, 5, 8, 13, 21, 34]


def test_example2_bare_helper():
    assert lead_time_levels(LEAD_TIMES) == pytest.approx({50: 4.625, 80: 14.6, 90: 22.3})


def test_example2_through_lead_time_lines():
    grid = week_grid(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-14"), UTC, ts("2024-01-16"))
    done = pd.Series(
        [ts("2024-01-02") + pd.Timedelta(hours=k * 30) for k in range(len(LEAD_TIMES))]
    )
    days = pd.Series(LEAD_TIMES, dtype=float)
    expected = {50: 4.625, 80: 14.6, 90: 22.3}
    assert straight_lead_time(done, days, grid) == pytest.approx(expected)
    rolling = rolling_lead_time(done, days, grid, 12)
    assert rolling.iloc[-1].to_dict() == pytest.approx(expected)


# --- Example 3: quarterly throughput ----------------------------------------------

QUARTERLY = [54, 41, 60, 67]


def test_example3_quarterly_throughput():
    grid = quarter_grid(pd.Timestamp("2024-12-31"), 4, UTC, 1, ts("2025-01-02"))
    assert grid.labels == ["FY2024 Q1", "FY2024 Q2", "FY2024 Q3", "FY2024 Q4"]
    done = []
    for q, count in enumerate(QUARTERLY):
        start = grid.starts[q]
        done += [start + pd.Timedelta(hours=6 * n + 1) for n in range(count)]
    frame, lines = quarterly_throughput(pd.Series(done), grid)
    assert frame["count"].tolist() == QUARTERLY
    assert frame["complete"].all()
    assert lines == pytest.approx({50: 57.0, 80: 48.8, 90: 44.9})
    assert likelihood(QUARTERLY) == pytest.approx({50: 57.0, 80: 48.8, 90: 44.9})


def test_example3_in_progress_quarter_is_left_out():
    grid = quarter_grid(pd.Timestamp("2025-02-01"), 5, UTC, 1, ts("2025-02-01"))
    done = []
    for q, count in enumerate([*QUARTERLY, 500]):
        done += [grid.starts[q] + pd.Timedelta(hours=n + 1) for n in range(count)]
    frame, lines = quarterly_throughput(pd.Series(done), grid)
    assert frame["complete"].tolist() == [True, True, True, True, False]
    assert lines == pytest.approx({50: 57.0, 80: 48.8, 90: 44.9})


def test_quarterly_lead_time_per_quarter():
    grid = quarter_grid(pd.Timestamp("2024-06-30"), 2, UTC, 1, ts("2024-07-01"))
    done = pd.Series([ts("2024-02-01")] * len(LEAD_TIMES) + [ts("2024-05-01")])
    days = pd.Series([*LEAD_TIMES, 3.0])
    frame = quarterly_lead_time(done, days, grid)
    assert frame["n"].tolist() == [10, 1]
    assert frame.loc[0, [50, 80, 90]].tolist() == pytest.approx([4.625, 14.6, 22.3])
    assert frame.loc[1, [50, 80, 90]].tolist() == pytest.approx([3.0, 3.0, 3.0])


# --- Example 4: working days -----------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2024-01-01 23:00", "2024-01-08 02:00", 4.125),  # Mon 23:00 -> next Mon 02:00
        ("2024-01-05 12:00", "2024-01-08 12:00", 1.0),  # Fri 12:00 -> Mon 12:00
        ("2024-01-06 10:00", "2024-01-08 09:00", 0.375),  # Sat 10:00 -> Mon 09:00
    ],
)
@pytest.mark.parametrize("tz", ["UTC", "America/New_York", "Asia/Kolkata"])
def test_example4_working_days(start, end, expected, tz):
    """Through derive_events, as the load path computes it: an issue that enters Ready at
    ``start`` and Done at ``end`` (local times in ``tz``)."""
    issues = pd.DataFrame(
        {
            "issue_id": ["W"],
            "created": [pd.Timestamp(start, tz=tz) - pd.Timedelta(hours=1)],
            "status_id": ["6"],
            "resolution": ["Done"],
        }
    )
    moves = pd.DataFrame(
        {
            "issue_id": ["W", "W"],
            "seq": [0, 1],
            "at": pd.to_datetime([pd.Timestamp(start, tz=tz), pd.Timestamp(end, tz=tz)], utc=True),
            "from_status_id": ["1", "2"],
            "to_status_id": ["2", "6"],
        }
    )
    events = derive_events(issues, moves, example_workflow(), tz=tz).events
    assert events.loc[0, "lead_time_working_days"] == pytest.approx(expected, abs=1e-12)


# --- Example 5: one board ----------------------------------------------------------


def test_example5_events():
    derived = derive_events(example_issues(), example_transitions(), example_workflow())
    ev = derived.events.set_index("issue_id")
    a, b, c, d = (ev.loc[i] for i in ("101", "102", "103", "104"))

    assert a["start"] == ts("2024-01-02 09:00") and a["done"] == ts("2024-01-09 09:00")
    assert a["outcome"] == "completed"
    assert a["lead_time_days"] == pytest.approx(7.0)
    assert a["lead_time_working_days"] == pytest.approx(5.0)

    assert b["outcome"] == "completed" and pd.isna(b["start"])
    assert b["done"] == ts("2024-01-04 10:00") and np.isnan(b["lead_time_days"])

    assert c["outcome"] == "abandoned" and c["done"] == ts("2024-01-05 10:00")

    assert d["start"] == ts("2024-01-02 12:00") and d["done"] == ts("2024-01-11 12:00")
    assert d["outcome"] == "completed"
    assert d["lead_time_days"] == pytest.approx(9.0)
    assert d["lead_time_working_days"] == pytest.approx(7.0)

    st = derived.state_times
    per_state = {
        i: st[st["issue_id"] == i].set_index("state")["days"].to_dict() for i in ("101", "104")
    }
    assert per_state["101"] == pytest.approx({"Ready": 1.0, "Doing": 4.5, "Review": 1.5})
    assert per_state["104"] == pytest.approx({"Ready": 2.0, "Done": 6.0, "Doing": 1.0})
    assert "102" not in set(st["issue_id"])  # completed without start: no state times


def example_opts(tz: str = UTC, **kw) -> QuadrantOptions:
    return QuadrantOptions(
        pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-14"), tz, ts("2024-01-15"), **kw
    )


def assert_example5_quadrant(quadrant, by_state):
    labels = [d.date().isoformat() for d in quadrant.grid.labels]
    assert labels == ["2024-01-01", "2024-01-08"]
    assert quadrant.throughput["count"].tolist() == [1, 2]
    assert quadrant.throughput["complete"].tolist() == [True, True]
    backlog = quadrant.backlog
    assert backlog[["created", "completed", "abandoned"]].values.tolist() == [[4, 1, 1], [4, 3, 1]]
    assert backlog["open"].tolist() == [2, 0]
    assert quadrant.lead_time_overall == pytest.approx({50: 8.0, 80: 8.6, 90: 8.8})
    # Per work state over A and D; a state not visited counts 0 days.
    rows = by_state.set_index("state")
    assert list(rows.index) == ["Ready", "Doing", "Review", "Done"]
    assert rows.loc["Ready", 50] == pytest.approx(1.5)
    assert rows.loc["Doing", 50] == pytest.approx(2.75)
    assert rows.loc["Review", 50] == pytest.approx(0.75)
    assert rows.loc["Done", 90] == pytest.approx(5.4)


def test_example5_quadrant():
    items, state_times = example_items()
    quadrant, by_state = issue_quadrant(items, state_times, example_opts())
    assert_example5_quadrant(quadrant, by_state)


def test_example5_relative_backlog_equals_absolute_when_nothing_came_before():
    items, state_times = example_items()
    quadrant, _ = issue_quadrant(items, state_times, example_opts(relative_backlog=True))
    assert quadrant.backlog[["created", "completed", "abandoned"]].values.tolist() == [
        [4, 1, 1],
        [4, 3, 1],
    ]
    # Relative from the second week: everything before 2024-01-08 is left out.
    late = QuadrantOptions(
        pd.Timestamp("2024-01-08"),
        pd.Timestamp("2024-01-14"),
        UTC,
        ts("2024-01-15"),
        relative_backlog=True,
    )
    quadrant, _ = issue_quadrant(items, state_times, late)
    assert quadrant.backlog[["created", "completed", "abandoned"]].values.tolist() == [[0, 2, 0]]


def test_example5_work_type_filter():
    items, state_times = example_items()
    defects = items[items["issue_type"].isin(["Bug"])]
    quadrant, _ = issue_quadrant(defects, state_times, example_opts())
    assert quadrant.throughput["count"].tolist() == [1, 0]


def test_example5_time_zone():
    items = pd.DataFrame(
        {
            "key": ["TZ-1"],
            "created": [ts("2024-01-02 12:00")],
            "done": [ts("2024-01-08 04:30")],  # 2024-01-07 23:30 in New York
            "outcome": ["completed"],
            "lead_time": [5.6875],
        }
    )
    ny, _ = issue_quadrant(items, None, example_opts("America/New_York"))
    utc, _ = issue_quadrant(items, None, example_opts(UTC))
    assert ny.throughput["count"].tolist() == [1, 0]
    assert utc.throughput["count"].tolist() == [0, 1]
    assert ny.grid.starts[0] == ts("2024-01-01 05:00")  # Monday 00:00 New York


def test_example5_end_to_end_through_the_store(engine):
    board = example_board(engine)
    with engine.connect() as conn:
        items = queries.issue_items(conn, board)
        state_times = queries.completed_state_times(conn, board, ts("2024-01-01"), ts("2024-01-15"))
        defects = queries.issue_items(conn, board, ["Defect"])
    quadrant, by_state = issue_quadrant(items, state_times, example_opts())
    assert_example5_quadrant(quadrant, by_state)
    quadrant, _ = issue_quadrant(defects, None, example_opts())
    assert quadrant.throughput["count"].tolist() == [1, 0]


def test_example5_by_state_in_working_days():
    items, state_times = example_items(working_days=True)
    by_state = lead_time_by_state(
        state_times[state_times["issue_id"] == "101"], column="working_days"
    )
    # A: Ready Tue-Wed 1.0, Doing Wed 09:00->Fri 09:00 + Fri 21:00->Mon 09:00 = 2.0 + 0.125,
    # Review Fri 09:00->21:00 + Mon 09:00->Tue 09:00 = 0.5 + 1.0.
    rows = by_state.set_index("state")[50].to_dict()
    assert rows == pytest.approx({"Ready": 1.0, "Doing": 2.5, "Review": 1.5})
    assert sum(rows.values()) == pytest.approx(5.0)


# --- Example 6: pull requests -----------------------------------------------------


PULLS = [  # docs/metrics.md example 6: (number, created, merged, closed, additions, deletions)
    (1, "2024-01-01 10:00", "2024-01-03 10:00", "2024-01-03 10:00", 100, 20),
    (2, "2024-01-02 10:00", None, "2024-01-09 10:00", 5, 5),
    (3, "2024-01-05 12:00", "2024-01-08 12:00", "2024-01-08 12:00", 30, 0),
]


def example_pulls(engine) -> pd.DataFrame:
    """Example 6 written with the store's write functions and read back through the pull
    request quadrant's own read path (``queries.pull_items``)."""
    with engine.begin() as conn:
        teams.add_team(conn, "pr-team", "PR team")
        board_id = boards.add_board(conn, "prs", "pr-team", jql="")
        repo_id = boards.add_repo(conn, board_id, "o/r")
        save_pull_requests(
            conn,
            repo_id,
            [
                {
                    "number": n,
                    "title": f"PR {n}",
                    "author": "ada",
                    "state": "merged" if merged else "rejected",
                    "draft": False,
                    "updated": ts(closed),
                    "url": f"https://github.com/o/r/pull/{n}",
                    "created": ts(created),
                    "merged": ts(merged) if merged else None,
                    "closed": ts(closed),
                    "additions": add,
                    "deletions": delete,
                }
                for n, created, merged, closed, add, delete in PULLS
            ],
        )
    with engine.connect() as conn:
        return queries.pull_items(conn, boards.get_board(conn, "prs"))


def test_example6_pull_requests(engine):
    pulls = example_pulls(engine).sort_values("number").reset_index(drop=True)
    assert pulls["outcome"].tolist() == ["completed", "rejected", "completed"]
    quadrant = weekly_quadrant(pulls, example_opts())
    assert quadrant.throughput["count"].tolist() == [1, 1]
    completed = pulls[pulls["outcome"] == "completed"]
    assert completed["lead_time"].tolist() == pytest.approx([2.0, 3.0])
    assert pr_lead_time_days(pulls["created"], pulls["merged"]).tolist()[::2] == pytest.approx(
        [2.0, 3.0]
    )
    assert quadrant.lead_time_overall[50] == pytest.approx(2.5)
    volume = weekly_volume(pulls, quadrant.grid)
    assert volume["merged"].tolist() == [120, 30]
    assert volume["rejected"].tolist() == [0, 10]
