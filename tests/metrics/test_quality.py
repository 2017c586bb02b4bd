"""Data-quality checks on small hand-made histories: each check lists exactly the issues
it should, with counts that a wrong rule would change."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.factories import whole_history_report
from vger.metrics.events import Workflow, WorkState, derive_events
from vger.metrics.quality import (
    completed_without_start,
    cut_history,
    done_without_resolution,
    flagged_long,
    long_lead_times,
    resolved_not_done,
    stuck,
    unmapped_now,
)
from vger.metrics.quality_history import history, unmapped_in_history
from vger.metrics.quality_rows import _numbers, rows_of, sort_keys, with_key_rank

# Backlog {To Do}, Ready {Selected}, Doing {In Progress}, Review {In Review}, Done {Done, Closed}
WF = Workflow(
    (
        WorkState("Backlog", frozenset({"1"})),
        WorkState("Ready", frozenset({"2"})),
        WorkState("Doing", frozenset({"3"})),
        WorkState("Review", frozenset({"4"})),
        WorkState("Done", frozenset({"5", "6"})),
    ),
    1,
    3,
)
S = {"To Do": "1", "Selected": "2", "In Progress": "3", "In Review": "4", "Done": "5"}
S["Closed"] = "6"
S["Blocked"] = "9"  # in no work state
NAMES = {v: k for k, v in S.items()}
NOW = pd.Timestamp("2024-03-01 12:00", tz="UTC")


def t(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def board(*specs) -> tuple[pd.DataFrame, pd.DataFrame]:
    """specs: (key, created, resolution, [(status, at), ...]) — the first status is the
    one the issue was created in; the last is its current status. Events are derived
    the way the store derives them."""
    rows, moves = [], []
    for n, (key, created, resolution, path) in enumerate(specs):
        issue_id = str(100 + n)
        statuses = [s for s, _ in path]
        rows.append(
            {
                "issue_id": issue_id,
                "key": key,
                "created": t(created),
                "status_id": S[statuses[-1]],
                "resolution": resolution,
            }
        )
        for k in range(1, len(path)):
            moves.append(
                {
                    "issue_id": issue_id,
                    "seq": k - 1,
                    "at": t(path[k][1]),
                    "from_status_id": S[path[k - 1][0]],
                    "to_status_id": S[path[k][0]],
                }
            )
    issues = pd.DataFrame(rows)
    transitions = pd.DataFrame(
        moves, columns=["issue_id", "seq", "at", "from_status_id", "to_status_id"]
    )
    events = derive_events(issues, transitions, WF).events
    full = issues.merge(events, on="issue_id")
    full["lead_time"] = full["lead_time_days"]
    return full, transitions


def keys(rows: pd.DataFrame) -> list[str]:
    return list(rows["key"])


CLEAN = ("OK-1", "2024-01-01", "Done", [("To Do", ""), ("Selected", "2024-01-02"), ("In Progress", "2024-01-03"), ("Done", "2024-01-04")])  # fmt: skip


def test_completed_without_start_and_skipped_interval():
    issues, moves = board(
        CLEAN,
        ("Q-1", "2024-01-01", "Done", [("To Do", ""), ("Done", "2024-01-02")]),
        # abandoned straight to done: skipped, but not "completed"
        ("Q-2", "2024-01-01", "Won't Do", [("To Do", ""), ("Done", "2024-01-02")]),
        # done, then reopened into the interval and done again: has a start
        (
            "Q-3",
            "2024-01-01",
            "Done",
            [
                ("To Do", ""),
                ("Done", "2024-01-02"),
                ("In Progress", "2024-01-03"),
                ("Done", "2024-01-05"),
            ],
        ),  # fmt: skip
        # created straight into Done
        ("Q-10", "2024-01-01", "Done", [("Done", "")]),
    )
    assert keys(completed_without_start(issues)) == ["Q-1", "Q-10"]
    found = history(issues, moves, WF).hits
    assert keys(found["skipped_interval"]) == ["Q-1", "Q-2", "Q-10"]
    late = found["entered_late"]
    assert keys(late) == ["Q-3"]
    assert "2024-01-03" in late["detail"].iat[0]


def test_unmapped_now_and_in_history():
    issues, moves = board(
        CLEAN,
        (
            "U-1",
            "2024-01-01",
            None,
            [("To Do", ""), ("Selected", "2024-01-02"), ("Blocked", "2024-01-03")],
        ),  # fmt: skip
        (
            "U-2",
            "2024-01-01",
            "Done",
            [
                ("To Do", ""),
                ("Blocked", "2024-01-02"),
                ("In Progress", "2024-01-03"),
                ("Done", "2024-01-04"),
            ],
        ),  # fmt: skip
    )
    now = unmapped_now(issues, WF, NAMES)
    assert keys(now) == ["U-1"] and "Blocked" in now["detail"].iat[0]
    rows, statuses = unmapped_in_history(issues, history(issues, moves, WF).unmapped, NAMES)
    assert keys(rows) == ["U-1", "U-2"] and statuses == ["9"]
    assert rows["detail"].iat[1] == "was in Blocked (id 9)"


def test_resolution_against_done_state():
    issues, _ = board(
        CLEAN,
        (
            "R-1",
            "2024-01-01",
            None,
            [("To Do", ""), ("Selected", "2024-01-02"), ("Done", "2024-01-03")],
        ),  # fmt: skip
        ("R-2", "2024-01-01", "  ", [("To Do", ""), ("Closed", "2024-01-03")]),
        ("R-3", "2024-01-01", "Done", [("To Do", ""), ("In Progress", "2024-01-02")]),
        ("R-4", "2024-01-01", "Fixed", [("To Do", ""), ("Blocked", "2024-01-02")]),
        ("R-5", "2024-01-01", None, [("To Do", ""), ("In Progress", "2024-01-02")]),
    )
    assert keys(done_without_resolution(issues, WF)) == ["R-1", "R-2"]
    assert keys(resolved_not_done(issues, WF)) == ["R-3", "R-4"]


def test_reopened_counts_each_exit_from_done():
    issues, moves = board(
        CLEAN,
        (
            "D-1",
            "2024-01-01",
            "Done",
            [
                ("Selected", ""),
                ("Done", "2024-01-02"),
                ("In Progress", "2024-01-03"),
                ("Done", "2024-01-04"),
                ("To Do", "2024-01-05"),
                ("Done", "2024-01-06"),
            ],
        ),  # fmt: skip
        # Done -> Closed is not a reopening (both done states)
        (
            "D-2",
            "2024-01-01",
            "Done",
            [("Selected", ""), ("Done", "2024-01-02"), ("Closed", "2024-01-03")],
        ),  # fmt: skip
        # reopened and still open
        (
            "D-3",
            "2024-01-01",
            None,
            [("Selected", ""), ("Done", "2024-01-02"), ("Blocked", "2024-01-03")],
        ),  # fmt: skip
    )
    rows = history(issues, moves, WF).hits["reopened"]
    assert keys(rows) == ["D-1", "D-3"]
    assert rows["detail"].iat[0].startswith("reopened 2 times, last 2024-01-05")


def test_backward_moves_within_the_workflow():
    issues, moves = board(
        CLEAN,
        # Review -> Doing -> Ready: two backward moves, one issue
        (
            "B-1",
            "2024-01-01",
            "Done",
            [
                ("To Do", ""),
                ("In Review", "2024-01-02"),
                ("In Progress", "2024-01-03"),
                ("Selected", "2024-01-04"),
                ("Done", "2024-01-05"),
            ],
        ),  # fmt: skip
        # Ready -> Backlog counts too
        (
            "B-2",
            "2024-01-01",
            None,
            [("To Do", ""), ("Selected", "2024-01-02"), ("To Do", "2024-01-03")],
        ),  # fmt: skip
        # out of done is a reopening, through an unmapped status is not a work-state move
        (
            "B-3",
            "2024-01-01",
            "Done",
            [
                ("To Do", ""),
                ("Done", "2024-01-02"),
                ("In Progress", "2024-01-03"),
                ("Blocked", "2024-01-04"),
                ("Selected", "2024-01-05"),
                ("Done", "2024-01-06"),
            ],
        ),  # fmt: skip
    )
    rows = history(issues, moves, WF).hits["backward_moves"]
    assert keys(rows) == ["B-1", "B-2"]
    assert rows["detail"].iat[0] == "2 backward moves, e.g. Review → Doing"


def test_history_before_creation_and_out_of_order():
    issues, moves = board(
        CLEAN,
        (
            "H-1",
            "2024-01-05",
            "Done",
            [("To Do", ""), ("Selected", "2024-01-03"), ("Done", "2024-01-04")],
        ),  # fmt: skip
        (
            "H-2",
            "2024-01-01",
            "Done",
            [
                ("To Do", ""),
                ("Selected", "2024-01-06"),
                ("In Progress", "2024-01-03"),
                ("Done", "2024-01-07"),
            ],
        ),  # fmt: skip
        # equal timestamps are not out of order
        (
            "H-3",
            "2024-01-01",
            "Done",
            [("To Do", ""), ("Selected", "2024-01-03"), ("Done", "2024-01-03")],
        ),  # fmt: skip
    )
    found = history(issues, moves, WF).hits
    early = found["before_created"]
    assert keys(early) == ["H-1"] and early["detail"].iat[0].startswith("2 moves before creation")
    assert keys(found["out_of_order"]) == ["H-2"]


def _lead(key: str, days: float) -> tuple:
    done = t("2024-01-01") + pd.Timedelta(days=days)
    return (key, "2023-12-31", "Done", [("To Do", ""), ("Selected", "2024-01-01"), ("Done", str(done))])  # fmt: skip


def test_long_lead_times_above_three_times_the_90th_percentile():
    # lead times 1..9 and 100: p90 (linear) = 9 + 0.1 * 91 = 18.1, limit 54.3
    specs = [_lead(f"L-{d}", d) for d in range(1, 10)] + [_lead("L-99", 100.0)]
    issues, _ = board(*specs)
    rows, limit = long_lead_times(issues)
    assert limit == pytest.approx(54.3)
    assert keys(rows) == ["L-99"]


def test_long_lead_time_limit_follows_the_percentile():
    # 1..9 and 50: p90 = 9 + 0.1 * 41 = 13.1, limit 39.3 < 50
    issues, _ = board(*[_lead(f"L-{d}", d) for d in range(1, 10)], _lead("L-50", 50.0))
    rows, limit = long_lead_times(issues)
    assert limit == pytest.approx(39.3)
    assert keys(rows) == ["L-50"]


def test_stuck_open_items_in_the_interval():
    # completed lead times 1..10 days: p90 = 9.1 days
    specs = [_lead(f"L-{d}", d) for d in range(1, 11)]
    specs += [
        # in Doing, last move 20 days before NOW: stuck
        ("S-1", "2024-01-01", None, [("To Do", ""), ("In Progress", "2024-02-10 12:00")]),
        # in Doing, last move 5 days ago: fine
        ("S-2", "2024-01-01", None, [("To Do", ""), ("In Progress", "2024-02-25 12:00")]),
        # old but in the backlog: not in the interval
        ("S-3", "2024-01-01", None, [("To Do", "")]),
        # created straight into Review long ago, never moved: stuck since creation
        ("S-4", "2024-01-01", None, [("In Review", "")]),
    ]
    issues, moves = board(*specs)
    rows, limit = stuck(issues, history(issues, moves, WF).last_move, WF, NOW)
    assert limit == pytest.approx(9.1)
    assert keys(rows) == ["S-1", "S-4"]
    assert rows["detail"].iat[0] == "no move for 20.0 days (limit 9.1)"


def test_report_counts_and_every_check_explained():
    issues, moves = board(
        CLEAN,
        ("Q-1", "2024-01-01", "Done", [("To Do", ""), ("Done", "2024-01-02")]),
        ("U-1", "2024-01-01", None, [("To Do", ""), ("Blocked", "2024-01-03")]),
    )
    checks = {c.id: c for c in whole_history_report(issues, moves, WF, now=NOW, names=NAMES)}
    # 13 over the history, 1 over what Jira answered (history_cut), 1 over its flags
    assert len(checks) == 15
    assert {k: c.count for k, c in checks.items() if c.count} == {
        "completed_without_start": 1,
        "unmapped_now": 1,
        "unmapped_statuses": 1,
        "skipped_interval": 1,
    }
    assert checks["unmapped_statuses"].unit == "statuses"
    assert all(c.why.endswith(".") and len(c.why) > 40 for c in checks.values())


def test_empty_board_and_natural_key_order():
    issues, moves = board(CLEAN)
    empty = issues.iloc[0:0]
    assert all(c.count == 0 for c in whole_history_report(empty, moves.iloc[0:0], WF, now=NOW))
    frame = pd.DataFrame({"key": ["EX-10", "EX-2", "AB-3"], "issue_id": ["1", "2", "3"]})
    assert list(sort_keys(frame)["key"]) == ["AB-3", "EX-2", "EX-10"]


@pytest.mark.parametrize(
    ("keys", "ordered"),
    [
        (  # numbers decide: the numeric sort
            ["EX-10", "EX-2", "AB-3", "EX-1", "AB-20"],
            ["AB-3", "AB-20", "EX-1", "EX-2", "EX-10"],
        ),
        (  # ties (equal numbers, no number, equal keys): the key text decides
            ["EX-1", "EX-01", "EX-2", "EX-1", "AB", "EX-x", "EX-", "AB-2"],
            ["AB-2", "AB", "EX-01", "EX-1", "EX-1", "EX-2", "EX-", "EX-x"],
        ),
    ],
)
def test_key_rank_orders_every_subset_as_sort_keys(keys, ordered):
    # the checks' rows sorted by the issues' key rank are the rows sort_keys gives
    issues = pd.DataFrame({"issue_id": [str(k) for k in range(len(keys))], "key": keys})
    assert list(sort_keys(issues)["key"]) == ordered
    ranked = with_key_rank(issues)
    for mask in ([True] * len(keys), [k % 2 == 0 for k in range(len(keys))]):
        picked = ranked[mask]
        detail = [f"d{k}" for k in picked["issue_id"]]
        expected = sort_keys(rows_of(issues[mask], detail))
        pd.testing.assert_frame_equal(rows_of(picked, detail), expected)
        assert list(expected["detail"]) == [f"d{k}" for k in expected["issue_id"]]


def test_history_cut_by_jira_is_listed():
    issues, _ = board(CLEAN, ("Q-1", "2024-01-01", "Done", [("To Do", ""), ("Done", "2024-01-02")]))
    assert cut_history(issues).empty  # no flag column (e.g. the demo): nothing listed
    issues["history_cut"] = [False, True]
    rows = cut_history(issues)
    assert keys(rows) == ["Q-1"] and rows["detail"].iat[0] == "history cut by Jira"


def test_flagged_longer_than_the_85_percent_lead_time():
    """Completed lead times 1..10 days: p85 = 1 + 0.85 × 9 = 8.65 days. F-1 (in Doing
    since 02-01, not done) flagged 02-10 12:00 → now 03-01 12:00 = 20.0 days: listed.
    L-10 (done, lead time 10) flagged 5 days of it: not. F-2 flagged 12 days, but all
    in the backlog before it started: not. Without any flag history: nothing."""
    specs = [_lead(f"L-{d}", d) for d in range(1, 11)]
    specs += [
        ("F-1", "2024-01-01", None, [("To Do", ""), ("In Progress", "2024-02-01")]),
        ("F-2", "2024-01-01", None, [("To Do", ""), ("In Progress", "2024-02-20")]),
    ]
    issues, _ = board(*specs)
    ids = dict(zip(issues["key"], issues["issue_id"], strict=True))
    flags = pd.DataFrame(
        {
            "issue_id": [ids["F-1"], ids["L-10"], ids["L-10"], ids["F-2"], ids["F-2"]],
            "at": [
                t("2024-02-10 12:00"),
                t("2024-01-02"),
                t("2024-01-07"),
                t("2024-02-01"),
                t("2024-02-13"),
            ],
            "flagged": [True, True, False, True, False],
        }
    )
    rows, limit = flagged_long(issues, flags, NOW)
    assert limit == pytest.approx(8.65)
    assert keys(rows) == ["F-1"]
    assert rows["detail"].iat[0] == "flagged 20.0 days (limit 8.6)"
    assert flagged_long(issues, None, NOW)[0].empty


@pytest.mark.parametrize(
    "text",
    [
        ["10", "2", "007", "123456789012345"],  # ASCII digits: parsed by numpy
        ["10", "", "x", "1.5"],  # anything else: pandas
        ["10", "1234567890123456"],  # over 15 digits: pandas
        ["10", "\u0663"],  # a non-ASCII digit: pandas
    ],
)
def test_key_numbers_as_pandas_reads_them(text):
    values = np.array(text)
    expected = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy()
    np.testing.assert_array_equal(_numbers(values), expected)
    assert _numbers(values).dtype == expected.dtype
