"""The history-based quality checks stored with the issues (vger.store.quality_hits) give
the very report that running every check over the whole history gives: on the worked
example, on the demo's boards and on a hand-built board where every check fires; after
re-saves, deletions, a work-state change, with a work-type filter, and on a store
migrated from before the hits were kept."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest
from alembic import command
from sqlalchemy import func, select

from tests.factories import EXAMPLE_STATES, NAMES, example_board, utc, whole_history_report
from vger.demo import build_demo
from vger.metrics.quality import CHECK_IDS
from vger.store import boards, quality_hits, queries, sync, teams, workflows
from vger.store import schema as s
from vger.store.db import alembic_config, make_engine, upgrade
from vger.store.issues import delete_issues, rederive_board, save_issues

NOW = pd.Timestamp("2024-03-01 12:00", tz="UTC")
ALL_NAMES = {**NAMES, "9": "Blocked", "8": "Parked"}


def _issue(issue_id, key, status_id, resolution, created="2024-01-01 09:00", **extra):
    return {
        "issue_id": issue_id,
        "key": key,
        "issue_type": extra.pop("issue_type", "Story"),
        "is_subtask": False,
        "parent_key": None,
        "summary": f"{key} summary",
        "status_id": status_id,
        "status_name": ALL_NAMES[status_id],
        "resolution": resolution,
        "created": utc(created),
        "updated": utc(created),
        **extra,
    }


def _moves(issue_id, *steps):
    """Moves in changelog order: (from status id, to status id, at)."""
    return [
        {
            "issue_id": issue_id,
            "seq": k,
            "at": utc(at),
            "from_status_id": a,
            "to_status_id": b,
            "from_status": ALL_NAMES[a],
            "to_status": ALL_NAMES[b],
        }
        for k, (a, b, at) in enumerate(steps)
    ]


# Statuses of example 5: 1 To Do (Backlog), 2 Ready, 3 Doing, 4 Review, 5/6 Done; the
# interval is Ready..Review; 9 Blocked and 8 Parked belong to no work state.
EVERY_CHECK = [
    (  # reopened
        _issue("201", "HB-1", "5", "Done"),
        _moves(
            "201",
            ("1", "2", "2024-01-02 09:00"),
            ("2", "3", "2024-01-03 09:00"),
            ("3", "5", "2024-01-05 09:00"),
            ("5", "3", "2024-01-06 09:00"),
            ("3", "5", "2024-01-08 09:00"),
        ),
    ),
    (  # moved backwards
        _issue("202", "HB-2", "5", "Done", issue_type="Bug"),
        _moves(
            "202",
            ("1", "3", "2024-01-02 09:00"),
            ("3", "4", "2024-01-03 09:00"),
            ("4", "3", "2024-01-04 09:00"),
            ("3", "5", "2024-01-06 09:00"),
        ),
    ),
    (  # skipped the interval (and completed without start)
        _issue("203", "HB-3", "5", "Done"),
        _moves("203", ("1", "5", "2024-01-03 09:00")),
    ),
    (  # entered the interval after done (and reopened)
        _issue("204", "HB-4", "5", "Done", issue_type="Bug"),
        _moves(
            "204",
            ("1", "5", "2024-01-02 09:00"),
            ("5", "3", "2024-01-04 09:00"),
            ("3", "5", "2024-01-06 09:00"),
        ),
    ),
    (  # a move before creation
        _issue("205", "HB-5", "5", "Done", created="2024-01-10 09:00"),
        _moves("205", ("1", "3", "2024-01-05 09:00"), ("3", "5", "2024-01-12 09:00")),
    ),
    (  # history out of order
        _issue("206", "HB-6", "5", "Done"),
        _moves(
            "206",
            ("1", "3", "2024-01-10 09:00"),
            ("3", "4", "2024-01-08 09:00"),
            ("4", "5", "2024-01-12 09:00"),
        ),
    ),
    (  # now in an unmapped status, and one in the history
        _issue("207", "HB-7", "9", None),
        _moves("207", ("1", "3", "2024-01-02 09:00"), ("3", "9", "2024-01-03 09:00")),
    ),
    (  # done without a resolution
        _issue("208", "HB-8", "5", None, issue_type="Bug"),
        _moves("208", ("1", "3", "2024-01-02 09:00"), ("3", "5", "2024-01-04 09:00")),
    ),
    (  # resolved but not done; open in the interval for weeks: stuck
        _issue("209", "HB-9", "3", "Done"),
        _moves("209", ("1", "3", "2024-01-02 09:00")),
    ),
    (  # a very long lead time
        _issue("210", "HB-10", "5", "Done", created="2023-06-01 09:00"),
        _moves("210", ("1", "3", "2023-06-02 09:00"), ("3", "5", "2023-12-20 09:00")),
    ),
    (  # history cut by Jira
        _issue("211", "HB-11", "5", "Done", history_cut=True),
        _moves("211", ("3", "5", "2024-01-05 09:00")),
    ),
    (  # stuck in Review, moved in time: not stuck
        _issue("212", "HB-12", "4", None, issue_type="Bug"),
        _moves("212", ("1", "4", "2024-01-03 09:00")),
    ),
    (
        _issue("213", "HB-13", "4", None),
        _moves("213", ("1", "4", "2024-02-29 09:00")),
    ),
    (  # two unmapped statuses, one of them twice, in visiting order
        _issue("214", "HB-14", "5", "Done", issue_type="Bug"),
        _moves(
            "214",
            ("1", "9", "2024-01-02 09:00"),
            ("9", "8", "2024-01-03 09:00"),
            ("8", "3", "2024-01-04 09:00"),
            ("3", "9", "2024-01-05 09:00"),
            ("9", "5", "2024-01-06 09:00"),
        ),
    ),
    (  # never moved, created in an unmapped status
        _issue("215", "HB-15", "8", None),
        [],
    ),
] + [  # short, ordinary lead times so that HB-10 is an outlier
    (
        _issue(str(300 + k), f"HB-{100 + k}", "5", "Done"),
        _moves(
            str(300 + k),
            ("1", "2", f"2024-01-{2 + k:02d} 09:00"),
            ("2", "5", f"2024-01-{4 + k:02d} 09:00"),
        ),
    )
    for k in range(10)
]


def hand_built(engine, slug: str = "every") -> boards.Board:
    """A board (workflow of example 5) on which every check finds something, saved in
    pages as the ETL saves them (no end of a sync run: each page keeps its own hits)."""
    with engine.begin() as conn:
        if not conn.execute(select(s.team.c.id).where(s.team.c.slug == "hb-team")).first():
            teams.add_team(conn, "hb-team", "Hand-built team")
        board_id = boards.add_board(conn, slug, "hb-team", name="Every check")
        workflows.set_workflow(conn, board_id, EXAMPLE_STATES, (1, 3))
        workflows.set_work_types(conn, board_id, {"Feature": ["Story"], "Defect": ["Bug"]})
        workflows.upsert_statuses(
            conn, board_id, [{"status_id": k, "name": v} for k, v in ALL_NAMES.items() if k != "8"]
        )
        board = boards.get_board(conn, slug)
        for first in range(0, len(EVERY_CHECK), 4):  # several pages, as the ETL saves
            part = EVERY_CHECK[first : first + 4]
            save_issues(conn, board, [i for i, _ in part], [m for _, ms in part for m in ms])
    return board


def pending(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(s.quality_pending)).scalar_one()


def kept(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(s.issue_quality)).scalar_one()


def _options(conn, board):
    return {
        "now": NOW,
        "names": workflows.statuses(conn, board.id),
        "unit": "working days" if board.working_days else "days",
    }


def reports(engine, board, types=None):
    """(from the whole history, from the stored hits) for the board."""
    with engine.connect() as conn:
        workflow = workflows.get_workflow(conn, board.id)
        issues = queries.quality_rows(conn, board, types)
        transitions = queries.issue_transitions(conn, board, types)
        scratch = whole_history_report(issues, transitions, workflow, **_options(conn, board))
        stored = quality_hits.stored_checks(conn, board, issues, workflow, **_options(conn, board))
    return scratch, stored


def assert_same(scratch, stored):
    assert [(c.id, c.title, c.why, c.count, c.unit) for c in stored] == [
        (c.id, c.title, c.why, c.count, c.unit) for c in scratch
    ]
    for a, b in zip(scratch, stored, strict=True):
        if a.rows.empty and b.rows.empty:  # an empty frame's dtypes are pandas' accident
            assert list(b.rows.columns) == list(a.rows.columns)
            continue
        pd.testing.assert_frame_equal(b.rows, a.rows, check_index_type=False, obj=a.id)


def test_every_check_fires_and_stored_hits_give_the_same_report(engine):
    board = hand_built(engine)
    assert pending(engine) == 0 and kept(engine) > 0
    scratch, stored = reports(engine, board)
    # the board fires every check but flagged_long, which reads Jira's Flagged changes (not
    # the status history) at request time: tests/metrics/test_quality.py covers it
    assert {c.id for c in scratch if c.count} == set(CHECK_IDS) - {"flagged_long"}
    assert_same(scratch, stored)
    by_id = {c.id: c for c in stored}
    assert by_id["unmapped_statuses"].count == 2
    assert by_id["unmapped_statuses"].rows.set_index("key")["detail"].to_dict() == {
        "HB-7": "was in Blocked (id 9)",
        "HB-14": "was in Blocked (id 9), 8 (id 8)",
        "HB-15": "was in 8 (id 8)",
    }
    assert by_id["stuck"].rows["key"].tolist() == ["HB-9", "HB-12"]
    for types in (["Bug"], ["Story"]):  # the work-type filter applies to the stored hits
        assert_same(*reports(engine, board, types))


def test_saved_pages_keep_their_hits_without_the_end_of_a_run(engine):
    """Each saved page stores its issues' hits in its own transaction: right after the
    pages of a run that never ends (killed), nothing waits and the report is the whole
    history's; the end of a run changes nothing."""
    board = hand_built(engine)
    assert pending(engine) == 0 and kept(engine) > 0
    assert_same(*reports(engine, board))
    assert_same(*reports(engine, board, ["Bug"]))
    before = kept(engine)
    with engine.begin() as conn:  # a sync run ends: nothing left to compute
        run = sync.start_run(conn, "jira", "every", board.id)
        sync.finish_run(conn, run, "ok")
        assert quality_hits.refresh_pending(conn, board.id) == 0
    assert pending(engine) == 0 and kept(engine) == before
    assert_same(*reports(engine, board))


def test_renamed_status_is_named_as_now(engine):
    board = hand_built(engine)
    with engine.begin() as conn:
        workflows.upsert_statuses(conn, board.id, [{"status_id": "8", "name": "Parked"}])
    scratch, stored = reports(engine, board)
    assert_same(scratch, stored)
    rows = {c.id: c for c in stored}["unmapped_statuses"].rows
    assert rows.set_index("key")["detail"]["HB-14"] == "was in Blocked (id 9), Parked (id 8)"


def test_resaving_deleting_and_new_work_states_keep_the_hits_current(engine):
    board = hand_built(engine)
    with engine.begin() as conn:  # HB-1 is no longer reopened; HB-2 is deleted
        save_issues(
            conn,
            board,
            [_issue("201", "HB-1", "5", "Done")],
            _moves("201", ("1", "3", "2024-01-02 09:00"), ("3", "5", "2024-01-05 09:00")),
        )
        delete_issues(conn, board.id, ["202"])
    assert pending(engine) == 0  # HB-1's hits replaced with the page that re-saved it
    scratch, stored = reports(engine, board)
    assert_same(scratch, stored)
    reopened = {c.id: c for c in stored}["reopened"].rows["key"].tolist()
    assert "HB-1" not in reopened and "HB-4" in reopened
    with engine.begin() as conn:  # Review becomes a done state; Blocked a work state
        workflows.set_workflow(
            conn,
            board.id,
            [("Backlog", ["1"]), ("Ready", ["2"]), ("Doing", ["3", "9"]), ("Review", ["4"])]
            + [("Done", ["5", "6"])],
            (1, 2),
        )
        rederive_board(conn, board)
    assert pending(engine) == 0
    scratch, stored = reports(engine, board)
    assert_same(scratch, stored)
    by_id = {c.id: c for c in stored}
    assert "HB-7" in by_id["stuck"].rows["key"].tolist()  # Blocked is now Doing
    assert "HB-7" not in by_id["unmapped_statuses"].rows["key"].tolist()
    assert by_id["backward_moves"].count == 0  # HB-2 is gone, HB-14's move ends in done


def test_example_board_same_report(engine):
    board = example_board(engine)
    hand_built(engine)  # another board's hits never leak in
    assert pending(engine) == 0  # example_board ends as a sync run does
    assert_same(*reports(engine, board))
    assert_same(*reports(engine, board, ["Bug"]))


@pytest.fixture(scope="module")
def demo_engine(tmp_path_factory):
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'd.db'}")
    upgrade(engine)
    build_demo(engine, seed=7, now=datetime(2024, 6, 1, tzinfo=UTC))
    yield engine
    engine.dispose()


def test_demo_boards_same_report(demo_engine):
    with demo_engine.connect() as conn:
        every = boards.list_boards(conn)
    assert every and pending(demo_engine) == 0  # the demo's sync runs computed the hits
    for board in every:
        scratch, stored = reports(demo_engine, board)
        assert sum(c.count for c in scratch) > 0
        assert_same(scratch, stored)


def test_a_store_from_before_the_hits_gets_them_on_upgrade(sqlite_engine):
    engine = sqlite_engine
    board = hand_built(engine)
    expected, _ = reports(engine, board)
    command.downgrade(alembic_config(engine), "0007")
    command.upgrade(alembic_config(engine), "head")  # the migration alone: all pending
    assert pending(engine) == len(EVERY_CHECK) and kept(engine) == 0
    assert_same(expected, reports(engine, board)[1])
    upgrade(engine)  # vger db upgrade computes them
    assert pending(engine) == 0 and kept(engine) > 0
    scratch, stored_report = reports(engine, board)
    assert_same(expected, stored_report)
    assert_same(scratch, stored_report)


def test_the_report_reads_no_history_once_the_hits_are_kept(sqlite_engine):
    """The page's data: issue rows, the stored hits, the latest move of open issues (one
    aggregate) and the moves of pending issues (none), never the board's history."""
    from sqlalchemy import event

    from vger.web.params import parse
    from vger.web.views.common import choose_board
    from vger.web.views.quality.data import quality_data

    engine = sqlite_engine
    board = hand_built(engine)
    expected, _ = reports(engine, board)
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    with engine.connect() as conn:
        choice = choose_board(conn, parse({"board": board.slug}).params, NOW.to_pydatetime())
        data = quality_data(conn, choice, NOW.to_pydatetime())
    assert_same(expected, data.checks)
    history = [q for q in seen if "FROM transition" in q]
    assert len(history) == 2, history
    assert any("max(transition.at)" in q for q in history)
    assert any("JOIN quality_pending" in q for q in history)  # pending issues' only
