"""vger.store.flags.issue_flags for a list of issues: one statement whatever the number
of ids (a PostgreSQL array or SQLite's json_each), the same rows as reading every flag
of the board and keeping those issues."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
from sqlalchemy import event

from tests.factories import example_board
from vger.store import flags
from vger.store.issues import save_issues

T0 = datetime(2024, 3, 1, tzinfo=UTC)


def _issue(k: int) -> dict:
    return {
        "issue_id": f"f{k}",
        "key": f"F-{k}",
        "issue_type": "Story",
        "is_subtask": False,
        "parent_key": None,
        "summary": f"flagged {k}",
        "status_id": "1",
        "status_name": "To Do",
        "resolution": None,
        "created": T0,
        "updated": T0,
    }


def test_the_flags_of_many_issues_come_from_one_statement(engine):
    board = example_board(engine)
    n = 1300  # more than the 500 ids a statement used to carry
    rows = [
        {"issue_id": f"f{k}", "seq": s, "at": T0 + timedelta(hours=k + s), "flagged": s == 0}
        for k in range(n)
        if k % 3
        for s in range(1 + k % 2)
    ]
    with engine.begin() as conn:
        save_issues(conn, board, [_issue(k) for k in range(n)], [], flags=rows)
    wanted = [f"f{k}" for k in range(n) if k % 5 != 1] + ["nobody", "o'brien"]
    statements: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with engine.connect() as conn:
        got = flags.issue_flags(conn, board.id, wanted)
        ran = len(statements)
        everything = flags.issue_flags(conn, board.id)
    expected = everything[everything["issue_id"].isin(wanted)].reset_index(drop=True)
    assert ran == 1
    assert len(got) == len([r for r in rows if r["issue_id"] in set(wanted)]) > 700
    pd.testing.assert_frame_equal(got, expected)
    assert got["flagged"].sum() == len({r["issue_id"] for r in rows} & set(wanted))


def test_ids_with_quotes_backslashes_and_control_characters_find_their_flags(engine):
    """The ids travel as one bound text (PostgreSQL's array text, SQLite's JSON): every
    character an id may hold comes back as itself, and no other id matches."""
    board = example_board(engine)
    odd = [
        'a"b',
        "c\\d",
        'e\\"f',
        "x,y",
        "{z}",
        " sp ",
        "NULL",
        "",
        "é",
        "o'brien",
        "t\tab",
        "n\nl",
    ]
    issues = [dict(_issue(k), issue_id=i, key=f"F-{k}") for k, i in enumerate(odd)]
    rows = [{"issue_id": i, "seq": 0, "at": T0, "flagged": True} for i in odd]
    with engine.begin() as conn:
        save_issues(conn, board, issues, [], flags=rows)
    for wanted in (odd[:10], odd, ['a"b', "c\\\\d", "NUL"]):
        with engine.connect() as conn:
            got = flags.issue_flags(conn, board.id, wanted)
        assert sorted(got["issue_id"]) == sorted(set(wanted) & set(odd))
