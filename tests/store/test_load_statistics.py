"""PostgreSQL's statistics during a board's first sync: the pages' foreign-key checks
must not keep a plan made when ``issue`` was nearly empty (a scan of it per row)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import example_board
from vger.store.db import GROWN_PAGES, analyze_if_grown
from vger.store.issues import save_issues

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _page(first: int, n: int = 100) -> tuple[list[dict], list[dict]]:
    issues, moves = [], []
    for k in range(first, first + n):
        created = T0 + timedelta(minutes=k)
        issues.append(
            {
                "issue_id": str(50000 + k),
                "key": f"EX-{1000 + k}",
                "issue_type": "Story",
                "summary": f"issue {k} " + "x" * 200,
                "status_id": "3",
                "status_name": "In Progress",
                "created": created,
                "updated": created + timedelta(hours=2),
            }
        )
        for seq, (a, b) in enumerate((("1", "2"), ("2", "3"))):
            moves.append(
                {
                    "issue_id": str(50000 + k),
                    "seq": seq,
                    "at": created + timedelta(hours=seq + 1),
                    "from_status_id": a,
                    "to_status_id": b,
                    "from_status": None,
                    "to_status": None,
                }
            )
    return issues, moves


def _stats(conn) -> tuple[int, int, int]:
    """(pages on disk, pages and rows the statistics say) of ``issue``."""
    return conn.exec_driver_sql(
        "SELECT pg_relation_size(oid) / current_setting('block_size')::int, relpages,"
        " reltuples::bigint FROM pg_class WHERE oid = 'issue'::regclass"
    ).one()


@pytest.mark.postgres
def test_first_sync_pages_refresh_the_parent_tables_statistics(postgresql_engine):
    engine = postgresql_engine
    board = example_board(engine)  # 4 issues: far below the threshold, not analysed
    with engine.connect() as conn:
        assert _stats(conn)[1] <= 0
        assert analyze_if_grown(conn, "issue") is False
    with engine.begin() as conn:  # one run's transaction per page, as the sync does
        for first in range(0, 2000, 100):
            save_issues(conn, board, *_page(first))
    with engine.connect() as conn:
        pages, known, rows = _stats(conn)
        # analysed during the pages (no run has ended): within a factor two of the truth
        assert rows >= 1000 and 2 * known + GROWN_PAGES >= pages
        assert analyze_if_grown(conn, "issue") is False  # nothing grew since
        plan = conn.exec_driver_sql(
            "EXPLAIN SELECT 1 FROM ONLY issue x WHERE board_id = %(b)s AND issue_id = %(i)s"
            " FOR KEY SHARE OF x",
            {"b": board.id, "i": "50001"},
        ).all()
    assert "Index" in " ".join(r[0] for r in plan)  # the foreign-key check's lookup


def test_sqlite_never_analyses_between_runs(sqlite_engine):
    board = example_board(sqlite_engine)
    with sqlite_engine.begin() as conn:
        save_issues(conn, board, *_page(0, 300))
        assert analyze_if_grown(conn, "issue") is False
        assert (
            conn.exec_driver_sql("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'issue'").scalar()
            == 0
        )
