"""Small builders for tests: the worked example board of docs/metrics.md (example 5)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine

from vger.metrics import quality, quality_history
from vger.store import boards, teams, workflows
from vger.store.issues import save_issues
from vger.store.quality_hits import refresh_pending

EXAMPLE_STATES = [
    ("Backlog", ["1"]),  # To Do
    ("Ready", ["2"]),  # Selected
    ("Doing", ["3"]),  # In Progress
    ("Review", ["4"]),  # In Review
    ("Done", ["5", "6"]),  # Done, Closed
]
NAMES = {
    "1": "To Do",
    "2": "Selected",
    "3": "In Progress",
    "4": "In Review",
    "5": "Done",
    "6": "Closed",
}
IDS = {name: sid for sid, name in NAMES.items()}


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def issue(
    issue_id: str,
    key: str,
    issue_type: str,
    created: str,
    status: str,
    resolution: str | None,
    summary: str = "",
) -> dict:
    return {
        "issue_id": issue_id,
        "key": key,
        "issue_type": issue_type,
        "is_subtask": False,
        "parent_key": None,
        "summary": summary or f"{key} summary",
        "status_id": IDS[status],
        "status_name": status,
        "resolution": resolution,
        "created": utc(created),
        "updated": utc(created),
    }


def moves(issue_id: str, *steps: tuple[str, str, str]) -> list[dict]:
    return [
        {
            "issue_id": issue_id,
            "seq": k,
            "at": utc(at),
            "from_status_id": IDS[a],
            "to_status_id": IDS[b],
            "from_status": a,
            "to_status": b,
        }
        for k, (a, b, at) in enumerate(steps)
    ]


EXAMPLE_ISSUES = [
    issue("101", "EX-1", "Story", "2024-01-01 09:00", "Done", "Done"),  # A
    issue("102", "EX-2", "Bug", "2024-01-03 08:00", "Done", "Done"),  # B
    issue("103", "EX-3", "Bug", "2024-01-02 10:00", "Done", "Won't Do"),  # C
    issue("104", "EX-4", "Story", "2024-01-02 08:00", "Done", "Done"),  # D
]
EXAMPLE_TRANSITIONS = (
    moves(
        "101",
        ("To Do", "Selected", "2024-01-02 09:00"),
        ("Selected", "In Progress", "2024-01-03 09:00"),
        ("In Progress", "In Review", "2024-01-05 09:00"),
        ("In Review", "In Progress", "2024-01-05 21:00"),
        ("In Progress", "In Review", "2024-01-08 09:00"),
        ("In Review", "Done", "2024-01-09 09:00"),
    )
    + moves("102", ("To Do", "Done", "2024-01-04 10:00"))
    + moves(
        "103", ("To Do", "Selected", "2024-01-03 10:00"), ("Selected", "Done", "2024-01-05 10:00")
    )
    + moves(
        "104",
        ("To Do", "Selected", "2024-01-02 12:00"),
        ("Selected", "Done", "2024-01-04 12:00"),
        ("Done", "In Progress", "2024-01-10 12:00"),
        ("In Progress", "Done", "2024-01-11 12:00"),
    )
)


def example_board(
    engine: Engine, *, tz: str = "UTC", slug: str = "example", working_days: bool = False
) -> boards.Board:
    """The board of docs/metrics.md example 5, stored through the real load path."""
    with engine.begin() as conn:
        if not conn.execute(
            boards.select(boards.s.team.c.id).where(boards.s.team.c.slug == "ex-team")
        ).first():
            teams.add_team(conn, "ex-team", "Example team", tz=tz)
        board_id = boards.add_board(
            conn,
            slug,
            "ex-team",
            name="Example board",
            jql="project = EX",
            working_days=working_days,
            browse_url="https://jira.example.com",
        )
        workflows.set_workflow(conn, board_id, EXAMPLE_STATES, (1, 3))
        workflows.set_work_types(conn, board_id, {"Feature": ["Story"], "Defect": ["Bug"]})
        workflows.upsert_statuses(
            conn, board_id, [{"status_id": k, "name": v} for k, v in NAMES.items()]
        )
        board = boards.get_board(conn, slug)
        save_issues(conn, board, EXAMPLE_ISSUES, EXAMPLE_TRANSITIONS)
        refresh_pending(conn, board_id)  # as the end of a sync run does
    return board


def whole_history_report(issues, transitions, workflow, **options) -> list:
    """The data-quality report over issues and their whole status history: what the
    stored hits must reproduce (``options``: the report's keywords, ``now`` included)."""
    found = quality_history.history(issues, transitions, workflow)
    return quality.report(issues, workflow, found, **options)
