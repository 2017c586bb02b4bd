"""The Jira ETL against the fake Jira (Cloud and Data Center), through the real client."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from etl.jira_sync import BoardSync, Shared, sync_board
from etl.run import run_etl
from tests.etl.conftest import serve_example, settings_for
from tests.etl.fake_jira import FakeJira
from vger.store import boards, sync, teams, workflows
from vger.store import schema as s
from vger.store.issues import delete_issues

T0 = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)


def make_board(engine, slug="ex", jql="project = EX", jira_board_id=5):
    with engine.begin() as conn:
        if not conn.execute(select(s.team.c.id).where(s.team.c.slug == "t")).first():
            teams.add_team(conn, "t")
        boards.add_board(conn, slug, "t", jql=jql, jira_board_id=jira_board_id)
        return boards.get_board(conn, slug)


def stored(engine, board):
    with engine.connect() as conn:
        issues = conn.execute(
            select(s.issue.c.key, s.issue.c.status_id).where(s.issue.c.board_id == board.id)
        ).all()
        moves = conn.execute(
            select(func.count())
            .select_from(s.transition)
            .where(s.transition.c.board_id == board.id)
        ).scalar_one()
    return dict(issues), moves


def many(fake: FakeJira, n: int, moves_each: int = 2, start: int = 1000, key="EX"):
    fake.add_status("1", "To Do", "new")
    fake.add_status("2", "Doing")
    fake.add_status("3", "Done", "done")
    for k in range(n):
        at = T0 + timedelta(hours=k)
        path = [
            (at + timedelta(minutes=10 * j), "1" if j % 2 == 0 else "2", "2" if j % 2 == 0 else "1")
            for j in range(moves_each)
        ]
        fake.add_issue(
            str(start + k),
            f"{key}-{k + 1}",
            created=at,
            status=path[-1][2] if path else "1",
            moves=path,
        )


def search_requests(fake):
    return [r for r in fake.log if r["path"].endswith(("/search", "/search/jql"))]


def test_full_run_then_no_change_run_makes_two_requests(engine, fake_jira):
    serve_example(fake_jira)
    board = make_board(engine)
    settings = settings_for(fake_jira)
    report = run_etl(engine, settings)
    assert report.ok, report.summary()
    part = report.parts[0]
    assert (part.added, part.updated, part.removed) == (4, 0, 0)
    assert (
        part.requests == fake_jira.count == 4
    )  # serverInfo, myself, board configuration, one page
    assert "4 requests" in report.summary()
    if fake_jira.mode == "cloud":
        assert (
            "/rest/api/2/search/jql" in fake_jira.paths()
            and "/rest/api/2/search" not in fake_jira.paths()
        )
    else:
        assert (
            "/rest/api/2/search" in fake_jira.paths()
            and "/rest/api/2/search/jql" not in fake_jira.paths()
        )
    fake_jira.reset_log()
    report = run_etl(engine, settings)
    assert report.ok and report.parts[0].requests == fake_jira.count <= 2
    assert (report.parts[0].added, report.parts[0].updated) == (0, 0)
    jql = search_requests(fake_jira)[0]["params"]["jql"]
    # watermark 2024-01-11 12:00 UTC (EX-4's last move) − 5 min, in Berlin time
    assert jql == '(project = EX) AND updated >= "2024/01/11 12:55" ORDER BY updated ASC'
    with engine.connect() as conn:
        wf = workflows.get_workflow(conn, board.id)
        assert wf.state_names == ["Backlog", "Ready", "Doing", "Review", "Done"]
        assert (wf.interval_start, wf.interval_end) == (1, 3)
        assert workflows.work_types(conn, board.id) == {"Defect": ["Bug"], "Feature": ["Story"]}
        assert workflows.statuses(conn, board.id)["4"] == "In Review"


def test_paging_and_truncated_changelogs(sqlite_engine, fake_jira):
    engine = sqlite_engine
    many(fake_jira, 230, moves_each=3)
    long_moves = 150
    fake_jira.add_issue(
        "9000",
        "EX-999",
        created=T0,
        status="2",
        moves=[
            (T0 + timedelta(minutes=j + 1), "1" if j % 2 == 0 else "2", "2" if j % 2 == 0 else "1")
            for j in range(long_moves)
        ],
        extra_items=True,
    )
    board = make_board(engine, jira_board_id=None)
    report = sync_board(engine, board, settings_for(fake_jira))
    assert report.ok, report.error
    issues, moves = stored(engine, board)
    assert len(issues) == 231 and moves == 230 * 3 + long_moves
    paths = fake_jira.paths()
    assert len(search_requests(fake_jira)) == 3  # 100 + 100 + 31
    if fake_jira.mode == "cloud":
        # 40 embedded, 110 missing → one changelog/bulkfetch request (status changes only)
        bulk = [r for r in fake_jira.log if r["path"] == "/rest/api/3/changelog/bulkfetch"]
        assert [r["body"]["issueIdsOrKeys"] for r in bulk] == [["9000"]]
        # the status and, its id seen in the embedded changelog, the Flagged field
        assert bulk[0]["body"]["fieldIds"] == ["status", "customfield_10021"]
        assert "/rest/api/2/issue/EX-999/changelog" not in paths
    else:
        assert paths.count("/rest/api/2/issue/EX-999") == 1
    with engine.connect() as conn:
        rows = conn.execute(
            select(s.transition.c.seq, s.transition.c.at, s.transition.c.to_status_id)
            .where(s.transition.c.issue_id == "9000")
            .order_by(s.transition.c.seq)
        ).all()
    assert [r.seq for r in rows] == list(range(long_moves))
    assert [r.at for r in rows] == sorted(r.at for r in rows)
    assert rows[0].to_status_id == "2" and rows[1].to_status_id == "1"


def test_server_ignoring_expand(sqlite_engine, fake_jira):
    serve_example(fake_jira)
    fake_jira.ignore_expand = True
    board = make_board(sqlite_engine)
    report = sync_board(sqlite_engine, board, settings_for(fake_jira))
    assert report.ok, report.error
    issues, moves = stored(sqlite_engine, board)
    assert len(issues) == 4 and moves == 13
    if fake_jira.mode == "cloud":  # the page's four issues in one bulkfetch request
        bulk = [r for r in fake_jira.log if r["path"] == "/rest/api/3/changelog/bulkfetch"]
        assert len(bulk) == 1 and len(bulk[0]["body"]["issueIdsOrKeys"]) == 4
    else:
        assert all(f"/rest/api/2/issue/EX-{k}" in fake_jira.paths() for k in range(1, 5))


def test_updates_and_deletions(sqlite_engine, fake_jira):
    engine = sqlite_engine
    serve_example(fake_jira)
    board = make_board(engine)
    settings = settings_for(fake_jira)
    assert sync_board(engine, board, settings).ok
    fake_jira.add_status("7", "Blocked")
    fake_jira.move("EX-2", datetime(2024, 2, 1, 10, 0, tzinfo=UTC), "7")
    fake_jira.delete("EX-3")
    report = sync_board(engine, board, settings)
    assert report.ok and (report.added, report.updated, report.removed) == (0, 1, 0)
    issues, _ = stored(engine, board)
    assert issues["EX-2"] == "7" and "EX-3" in issues
    # The new status is listed as unmapped, not silently assigned; the work states stay.
    with engine.connect() as conn:
        assert workflows.unmapped_statuses(conn, board.id) == {"7": "Blocked"}
        assert len(workflows.get_workflow(conn, board.id).states) == 5
    # A day later the id-only sweep removes the deleted issue.
    later = BoardSync(engine, board, settings, now=lambda: datetime.now(UTC) + timedelta(days=2))
    fake_jira.reset_log()
    report = later.run()
    assert report.ok and report.removed == 1
    sweep = [r for r in search_requests(fake_jira) if r["params"].get("fields") == "id"]
    assert len(sweep) == 1 and "expand" not in sweep[0]["params"]
    assert "EX-3" not in stored(engine, board)[0]
    # --full re-syncs everything and removes what left the JQL.
    fake_jira.delete("EX-4")
    report = sync_board(engine, board, settings, full=True)
    assert report.ok and report.removed == 1 and report.updated == 2


def test_sweep_fetches_an_issue_deleted_from_the_store(sqlite_engine, fake_jira):
    """A row deleted from the store (not from Jira) is not read again by incremental runs
    (its issue did not change); the daily id-only sweep notices it is missing and fetches
    it, without moving the watermark. (An issue changing mid-run: test_jira_paging.py.)"""
    engine = sqlite_engine
    serve_example(fake_jira)
    board = make_board(engine)
    settings = settings_for(fake_jira)
    assert sync_board(engine, board, settings).ok
    with engine.begin() as conn:
        skipped = conn.execute(
            select(s.issue.c.issue_id).where(s.issue.c.key == "EX-2")
        ).scalar_one()
        delete_issues(conn, board.id, [skipped])
        watermark = sync.last_watermark(conn, "jira", "jira:" + board.slug)
    report = sync_board(engine, board, settings)  # nothing changed: not fetched again
    assert report.ok and "EX-2" not in stored(engine, board)[0]
    later = BoardSync(engine, board, settings, now=lambda: datetime.now(UTC) + timedelta(days=2))
    report = later.run()
    assert report.ok and report.extra.get("fetched_missing") == 1
    assert "EX-2" in stored(engine, board)[0]
    with engine.connect() as conn:
        assert sync.last_watermark(conn, "jira", "jira:" + board.slug) == watermark


def test_a_persons_work_states_survive(sqlite_engine, fake_jira):
    serve_example(fake_jira)
    board = make_board(sqlite_engine)
    with sqlite_engine.begin() as conn:
        workflows.set_workflow(
            conn,
            board.id,
            [("Todo", ["1"]), ("Doing", ["2", "3", "4"]), ("Done", ["5", "6"])],
            (1, 1),
        )
        workflows.set_work_types(conn, board.id, {"All": ["Story", "Bug"]})
    assert sync_board(sqlite_engine, board, settings_for(fake_jira)).ok
    assert "/rest/agile/1.0/board/5/configuration" not in fake_jira.paths()
    with sqlite_engine.connect() as conn:
        assert workflows.get_workflow(conn, board.id).state_names == ["Todo", "Doing", "Done"]
        assert workflows.work_types(conn, board.id) == {"All": ["Bug", "Story"]}


def test_429_retry_after_is_honoured(sqlite_engine, fake_cloud):
    serve_example(fake_cloud)
    fake_cloud.fail_429 = 1
    fake_cloud.retry_after = "1"
    board = make_board(sqlite_engine)
    t = time.monotonic()
    report = sync_board(sqlite_engine, board, settings_for(fake_cloud))
    assert report.ok and report.added == 4
    assert time.monotonic() - t >= 1.0
    assert report.requests == fake_cloud.count == 5
    assert [r["status"] for r in fake_cloud.log][:2] == [429, 200]


def test_5xx_retried_then_reported_and_nothing_lost(sqlite_engine, fake_dc):
    serve_example(fake_dc)
    board = make_board(sqlite_engine)
    settings = settings_for(fake_dc)
    fake_dc.fail_500 = 1
    assert sync_board(sqlite_engine, board, settings, backoff=0.01).ok
    fake_dc.fail_500 = 100
    report = sync_board(sqlite_engine, board, settings, backoff=0.01)
    assert not report.ok
    assert "board ex" in report.error and "HTTP 500" in report.error
    assert report.requests == 3  # myself: first try + 2 retries
    assert len(stored(sqlite_engine, board)[0]) == 4
    with sqlite_engine.connect() as conn:
        last = sync.runs(conn, "jira", "jira:ex", limit=1)[0]
    assert last["status"] == "failed" and "HTTP 500" in last["error"]


def test_timeouts_retried_then_reported(sqlite_engine, fake_cloud):
    serve_example(fake_cloud)
    board = make_board(sqlite_engine)
    settings = settings_for(fake_cloud, jira_timeout=0.3)
    fake_cloud.slow, fake_cloud.slow_seconds = 1, 1.0
    assert sync_board(sqlite_engine, board, settings, backoff=0.01).ok
    fake_cloud.slow = 100
    report = sync_board(sqlite_engine, board, settings, full=True, backoff=0.01)
    assert not report.ok and "did not answer in time" in report.error
    fake_cloud.slow = 0


@pytest.mark.parametrize("mode", ["cloud", "dc"])
def test_bad_credentials(sqlite_engine, mode, caplog):
    caplog.set_level(logging.DEBUG)
    with FakeJira(mode) as fake:
        serve_example(fake)
        make_board(sqlite_engine)
        wrong = "WRONG-secret-token-123"
        report = run_etl(sqlite_engine, settings_for(fake, jira_token=wrong))
    assert not report.ok
    line = report.summary()
    assert "board ex" in line and "credentials" in line and "401" in line
    assert wrong not in line and wrong not in caplog.text
    assert len(line.splitlines()) == 1


def test_unknown_board_id(sqlite_engine, fake_jira):
    serve_example(fake_jira)
    board = make_board(sqlite_engine, jira_board_id=77)
    report = sync_board(sqlite_engine, board, settings_for(fake_jira))
    assert (
        not report.ok and "Jira board 77 not found" in report.error and "board ex" in report.error
    )


def test_invalid_jql_shows_jiras_message(sqlite_engine, fake_jira):
    serve_example(fake_jira)
    board = make_board(sqlite_engine, jql="project = NOPE", jira_board_id=None)
    report = sync_board(sqlite_engine, board, settings_for(fake_jira))
    assert not report.ok
    assert "The value 'NOPE' does not exist for the field 'project'." in report.error


def test_unreachable_host(sqlite_engine):
    board = make_board(sqlite_engine)
    settings = Settings_unreachable()
    report = sync_board(sqlite_engine, board, settings, backoff=0.01)
    assert not report.ok and "unreachable" in report.error and "board ex" in report.error


def Settings_unreachable():
    from vger.config import Settings

    return Settings(
        _env_file=None,
        jira_url="http://127.0.0.1:9",
        jira_user="u",
        jira_token="t0ken",
        jira_timeout=0.5,
        jira_retries=1,
    )


def test_second_run_of_a_board_is_locked_out(sqlite_engine, fake_cloud):
    serve_example(fake_cloud)
    make_board(sqlite_engine)
    with sqlite_engine.begin() as conn:
        sync.acquire_lock(conn, "jira:ex", "other-host:1:1")
    report = run_etl(sqlite_engine, settings_for(fake_cloud))
    assert not report.ok and "another sync is running" in report.summary()
    assert fake_cloud.count == 0


def test_boards_in_parallel_and_skipped_boards(sqlite_engine, fake_dc):
    many(fake_dc, 30, key="EX")
    many(fake_dc, 20, key="OT", start=5000)
    make_board(sqlite_engine, "a", "project = EX", None)
    make_board(sqlite_engine, "b", "project = OT", None)
    make_board(sqlite_engine, "c", "", None)
    make_board(sqlite_engine, "d", "project = NOPE", None)
    report = run_etl(sqlite_engine, settings_for(fake_dc), workers=3)
    by = {p.scope: p for p in report.parts}
    assert by["a"].ok and by["a"].added == 30
    assert by["b"].ok and by["b"].added == 20
    assert by["c"].ok and "no JQL" in by["c"].line()
    assert not by["d"].ok and not report.ok
    # myself is asked once per process, shared by every board
    assert [r["path"] for r in fake_dc.log].count("/rest/api/2/myself") == 1


def test_no_jira_url_fails_the_board_in_words(sqlite_engine):
    """A board with a JQL and no Jira configured is a failure a cron job notices (exit 1),
    with the one line saying what to set."""
    make_board(sqlite_engine)
    from vger.config import Settings

    report = run_etl(sqlite_engine, Settings(_env_file=None))
    assert not report.ok
    (line,) = report.summary().splitlines()
    assert "VGER_JIRA_URL is not set" in line and "VGER_JIRA_TOKEN" in line


def test_shared_timezone_is_fetched_once(fake_cloud):
    from etl.jira_client import Jira

    shared = Shared()
    api = Jira(settings_for(fake_cloud))
    assert shared.timezone(api) == "Europe/Berlin" == shared.timezone(api)
    assert fake_cloud.count == 1


def test_a_first_sync_records_how_many_issues_it_expects(engine, fake_jira):
    """The pages' "first sync not finished: N of M" notice reads M from the run."""
    serve_example(fake_jira)
    board = make_board(engine)
    assert run_etl(engine, settings_for(fake_jira)).ok
    with engine.connect() as conn:
        counts = sync.runs(conn, "jira", "jira:ex")[0]["counts"]
        assert sync.first_sync_progress(conn, board.id) is None  # it finished
    if fake_jira.mode == "cloud":  # /search/jql does not say how many there are
        assert counts.get("expected") in (None, 4)
    else:
        assert counts["expected"] == 4
