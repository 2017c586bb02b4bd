"""The issue history tables without a foreign key to ``issue`` (revision 0014): the
migrated schema is the one ``vger.store.schema`` declares, the migration keeps every row,
and every path that removes issues (a sync's deletions and sweep, a board's or a team's
removal) removes their history itself, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from tests.factories import EXAMPLE_ISSUES, EXAMPLE_TRANSITIONS, example_board, utc
from vger.store import boards, teams
from vger.store import schema as s
from vger.store.db import alembic_config, upgrade
from vger.store.issues import delete_issues, save_issues

#: The tables holding rows per (board_id, issue_id).
PER_ISSUE = (
    s.transition,
    s.issue_state_time,
    s.issue_flag,
    s.issue_quality,
    s.quality_pending,
)
UNKEYED = ("transition", "issue_state_time", "issue_flag")
PENDING = ["101", "102"]


def _flags() -> list[dict]:
    """Flag changes of every example issue, so each has a row in issue_flag too."""
    return [
        {"issue_id": i["issue_id"], "seq": k, "at": utc("2024-01-04 09:00"), "flagged": k == 0}
        for i in EXAMPLE_ISSUES
        for k in range(2)
    ]


def _flagged_board(engine, slug: str):
    board = example_board(engine, slug=slug)
    with engine.begin() as conn:
        save_issues(conn, board, EXAMPLE_ISSUES, EXAMPLE_TRANSITIONS, flags=_flags())
        # 101 and 102 as a store from before revision 0008 holds them: hits still pending
        q = s.issue_quality
        conn.execute(sa.delete(q).where(q.c.board_id == board.id, q.c.issue_id.in_(PENDING)))
        conn.execute(
            sa.insert(s.quality_pending), [{"board_id": board.id, "issue_id": i} for i in PENDING]
        )
    return board


def _rows(conn, board_id: int, issue_ids=None) -> dict[str, int]:
    """Rows per table of the board (of these issues only, when given)."""
    out = {}
    for t in PER_ISSUE:
        where = [t.c.board_id == board_id]
        if issue_ids is not None:
            where.append(t.c.issue_id.in_(issue_ids))
        out[t.name] = conn.execute(select_count(t).where(*where)).scalar_one()
    return out


def _history(conn, board_id: int) -> dict[str, list]:
    """Every row of the board in the tables the migration recreates, sorted."""
    out = {}
    for name in UNKEYED:
        t = s.metadata.tables[name]
        rows = conn.execute(sa.select(t).where(t.c.board_id == board_id)).all()
        out[name] = sorted(tuple(r) for r in rows)
    return out


def select_count(table):
    return sa.select(sa.func.count()).select_from(table)


def _orphans(conn) -> dict[str, int]:
    """Rows of the per-issue tables whose issue is not stored."""
    i = s.issue
    out = {}
    for t in PER_ISSUE:
        stored = sa.exists().where(i.c.board_id == t.c.board_id, i.c.issue_id == t.c.issue_id)
        out[t.name] = conn.execute(select_count(t).where(~stored)).scalar_one()
    return out


def _foreign_keys(conn) -> dict[str, list]:
    found = sa.inspect(conn)
    return {t: [fk["referred_table"] for fk in found.get_foreign_keys(t)] for t in UNKEYED}


def test_migrated_schema_is_the_declared_one(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, s.metadata) == []


def test_upgrade_drops_the_keys_and_keeps_every_row(engine):
    board = _flagged_board(engine, "ex")
    with engine.connect() as conn:
        before = _history(conn, board.id)
        assert all(before.values()), before  # every table holds rows the upgrade must keep
    config = alembic_config(engine)
    command.downgrade(config, "0013_flow_day_counts")
    with engine.connect() as conn:
        assert _foreign_keys(conn) == {t: ["issue"] for t in UNKEYED}
        assert _history(conn, board.id) == before
    upgrade(engine)
    with engine.connect() as conn:
        assert _foreign_keys(conn) == {t: [] for t in UNKEYED}
        assert _history(conn, board.id) == before
        indexes = {ix["name"] for ix in sa.inspect(conn).get_indexes("transition")}
        assert "ix_transition_board_at" in indexes  # the flow reads' index stays
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, s.metadata) == []


def test_deleted_issues_leave_no_history(engine):
    keep = _flagged_board(engine, "keep")
    board = _flagged_board(engine, "ex")
    gone = ["101", "104"]
    with engine.connect() as conn:
        kept = _rows(conn, keep.id)
        others = _rows(conn, board.id, ["102", "103"])
        assert all(_rows(conn, board.id, gone).values())
    with engine.begin() as conn:
        assert delete_issues(conn, board.id, gone) == 2
    with engine.connect() as conn:
        assert set(_rows(conn, board.id, gone).values()) == {0}
        assert _rows(conn, board.id, ["102", "103"]) == others
        assert _rows(conn, keep.id) == kept  # same issue ids on another board: untouched
        assert set(_orphans(conn).values()) == {0}


def test_resaved_issues_keep_no_old_history(engine):
    board = _flagged_board(engine, "ex")
    with engine.begin() as conn:  # 101 saved again with no moves and no flags
        save_issues(conn, board, [EXAMPLE_ISSUES[0]], [])
    with engine.connect() as conn:
        left = _rows(conn, board.id, ["101"])
        assert (left["transition"], left["issue_flag"], left["quality_pending"]) == (0, 0, 0)
        assert set(_orphans(conn).values()) == {0}


def test_removed_board_and_team_leave_no_rows(engine):
    keep = _flagged_board(engine, "keep")
    gone = _flagged_board(engine, "gone")
    with engine.begin() as conn:
        teams.add_team(conn, "other", "Other")
        boards.add_board(conn, "solo", "other", jql="project = S")
        solo = boards.get_board(conn, "solo")
        save_issues(conn, solo, EXAMPLE_ISSUES[:1], [], flags=_flags()[:2])
    with engine.connect() as conn:
        kept = _rows(conn, keep.id)
        assert all(_rows(conn, gone.id).values())
    with engine.begin() as conn:
        boards.delete_board(conn, "gone")
    with engine.connect() as conn:
        assert set(_rows(conn, gone.id).values()) == {0}
        assert _rows(conn, keep.id) == kept
        assert set(_orphans(conn).values()) == {0}
    with engine.begin() as conn:
        teams.delete_team(conn, "ex-team")  # its board "keep" with it
    with engine.connect() as conn:
        assert set(_rows(conn, keep.id).values()) == {0}
        assert _rows(conn, solo.id)["issue_flag"] == 2  # another team's board stays
        assert set(_orphans(conn).values()) == {0}
        assert conn.execute(select_count(s.issue)).scalar_one() == 1
