"""No lost update: an issue that changes in Jira between two search pages of one run must
not make the run skip another issue, on Cloud and Data Center, through real HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import select

from etl.jira_sync import BoardSync, sync_board
from tests.etl.conftest import settings_for
from tests.etl.fake_jira import parse_time
from tests.etl.test_jira_etl import make_board, many, search_requests
from tests.factories import whole_history_report
from vger.store import queries, workflows
from vger.store import schema as s

T1 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


def store_view(engine, board) -> dict[str, tuple[str, datetime]]:
    """key -> (status id, updated) as stored."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(s.issue.c.key, s.issue.c.status_id, s.issue.c.updated).where(
                s.issue.c.board_id == board.id
            )
        ).all()
    return {k: (st, u if u.tzinfo else u.replace(tzinfo=UTC)) for k, st, u in rows}


def jira_view(fake) -> dict[str, tuple[str, datetime]]:
    """key -> (status id, updated) as the fake Jira holds them."""
    with fake._lock:
        return {
            k: (d["fields"]["status"]["id"], parse_time(d["fields"]["updated"]))
            for k, d in fake.issues.items()
        }


def test_issue_changing_between_two_pages_loses_nothing(sqlite_engine, fake_jira):
    """250 issues synced; 150 change; while page 2 of the next run is pending, one issue
    already read on page 1 changes again. Offset paging shifted every later row left by
    one and never read the row at the page boundary; the store must equal Jira."""
    engine = sqlite_engine
    many(fake_jira, 250, moves_each=1)
    board = make_board(engine, jira_board_id=None)
    settings = settings_for(fake_jira)
    assert sync_board(engine, board, settings).ok
    assert store_view(engine, board) == jira_view(fake_jira)
    for k in range(150):
        fake_jira.move(f"EX-{k + 1}", T1 + timedelta(minutes=k), "3")
    first_page = fake_jira.search_pages + 1
    fake_jira.before_search[first_page + 1] = lambda: fake_jira.move(
        "EX-10", T1 + timedelta(days=1), "1"
    )
    report = sync_board(engine, board, settings)
    assert report.ok, report.error
    assert not fake_jira.before_search  # the change happened between page 1 and page 2
    assert store_view(engine, board) == jira_view(fake_jira)
    assert store_view(engine, board)["EX-10"][0] == "1"
    # The next run and the daily sweep keep it so (nothing stale left to repair).
    later = BoardSync(engine, board, settings, now=lambda: datetime.now(UTC) + timedelta(days=2))
    assert later.run().ok
    assert store_view(engine, board) == jira_view(fake_jira)


def test_issue_deleted_between_two_pages_loses_nothing(sqlite_engine, fake_jira):
    """A deletion of an already-read issue shifts the later rows the same way."""
    engine = sqlite_engine
    many(fake_jira, 250, moves_each=1)
    board = make_board(engine, jira_board_id=None)
    settings = settings_for(fake_jira)
    assert sync_board(engine, board, settings).ok
    for k in range(150):
        fake_jira.move(f"EX-{k + 1}", T1 + timedelta(minutes=k), "3")
    fake_jira.before_search[fake_jira.search_pages + 2] = lambda: fake_jira.delete("EX-5")
    assert sync_board(engine, board, settings).ok
    view = store_view(engine, board)
    jira = jira_view(fake_jira)
    assert {k: v for k, v in view.items() if k != "EX-5"} == jira


def test_many_issues_updated_in_one_minute(sqlite_engine, fake_jira):
    """A bulk edit puts more than a page of issues in one minute: every one is read, in
    few requests."""
    engine = sqlite_engine
    many(fake_jira, 260, moves_each=1)
    board = make_board(engine, jira_board_id=None)
    settings = settings_for(fake_jira)
    assert sync_board(engine, board, settings).ok
    for k in range(230):
        fake_jira.move(f"EX-{k + 1}", T1 + timedelta(milliseconds=100 * k), "3")
    fake_jira.reset_log()
    report = sync_board(engine, board, settings)
    assert report.ok, report.error
    assert report.updated == 230
    assert store_view(engine, board) == jira_view(fake_jira)
    # DC: 3 pages (each asks for the rows it re-reads on top); Cloud (100 a page): 3 pages,
    # 1 id listing of the minute, 3 fetches by id, 1 page after the minute
    assert len(search_requests(fake_jira)) == (3 if fake_jira.mode == "dc" else 8)


def _long_issue(fake, moves: int = 150) -> None:
    fake.add_issue(
        "9000",
        "EX-999",
        created=T1,
        status="2",
        moves=[
            (T1 + timedelta(minutes=j + 1), "1" if j % 2 == 0 else "2", "2" if j % 2 == 0 else "1")
            for j in range(moves)
        ],
    )


@pytest.mark.parametrize("says_total", [True, False])
def test_data_center_history_cut_is_flagged(sqlite_engine, fake_dc, says_total):
    """The DC issue GET answers only the newest 120 of 150 histories (with or without a
    ``total``); DC has no paged changelog (404), so the issue is flagged on the quality
    page as "history cut by Jira" instead of getting a silently wrong start."""
    engine = sqlite_engine
    many(fake_dc, 3)
    _long_issue(fake_dc)
    fake_dc.embedded = 100
    fake_dc.cut_changelog, fake_dc.cut_total = 120, says_total
    board = make_board(engine, jira_board_id=None)
    report = sync_board(engine, board, settings_for(fake_dc))
    assert report.ok, report.error
    assert report.extra.get("history cut") == 1
    assert "/rest/api/2/issue/EX-999/changelog" in fake_dc.paths()  # recovery was tried
    with engine.connect() as conn:
        workflows.set_workflow(
            conn, board.id, [("To Do", ["1"]), ("Doing", ["2"]), ("Done", ["3"])], (1, 1)
        )
        rows = queries.quality_rows(conn, board)
        transitions = queries.issue_transitions(conn, board, None)
        workflow = workflows.get_workflow(conn, board.id)
    assert dict(zip(rows["key"], rows["history_cut"], strict=True)) == {
        "EX-1": False,
        "EX-2": False,
        "EX-3": False,
        "EX-999": True,
    }
    checks = {
        c.id: c for c in whole_history_report(rows, transitions, workflow, now=pd.Timestamp(T1))
    }
    cut = checks["history_cut"]
    assert cut.count == 1 and list(cut.rows["key"]) == ["EX-999"]
    assert list(cut.rows["detail"]) == ["history cut by Jira"]
    # Once Jira answers the whole history, the flag goes.
    fake_dc.cut_changelog = None
    fake_dc.move("EX-999", T1 + timedelta(days=1), "1")
    assert sync_board(engine, board, settings_for(fake_dc)).ok
    with engine.connect() as conn:
        rows = queries.quality_rows(conn, board)
    assert not rows["history_cut"].any()


def test_cut_history_is_recovered_where_the_paged_changelog_exists(sqlite_engine, fake_dc):
    """A Data Center whose issue GET cuts the history but which serves the paged
    ``issue/{key}/changelog``: the rest is fetched, nothing is flagged."""
    engine = sqlite_engine
    _long_issue(fake_dc)
    fake_dc.cut_changelog, fake_dc.dc_paged_changelog = 120, True
    board = make_board(engine, jira_board_id=None)
    report = sync_board(engine, board, settings_for(fake_dc))
    assert report.ok and "history cut" not in report.extra
    assert fake_dc.paths().count("/rest/api/2/issue/EX-999/changelog") == 2
    with engine.connect() as conn:
        rows = queries.quality_rows(conn, board)
        n = len(queries.issue_transitions(conn, board, None))
    assert n == 150 and not rows["history_cut"].any()
