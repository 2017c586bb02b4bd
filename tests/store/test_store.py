"""The store on SQLite and PostgreSQL: migrations, upserts, derivation on write, reads."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest
from sqlalchemy import func, select

from tests.factories import EXAMPLE_ISSUES, EXAMPLE_TRANSITIONS, example_board
from vger.errors import ConfigError, LockedError, NotFoundError
from vger.store import boards, queries, sync, teams, workflows
from vger.store import schema as s
from vger.store.db import analyze, make_engine, upgrade
from vger.store.issues import delete_issues, rederive_board, save_issues


def test_example_board_is_derived_when_stored(engine):
    board = example_board(engine)
    with engine.connect() as conn:
        items = queries.issue_items(conn, board).set_index("key")
    assert items.loc["EX-1", "lead_time"] == pytest.approx(7.0)
    assert items.loc["EX-4", "lead_time"] == pytest.approx(9.0)
    assert pd.isna(items.loc["EX-2", "lead_time"]) and items.loc["EX-2", "outcome"] == "completed"
    assert items.loc["EX-3", "outcome"] == "abandoned"
    assert items.loc["EX-4", "done"] == pd.Timestamp("2024-01-11 12:00", tz="UTC")
    assert str(items["done"].dt.tz) == "UTC"


def test_state_times_are_stored_per_issue(engine):
    board = example_board(engine)
    with engine.connect() as conn:
        st = queries.completed_state_times(
            conn, board, pd.Timestamp("2024-01-01", tz="UTC"), pd.Timestamp("2024-01-15", tz="UTC")
        )
    a = st[st["issue_id"] == "101"].set_index("state")["days"].to_dict()
    d = st[st["issue_id"] == "104"].set_index("state")["days"].to_dict()
    assert a == pytest.approx({"Ready": 1.0, "Doing": 4.5, "Review": 1.5})
    assert d == pytest.approx({"Ready": 2.0, "Done": 6.0, "Doing": 1.0})


def test_working_days_option_switches_lead_time(engine):
    board = example_board(engine, working_days=True)
    with engine.connect() as conn:
        items = queries.issue_items(conn, board).set_index("key")
    assert items.loc["EX-1", "lead_time"] == pytest.approx(5.0)


def test_work_type_filter_is_done_in_sql(engine):
    board = example_board(engine)
    with engine.connect() as conn:
        defects = queries.issue_items(conn, board, ["Defect"])
        both = queries.issue_items(conn, board, ["Defect", "Feature"])
        everything = queries.issue_items(conn, board)
    assert sorted(defects["key"]) == ["EX-2", "EX-3"]
    assert len(both) == len(everything) == 4


def test_upsert_is_idempotent_and_replaces_history(engine):
    board = example_board(engine)
    with engine.begin() as conn:
        counts = save_issues(conn, board, EXAMPLE_ISSUES, EXAMPLE_TRANSITIONS)
        assert (counts.added, counts.updated) == (0, 4)
        assert conn.execute(select(func.count()).select_from(s.transition)).scalar_one() == len(
            EXAMPLE_TRANSITIONS
        )
        # D loses its reopening: history shrinks and done moves back to 01-04.
        d_moves = [t for t in EXAMPLE_TRANSITIONS if t["issue_id"] == "104"][:2]
        save_issues(conn, board, [EXAMPLE_ISSUES[3]], d_moves)
        assert (
            conn.execute(
                select(func.count())
                .select_from(s.transition)
                .where(s.transition.c.issue_id == "104")
            ).scalar_one()
            == 2
        )
        items = queries.issue_items(conn, board).set_index("key")
    assert items.loc["EX-4", "done"] == pd.Timestamp("2024-01-04 12:00", tz="UTC")
    assert items.loc["EX-4", "lead_time"] == pytest.approx(2.0)


def test_a_page_of_new_and_stored_issues_as_columns(engine):
    """A page mixing stored issues and new ones (an incremental run's page; PostgreSQL
    COPYs the new rows, upserts the others), its moves given column by column as the ETL
    holds them: every row stored as the dict rows store it."""
    board = example_board(engine)
    with engine.connect() as conn:
        before = queries.issue_items(conn, board).set_index("key")
    first, *_ = EXAMPLE_ISSUES
    new = {**first, "issue_id": "900", "key": "EX-900"}
    moves = [t for t in EXAMPLE_TRANSITIONS if t["issue_id"] == first["issue_id"]]
    page = [first, new]
    rows = moves + [{**t, "issue_id": "900"} for t in moves]
    columns = {c: [r[c] for r in rows] for c in rows[0]}
    with engine.begin() as conn:
        counts = save_issues(conn, board, page, columns)
        assert (counts.added, counts.updated) == (1, 1)
        items = queries.issue_items(conn, board).set_index("key")
        stored = conn.execute(
            select(s.transition.c.issue_id, func.count())
            .where(s.transition.c.issue_id.in_([first["issue_id"], "900"]))
            .group_by(s.transition.c.issue_id)
        ).all()
    assert dict(stored) == {first["issue_id"]: len(moves), "900": len(moves)}
    assert len(items) == len(before) + 1
    for column in ("done", "lead_time", "outcome"):
        assert items.loc["EX-900", column] == before.loc[first["key"], column]
        assert items.loc[first["key"], column] == before.loc[first["key"], column]


def test_rederive_after_interval_change(engine):
    board = example_board(engine)
    with engine.begin() as conn:
        # Commitment moves to Doing: A starts 01-03 09:00, lead time 6 days.
        workflows.set_workflow(
            conn,
            board.id,
            [("Backlog", ["1", "2"]), ("Doing", ["3"]), ("Review", ["4"]), ("Done", ["5", "6"])],
            (1, 2),
        )
        assert rederive_board(conn, board) == 4
        items = queries.issue_items(conn, board).set_index("key")
    assert items.loc["EX-1", "lead_time"] == pytest.approx(6.0)


def test_delete_issues_removes_history(engine):
    board = example_board(engine)
    with engine.begin() as conn:
        assert delete_issues(conn, board.id, ["101"]) == 1
        assert (
            conn.execute(
                select(func.count())
                .select_from(s.transition)
                .where(s.transition.c.issue_id == "101")
            ).scalar_one()
            == 0
        )
        assert boards.issue_count(conn, board.id) == 3


def test_configuration_errors_are_words(engine):
    example_board(engine)
    with engine.begin() as conn:
        with pytest.raises(ConfigError, match="unknown time zone"):
            teams.add_team(conn, "x", tz="Mars/Olympus")
        with pytest.raises(ConfigError, match="already exists"):
            boards.add_board(conn, "example", "ex-team")
        with pytest.raises(NotFoundError, match="no board"):
            boards.get_board(conn, "nope")
        with pytest.raises(ConfigError, match="owner/name"):
            boards.add_repo(conn, 1, "not-a-repo")


def test_unmapped_statuses_are_listed(engine):
    board = example_board(engine)
    with engine.begin() as conn:
        workflows.upsert_statuses(conn, board.id, [{"status_id": "99", "name": "Blocked"}])
        assert workflows.unmapped_statuses(conn, board.id) == {"99": "Blocked"}


def test_sync_lock_and_watermark(engine):
    board = example_board(engine)
    with engine.begin() as conn:
        sync.acquire_lock(conn, "jira:example", "run-1")
    with engine.begin() as conn, pytest.raises(LockedError, match="another sync is running"):
        sync.acquire_lock(conn, "jira:example", "run-2")
    with engine.begin() as conn:
        sync.release_lock(conn, "jira:example", "run-1")
        sync.acquire_lock(conn, "jira:example", "run-2")
        run = sync.start_run(conn, "jira", "example", board.id)
        sync.checkpoint(
            conn,
            run,
            watermark=pd.Timestamp("2024-02-01", tz="UTC").to_pydatetime(),
            cursor="page-2",
        )
    with engine.begin() as conn:
        assert sync.last_watermark(conn, "jira", "example") == pd.Timestamp("2024-02-01", tz="UTC")
        sync.finish_run(conn, run, "ok", counts={"added": 4})
        assert sync.runs(conn, "jira")[0]["counts"] == {"added": 4}
        assert sync.last_success(conn, board.id) is not None


def test_migration_0002_backfills_packed_state_days(engine):
    """A store derived before revision 0002 gets its per-state days packed on upgrade."""
    from alembic import command

    from vger.store.db import alembic_config, upgrade
    from vger.store.statepack import unpack

    board = example_board(engine)
    with engine.connect() as conn:
        history = conn.execute(select(func.count()).select_from(s.transition)).scalar_one()
        per_state = conn.execute(select(func.count()).select_from(s.issue_state_time)).scalar_one()
    command.downgrade(alembic_config(engine), "0001")
    upgrade(engine)
    with engine.connect() as conn:  # batch mode on SQLite must not cascade into child tables
        assert conn.execute(select(func.count()).select_from(s.transition)).scalar_one() == history
        assert (
            conn.execute(select(func.count()).select_from(s.issue_state_time)).scalar_one()
            == per_state
        )
    with engine.connect() as conn:
        items = queries.issue_items(conn, board, lean=True, state_days=True)
    done = items[items["key"] == "EX-1"]
    states = unpack(
        done["issue_id"].to_numpy(),
        done["state_days"].tolist(),
        working=False,
        names={1: "Ready", 2: "Doing", 3: "Review"},
    )
    assert states.set_index("state")["days"].to_dict() == pytest.approx(
        {"Ready": 1.0, "Doing": 4.5, "Review": 1.5}
    )


def test_slugs_and_repositories_are_validated_for_cli_and_admin_alike(engine):
    with engine.begin() as conn:
        for bad in ("Has Space", "a/b", "<script>", "", "x" * 65):
            with pytest.raises(ConfigError, match="not valid"):
                teams.add_team(conn, bad)
        teams.add_team(conn, "ok-team")
        with pytest.raises(ConfigError, match="not valid"):
            boards.add_board(conn, "Bad/Slug", "ok-team")
        board_id = boards.add_board(conn, "ok-board", "ok-team")
        with pytest.raises(ConfigError, match="owner/name"):
            boards.add_repo(conn, board_id, "<script>alert(1)</script>")
        with pytest.raises(ConfigError, match="control characters"):
            teams.add_team(conn, "t2", "bad\\x00name".replace("\\x00", "\x00"))


def _planner_rows(conn) -> int:
    """How many ``issue`` rows the query planner's statistics say there are."""
    if conn.dialect.name == "sqlite":
        stat = conn.exec_driver_sql(
            "SELECT stat FROM sqlite_stat1 WHERE idx = 'ix_issue_board_done'"
        ).scalar()
        return int(stat.split()[0]) if stat else 0
    return int(
        conn.exec_driver_sql(
            "SELECT reltuples FROM pg_class WHERE oid = 'issue'::regclass"
        ).scalar()
    )


def test_planner_statistics_follow_each_sync(engine):
    with engine.connect() as conn:
        assert _planner_rows(conn) <= 0  # analysed on upgrade, while empty
    board = example_board(engine)  # stores 4 issues without recording a run
    with engine.begin() as conn:
        assert _planner_rows(conn) <= 0
        run = sync.start_run(conn, "jira", "example", board.id)
        sync.finish_run(conn, run, "ok", counts={"added": 4})
    with engine.connect() as conn:
        assert _planner_rows(conn) == len(EXAMPLE_ISSUES)


def test_sqlite_statistics_count_a_big_boards_rows(tmp_path):
    """A sampled ANALYZE cannot tell how many rows one board has; the planner then reads
    whole-board aggregates through an index row by row instead of scanning the table."""
    engine = make_engine(f"sqlite:///{tmp_path / 'stats.db'}")
    upgrade(engine)
    board = example_board(engine)
    created = datetime(2024, 1, 1, tzinfo=UTC)
    rows = [
        {
            "board_id": board.id,
            "issue_id": f"s{k}",
            "key": f"S-{k}",
            "issue_type": "Story",
            "created": created,
        }
        for k in range(3000)
    ]
    with engine.begin() as conn:
        conn.execute(s.issue.insert(), rows)
        analyze(conn)
        stat = conn.exec_driver_sql(
            "SELECT stat FROM sqlite_stat1 WHERE idx = 'ix_issue_board_created'"
        ).scalar()
        per_board = int(stat.split()[1])  # rows per board_id value
        plan = conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT count(*), sum(is_subtask) FROM issue WHERE board_id = ?",
            (board.id,),
        ).all()
    assert per_board == 3000 + len(EXAMPLE_ISSUES)
    assert "SCAN issue" in " ".join(str(row[-1]) for row in plan)
