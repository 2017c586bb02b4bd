"""The pure transform on real Jira documents (tidev archive, jirametrics sample)."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from etl.jira_transform import (
    changelog_state,
    default_work_types,
    default_workflow,
    initial_status,
    merge_histories,
    search_jql,
    since_clause,
    transform_issue,
)

DATA = Path(__file__).parents[1] / "data" / "jira"
SP = DATA / "jirametrics_sample"


def tidev() -> list[dict]:
    with gzip.open(DATA / "tidev_raw_sample.jsonl.gz", "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def sp(key: str) -> dict:
    return json.loads((SP / "issues" / f"{key}.json").read_text())


def test_tidev_documents_transform_to_rows():
    docs = tidev()
    rows = [transform_issue(d) for d in docs]
    assert len(rows) == 300
    assert len({r.issue["issue_id"] for r in rows}) == 300
    first = rows[0].issue
    assert (first["issue_id"], first["key"]) == ("173957", "TIMOB-27298")
    assert first["created"] == datetime(2019, 7, 30, 1, 46, 51, tzinfo=UTC)
    assert first["updated"] == datetime(2020, 2, 6, 19, 17, 5, tzinfo=UTC)
    assert (first["issue_type"], first["status_id"], first["status_name"]) == (
        "Improvement",
        "6",
        "Closed",
    )
    assert first["resolution"] == "Fixed"
    # No changelog in the archive: no transitions, created in the current status.
    assert all(r.transitions == [] for r in rows)
    assert initial_status(rows[0]) == "6"
    # Counts of the real sample.
    assert sum(r.issue["resolution"] is not None for r in rows) == 270
    assert sum(r.issue["is_subtask"] for r in rows) == 14
    assert sum(r.issue["parent_key"] is not None for r in rows) == 14
    assert sum(r.issue["issue_type"] == "Bug" for r in rows) == 215
    assert {r.issue["status_name"] for r in rows} == {"Closed", "Open", "Resolved", "Reopened"}
    # Every created is UTC-aware and never after updated.
    assert all(r.issue["created"].tzinfo is UTC for r in rows)
    assert all(r.issue["created"] <= r.issue["updated"] for r in rows)
    # Category of the current status is kept.
    cats = {sid: st["category"] for r in rows for sid, st in r.statuses.items()}
    assert cats["6"] == "done" and cats["1"] == "new"


def test_sp1_status_moves_in_order_with_ids_and_names():
    rows = transform_issue(sp("SP-1"))
    assert rows.issue["issue_id"] == "10008" and rows.issue["key"] == "SP-1"
    assert rows.issue["created"] == datetime(2021, 6, 18, 18, 41, 29, 398000, tzinfo=UTC)
    assert rows.issue["resolution"] is None
    moves = [
        (t["seq"], t["from_status_id"], t["to_status_id"], t["from_status"], t["to_status"])
        for t in rows.transitions
    ]
    assert moves == [
        (0, "10000", "10001", "Backlog", "Selected for Development"),
        (1, "10001", "3", "Selected for Development", "In Progress"),
        (2, "3", "10011", "In Progress", "Review"),
    ]
    assert rows.transitions[0]["at"] == datetime(2021, 6, 18, 18, 43, 34, 818000, tzinfo=UTC)
    assert initial_status(rows) == "10000"
    assert rows.statuses["10011"] == {
        "status_id": "10011",
        "name": "Review",
        "category": "indeterminate",
    }


def test_sp5_done_then_reopened_then_done():
    rows = transform_issue(sp("SP-5"))
    assert rows.issue["resolution"] == "Done" and rows.issue["status_id"] == "10002"
    assert [t["to_status_id"] for t in rows.transitions] == [
        "10001",
        "3",
        "10011",
        "10002",
        "10001",
        "3",
        "10002",
    ]
    ats = [t["at"] for t in rows.transitions]
    assert ats == sorted(ats)


def test_every_sample_issue_is_complete_and_ordered():
    for path in sorted((SP / "issues").glob("SP-*.json")):
        doc = json.loads(path.read_text())
        complete, present, total = changelog_state(doc)
        assert complete and present == total
        rows = transform_issue(doc)
        assert [t["seq"] for t in rows.transitions] == list(range(len(rows.transitions)))
        if rows.transitions:  # the last move lands in the current status
            assert rows.transitions[-1]["to_status_id"] == rows.issue["status_id"]


def test_truncated_and_missing_changelogs_are_detected():
    doc = sp("SP-5")
    doc["changelog"]["histories"] = doc["changelog"]["histories"][:3]
    assert changelog_state(doc) == (False, 3, 8)
    del doc["changelog"]
    assert changelog_state(doc)[0] is False


def test_merging_paged_and_embedded_histories():
    doc = sp("SP-5")
    newest_first = doc["changelog"]["histories"]
    oldest_first = list(reversed(newest_first))
    # embedded: 3 newest (newest first); paged endpoint: 6 oldest (oldest first), overlapping
    merged = merge_histories(newest_first[:3], oldest_first[:6])
    assert [h["id"] for h in merged] == [h["id"] for h in oldest_first]
    assert transform_issue(doc, merged).transitions == transform_issue(doc).transitions


def test_several_items_in_one_history_get_consecutive_seq():
    doc = {
        "id": "1",
        "key": "X-1",
        "fields": {
            "created": "2024-01-01T00:00:00.000+0000",
            "status": {"id": "3", "name": "Doing"},
        },
        "changelog": {
            "total": 1,
            "histories": [
                {
                    "id": "9",
                    "created": "2024-01-02T00:00:00.000+0100",
                    "items": [
                        {
                            "field": "status",
                            "fieldtype": "jira",
                            "fieldId": "status",
                            "from": "1",
                            "fromString": "A",
                            "to": "2",
                            "toString": "B",
                        },
                        {
                            "field": "resolution",
                            "fieldtype": "jira",
                            "fieldId": "resolution",
                            "from": None,
                            "to": "1",
                        },
                        {
                            "field": "status",
                            "fieldtype": "jira",
                            "fieldId": "status",
                            "from": "2",
                            "fromString": "B",
                            "to": "3",
                            "toString": "Doing",
                        },
                    ],
                }
            ],
        },
    }
    rows = transform_issue(doc)
    assert [(t["seq"], t["to_status_id"]) for t in rows.transitions] == [(0, "2"), (1, "3")]
    assert rows.transitions[0]["at"] == datetime(2024, 1, 1, 23, 0, tzinfo=UTC)


def test_board_configuration_gives_work_states_and_interval():
    config = json.loads((SP / "sample_board_1_configuration.json").read_text())
    states, interval = default_workflow(config)
    assert states == [
        ("Backlog", ["10000"]),
        ("Ready", ["10001"]),
        ("In Progress", ["3"]),
        ("Review", ["10011"]),
        ("Done", ["10002"]),
    ]
    assert interval == (1, 3)


def test_default_work_types():
    assert default_work_types(["Bug", "Story", "New Feature", "Improvement", "Task", "Epic"]) == {
        "Defect": ["Bug"],
        "Feature": ["Improvement", "New Feature", "Story"],
        "Task": ["Task"],
        "Epic": ["Epic"],
    }


def test_incremental_jql_in_the_user_zone():
    wm = datetime(2024, 3, 31, 0, 7, 30, tzinfo=UTC)  # 02:07:30 in Berlin (summer time began)
    clause = since_clause(wm, timedelta(minutes=5), "Europe/Berlin")
    assert clause == 'updated >= "2024/03/31 01:02"'
    assert search_jql("project = X ORDER BY rank", clause) == (
        '(project = X) AND updated >= "2024/03/31 01:02" ORDER BY updated ASC'
    )
    assert since_clause(wm, timedelta(0), "America/New_York") == 'updated >= "2024/03/30 20:07"'


@pytest.mark.parametrize("jql", ['summary ~ "order by"', "project = X OR labels = a"])
def test_board_jql_is_kept_verbatim(jql):
    assert search_jql(jql).startswith(f"({jql}) ORDER BY")
