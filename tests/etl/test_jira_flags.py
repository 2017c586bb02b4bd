"""Jira's "Flagged" (impediment) history: from real changelogs (jirametrics sample) and
from the fake Jira through the real ``jira`` client over HTTP, into the store and the
blocked-time metric (docs/metrics.md, "Blocked time")."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from etl.jira_sync import sync_board
from etl.jira_transform import transform_issue
from tests.etl.conftest import serve_example, settings_for
from tests.etl.test_jira_etl import make_board
from vger.metrics.blocked import flagged_days
from vger.store import flags, queries

SP = Path(__file__).resolve().parents[1] / "data" / "jira" / "jirametrics_sample" / "issues"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize("key", ["SP-1", "SP-5"])
def test_real_flagged_items_become_flag_rows(key):
    """Both sample issues were flagged once on 2021-08-29 (the field shows "Impediment"
    today) and never cleared; their status moves are unchanged by the extra rows."""
    rows = transform_issue(json.loads((SP / f"{key}.json").read_text()))
    at = {"SP-1": "2021-08-29 18:04:39.112", "SP-5": "2021-08-29 18:04:59.081"}[key]
    assert [(f["seq"], f["at"], f["flagged"]) for f in rows.flags] == [(0, utc(at), True)]
    assert all(t["from_status_id"] != t["to_status_id"] for t in rows.transitions)


def test_real_sp5_days_flagged_by_hand():
    """SP-5: start = first entry into Ready (the board's second column) 2021-06-23
    12:44:38.197; done = the last entry into Done 2021-10-11 12:49:07.261; flagged
    2021-08-29 18:04:59.081 and never cleared → flagged until done:
    (2021-10-11 12:49:07.261 − 2021-08-29 18:04:59.081) = 42 d 18:44:08.180
    = 42.780650231... days."""
    rows = transform_issue(json.loads((SP / "SP-5.json").read_text()))
    windows = pd.DataFrame(
        {
            "issue_id": [rows.issue["issue_id"]],
            "start": [pd.Timestamp("2021-06-23 12:44:38.197", tz="UTC")],
            "end": [pd.Timestamp("2021-10-11 12:49:07.261", tz="UTC")],
        }
    )
    days = flagged_days(pd.DataFrame(rows.flags), windows).iloc[0]
    assert days == pytest.approx(42 + (18 * 3600 + 44 * 60 + 8.180) / 86400, abs=1e-9)


def test_first_change_clearing_the_flag_means_flagged_since_created():
    doc = {
        "id": "7",
        "key": "X-7",
        "fields": {"created": "2024-01-01T09:00:00.000+0000", "status": {"id": "1"}},
        "changelog": {
            "histories": [
                {
                    "id": "1",
                    "created": "2024-01-03T09:00:00.000+0000",
                    "items": [
                        {
                            "field": "Flagged",
                            "fieldtype": "custom",
                            "from": "[10019]",
                            "fromString": "Impediment",
                            "to": None,
                            "toString": None,
                        }
                    ],
                }
            ]
        },
    }
    rows = transform_issue(doc)
    assert [(f["at"], f["flagged"]) for f in rows.flags] == [
        (utc("2024-01-01 09:00"), True),
        (utc("2024-01-03 09:00"), False),
    ]
    assert rows.transitions == []


def test_flag_history_over_http_into_the_store(sqlite_engine, fake_jira):
    """The worked example's item A (EX-1) flagged three times in the fake Jira; the real
    client reads the changelog, the store keeps the changes, and days flagged is 4.0."""
    serve_example(fake_jira)
    for at, on in [
        ("2024-01-01 12:00", True),
        ("2024-01-03 09:00", False),
        ("2024-01-05 21:00", True),
        ("2024-01-08 09:00", False),
        ("2024-01-08 21:00", True),
    ]:
        fake_jira.flag("EX-1", utc(at), on)
    board = make_board(sqlite_engine)
    report = sync_board(sqlite_engine, board, settings_for(fake_jira))
    assert report.ok, report.error
    with sqlite_engine.connect() as conn:
        stored = flags.issue_flags(conn, board.id)
        items = queries.issue_items(conn, board)
    assert stored["issue_id"].unique().tolist() == ["101"]
    assert stored["flagged"].tolist() == [True, False, True, False, True]
    a = items[items["key"] == "EX-1"]
    windows = pd.DataFrame({"issue_id": a["issue_id"], "start": a["start"], "end": a["done"]})
    assert flagged_days(stored, windows).iloc[0] == pytest.approx(4.0)
    # A second sync (the flag cleared meanwhile) replaces the history, not appends to it.
    fake_jira.flag("EX-1", utc("2024-01-12 09:00"), False)
    assert sync_board(sqlite_engine, board, settings_for(fake_jira)).ok
    with sqlite_engine.connect() as conn:
        assert flags.issue_flags(conn, board.id)["flagged"].tolist() == [
            True,
            False,
            True,
            False,
            True,
            False,
        ]


def test_cut_cloud_changelog_fetches_old_flag_changes_by_bulkfetch(sqlite_engine, fake_cloud):
    """A long history (150 moves; Cloud embeds the newest 40): the flag set early sits in
    the cut part, its clearing in the embedded part, which tells the run the field id;
    bulkfetch then asks for both fields and the whole flag history is stored."""
    from datetime import timedelta

    from tests.etl.test_jira_etl import T0

    fake_cloud.add_issue(
        "9000",
        "EX-999",
        created=T0,
        status="2",
        moves=[
            (T0 + timedelta(minutes=j + 1), "1" if j % 2 == 0 else "2", "2" if j % 2 == 0 else "1")
            for j in range(150)
        ],
    )
    fake_cloud.flag("EX-999", T0 + timedelta(minutes=5, seconds=30), True)
    fake_cloud.flag("EX-999", T0 + timedelta(minutes=149, seconds=30), False)
    board = make_board(sqlite_engine, jira_board_id=None)
    report = sync_board(sqlite_engine, board, settings_for(fake_cloud))
    assert report.ok, report.error
    bulk = [r for r in fake_cloud.log if r["path"] == "/rest/api/3/changelog/bulkfetch"]
    assert bulk and bulk[0]["body"]["fieldIds"] == ["status", "customfield_10021"]
    with sqlite_engine.connect() as conn:
        stored = flags.issue_flags(conn, board.id)
    assert stored["flagged"].tolist() == [True, False]
    assert stored["at"].tolist() == [
        pd.Timestamp(T0 + timedelta(minutes=5, seconds=30)),
        pd.Timestamp(T0 + timedelta(minutes=149, seconds=30)),
    ]


def test_real_sp5_flow_efficiency_by_hand():
    """SP-5 on the sample board's columns (Backlog, Ready, In Progress, Review, Done;
    default flags: Ready, In Progress and Review working). Between start (06-23
    12:44:38.197) and done (10-11 12:49:07.261) it waited back in Done from 09-06
    04:34:14.358 to its reopening 10-11 12:48:42.419; every other second was in a
    working state. So efficiency = 1 − (35 d 08:14:28.061) / (110 d 00:04:29.064)."""
    from etl.jira_transform import default_workflow
    from vger.metrics.efficiency import default_working, flow_efficiency, split_state_days
    from vger.metrics.events import Workflow, WorkState, derive_events

    config = json.loads((SP.parent / "sample_board_1_configuration.json").read_text())
    states, (lo, hi) = default_workflow(config)
    workflow = Workflow(tuple(WorkState(n, frozenset(ids)) for n, ids in states), lo, hi)
    rows = transform_issue(json.loads((SP / "SP-5.json").read_text()))
    issues = pd.DataFrame([rows.issue])[["issue_id", "created", "status_id", "resolution"]]
    moves = pd.DataFrame(rows.transitions)
    derived = derive_events(issues, moves, workflow)
    lead = derived.events["lead_time_days"].iloc[0]
    waiting = pd.Timedelta("35 days 08:14:28.061") / pd.Timedelta(days=1)
    assert lead == pytest.approx(pd.Timedelta("110 days 00:04:29.064") / pd.Timedelta(days=1))
    split = split_state_days(derived.state_times, dict(enumerate(default_working(5))))
    assert split["waiting"].iloc[0] == pytest.approx(waiting, abs=1e-9)
    efficiency = flow_efficiency(split["working"], [lead])[0]
    assert efficiency == pytest.approx(1 - waiting / lead, abs=1e-12)
    assert round(efficiency, 3) == 0.679
