"""Cut changelogs completed in bulk (Cloud ``changelog/bulkfetch``) or by per-issue requests
in a bounded pool (Data Center, and Cloud sites without bulkfetch), through the real
``jira`` client against the fake Jira over loopback HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from etl.jira_sync import sync_board
from tests.etl.conftest import settings_for
from tests.etl.test_jira_etl import T0, make_board, many, stored
from vger.store import schema as s

BULK = "/rest/api/3/changelog/bulkfetch"


def add_long(fake, n: int, moves: int, start: int = 9000, every: int = 1, key: str = "LG") -> None:
    """``n`` issues with ``moves`` status moves each (and a non-status item in every
    history), ``updated`` spread ``every`` hours apart from T0."""
    for k in range(n):
        at = T0 + timedelta(hours=every * k, minutes=1)
        fake.add_issue(
            str(start + k),
            f"{key}-{900 + k + 1}" if key != "LG" else f"LG-{k + 1}",
            created=at,
            status="2" if moves % 2 else "1",
            moves=[
                (
                    at + timedelta(seconds=j + 1),
                    "1" if j % 2 == 0 else "2",
                    "2" if j % 2 == 0 else "1",
                )
                for j in range(moves)
            ],
            extra_items=True,
        )


def transitions_of(engine, board) -> dict[str, list[tuple[int, str]]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(s.transition.c.issue_id, s.transition.c.seq, s.transition.c.to_status_id)
            .where(s.transition.c.board_id == board.id)
            .order_by(s.transition.c.issue_id, s.transition.c.seq)
        ).all()
    out: dict[str, list[tuple[int, str]]] = {}
    for issue_id, seq, to in rows:
        out.setdefault(issue_id, []).append((seq, to))
    return out


def test_bulkfetch_pages_by_token(sqlite_engine, fake_cloud):
    """Three issues with 150 moves (40 embedded): one bulkfetch chain for the page, paged
    by ``nextPageToken`` (the fake pages 100 histories), every move stored in order."""
    many(fake_cloud, 5)
    add_long(fake_cloud, 3, 150, key="EX")
    fake_cloud.bulk_page = 100
    board = make_board(sqlite_engine, jql="project = EX", jira_board_id=None)
    report = sync_board(sqlite_engine, board, settings_for(fake_cloud))
    assert report.ok, report.error
    bulk = [r for r in fake_cloud.log if r["path"] == BULK]
    assert len(bulk) == 5  # 450 status histories / 100 a page
    assert all(sorted(r["body"]["issueIdsOrKeys"]) == ["9000", "9001", "9002"] for r in bulk)
    assert "nextPageToken" not in bulk[0]["body"]
    assert all(r["body"].get("nextPageToken") for r in bulk[1:])
    assert not [p for p in fake_cloud.paths() if p.endswith("/changelog")]
    moves = transitions_of(sqlite_engine, board)
    for issue_id in ("9000", "9001", "9002"):
        assert [seq for seq, _ in moves[issue_id]] == list(range(150))
        assert [to for _, to in moves[issue_id][:3]] == ["2", "1", "2"]
    assert stored(sqlite_engine, board)[1] == 5 * 2 + 3 * 150


def test_bulkfetch_groups_a_page_into_requests_fetched_in_parallel(sqlite_engine, fake_cloud):
    """Eight issues with 300 moves (2,400 histories): grouped to fit a 1,000-history page
    (three issues a group), the groups fetched at once, each asked for once."""
    add_long(fake_cloud, 8, 300, key="EX")
    fake_cloud.latency = 0.1
    board = make_board(sqlite_engine, jql="project = EX", jira_board_id=None)
    report = sync_board(sqlite_engine, board, settings_for(fake_cloud, jira_concurrency=4))
    assert report.ok, report.error
    bulk = [r["body"]["issueIdsOrKeys"] for r in fake_cloud.log if r["path"] == BULK]
    assert sorted(len(ids) for ids in bulk) == [2, 3, 3]
    assert sorted(i for ids in bulk for i in ids) == [str(9000 + k) for k in range(8)]
    assert 2 <= fake_cloud.max_in_flight <= 4
    moves = transitions_of(sqlite_engine, board)
    assert len(moves) == 8 and all(len(v) == 300 for v in moves.values())


@pytest.mark.parametrize("refusal", [404, 403])
def test_bulkfetch_unavailable_falls_back_once_per_run(sqlite_engine, fake_cloud, refusal):
    """A site without bulkfetch (404) or refusing it (403): asked once in the run, then
    every cut issue (on two different search pages) uses the per-issue changelog."""
    many(fake_cloud, 150, moves_each=2)
    add_long(fake_cloud, 2, 150, every=200, key="EX")  # one on page 1, one on page 2
    fake_cloud.bulkfetch = False
    fake_cloud.bulkfetch_refusal = refusal
    board = make_board(sqlite_engine, jql="project = EX", jira_board_id=None)
    report = sync_board(sqlite_engine, board, settings_for(fake_cloud))
    assert report.ok, report.error
    paths = fake_cloud.paths()
    assert paths.count(BULK) == 1
    assert [r["status"] for r in fake_cloud.log if r["path"] == BULK] == [refusal]
    # 40 embedded, 110 missing → 2 pages of the changelog endpoint each
    assert paths.count("/rest/api/2/issue/EX-901/changelog") == 2
    assert paths.count("/rest/api/2/issue/EX-902/changelog") == 2
    assert report.extra["changelogs"] == "per issue (no bulkfetch)"
    moves = transitions_of(sqlite_engine, board)
    assert [seq for seq, _ in moves["9000"]] == list(range(150))
    assert [seq for seq, _ in moves["9001"]] == list(range(150))


def test_bulkfetch_server_error_fails_the_board_in_words(sqlite_engine, fake_cloud):
    """Only 404/403 mean "no bulkfetch here": a 500 that outlives the retries fails the
    board with Jira's status, and nothing half-read is stored for that page."""
    add_long(fake_cloud, 1, 150)
    board = make_board(sqlite_engine, jql="project = LG", jira_board_id=None)
    fake_cloud.bulkfetch_refusal = 500
    fake_cloud.bulkfetch = False
    report = sync_board(sqlite_engine, board, settings_for(fake_cloud), backoff=0.01)
    assert not report.ok
    assert "HTTP 500" in report.error and "bulkfetch" in report.error
    assert stored(sqlite_engine, board) == ({}, 0)


def test_pool_never_exceeds_its_size(sqlite_engine, fake_dc):
    """Data Center: 24 issues whose embedded changelog is cut need 24 issue GETs; with
    ``jira_concurrency=3`` they overlap, but never more than 3 at once."""
    add_long(fake_dc, 24, 120)
    fake_dc.latency = 0.05
    board = make_board(sqlite_engine, jql="project = LG", jira_board_id=None)
    report = sync_board(sqlite_engine, board, settings_for(fake_dc, jira_concurrency=3))
    assert report.ok, report.error
    gets = [p for p in fake_dc.paths() if p.startswith("/rest/api/2/issue/LG-")]
    assert len(gets) == 24
    assert fake_dc.max_in_flight == 3  # in parallel, and bounded
    moves = transitions_of(sqlite_engine, board)
    assert len(moves) == 24 and all(len(v) == 120 for v in moves.values())


def test_pool_of_one_is_serial(sqlite_engine, fake_dc):
    add_long(fake_dc, 6, 120)
    fake_dc.latency = 0.02
    board = make_board(sqlite_engine, jql="project = LG", jira_board_id=None)
    report = sync_board(sqlite_engine, board, settings_for(fake_dc, jira_concurrency=1))
    assert report.ok, report.error
    assert fake_dc.max_in_flight == 1
    assert len(stored(sqlite_engine, board)[0]) == 6


def test_a_429_pauses_the_whole_pool(sqlite_engine, fake_dc):
    """One issue GET answered 429 with ``Retry-After: 3``: no request of the pool starts
    until those seconds have passed (without a shared pause the other three workers would
    send the remaining GETs meanwhile); then everything is stored."""
    add_long(fake_dc, 24, 120)
    fake_dc.latency = 0.05
    fake_dc.fail_429, fake_dc.fail_429_path, fake_dc.retry_after = 1, r"/issue/LG-", "3"
    board = make_board(sqlite_engine, jql="project = LG", jira_board_id=None)
    report = sync_board(sqlite_engine, board, settings_for(fake_dc, jira_concurrency=4))
    assert report.ok, report.error
    limited = [r for r in fake_dc.log if r["status"] == 429]
    assert len(limited) == 1
    # requests already on their way when the 429 left may still arrive: on a busy machine
    # that took up to 0.3 s; a pool without a shared pause would send ~20 GETs in 2.3 s
    quiet_from, quiet_to = limited[0]["at"] + 0.6, limited[0]["at"] + 2.9
    during = [r for r in fake_dc.log if quiet_from < r["at"] < quiet_to]
    assert during == []
    after = [r for r in fake_dc.log if r["at"] >= quiet_to]
    assert len(after) >= 4  # the retried GET and the rest came after the pause
    assert fake_dc.max_in_flight <= 4
    assert len(transitions_of(sqlite_engine, board)) == 24
