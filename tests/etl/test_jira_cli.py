"""`vger etl` end to end: the click command against the fake Jira, the dashboard numbers
of METRICS.md example 5, and a run killed with SIGKILL that the next run resumes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from tests.etl.conftest import serve_example
from tests.etl.fake_jira import FakeJira
from tests.etl.test_jira_etl import many
from vger.cli import cli
from vger.metrics.quadrant import QuadrantOptions, issue_quadrant
from vger.store import boards, queries, sync, teams
from vger.store import schema as s
from vger.store.db import make_engine, upgrade

ROOT = Path(__file__).parents[2]


def env_for(fake: FakeJira, db: Path) -> dict[str, str]:
    env = {
        "VGER_DATABASE_URL": f"sqlite:///{db}",
        "VGER_JIRA_URL": fake.url,
        "VGER_JIRA_TOKEN": fake.token,
        "VGER_JIRA_TIMEOUT": "5",
        "VGER_JIRA_RETRIES": "1",
    }
    if fake.mode == "cloud":
        env["VGER_JIRA_USER"] = fake.user
    return env


def new_store(tmp_path: Path, jira_board_id: int | None = 5) -> tuple[Path, object]:
    db = tmp_path / "cli.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    with engine.begin() as conn:
        teams.add_team(conn, "ex-team", "Example team")
        boards.add_board(
            conn, "example", "ex-team", jql="project = EX", jira_board_id=jira_board_id
        )
    return db, engine


@pytest.mark.parametrize("mode", ["cloud", "dc"])
def test_vger_etl_fills_the_dashboard_of_example_5(tmp_path, mode):
    db, engine = new_store(tmp_path)
    with FakeJira(mode) as fake:
        serve_example(fake)
        runner = CliRunner()
        result = runner.invoke(
            cli, ["etl", "--no-progress"], env=env_for(fake, db), catch_exceptions=False
        )
        assert result.exit_code == 0, result.output
        assert "jira example: 4 added, 0 updated, 0 removed, 4 requests" in result.output
        again = runner.invoke(cli, ["etl", "--board", "example"], env=env_for(fake, db))
        assert again.exit_code == 0 and "0 added, 0 updated, 0 removed, 2 requests" in again.output
    with engine.connect() as conn:
        board = boards.get_board(conn, "example")
        items = queries.issue_items(conn, board)
        defects = queries.issue_items(conn, board, ["Defect"])
    opts = QuadrantOptions(
        first_day=pd.Timestamp("2024-01-01"),
        last_day=pd.Timestamp("2024-01-14"),
        tz="UTC",
        now=pd.Timestamp("2024-02-01", tz="UTC"),
    )
    quadrant, _ = issue_quadrant(items, None, opts)
    assert quadrant.throughput["count"].tolist() == [1, 2]
    completed = items[items["outcome"] == "completed"]
    assert sorted(completed["lead_time"].dropna().round(6).tolist()) == [7.0, 9.0]
    by_key = items.set_index("key")
    assert by_key.loc["EX-3", "outcome"] == "abandoned"
    assert by_key.loc["EX-4", "done"] == pd.Timestamp("2024-01-11 12:00", tz="UTC")
    quadrant, _ = issue_quadrant(defects, None, opts)
    assert quadrant.throughput["count"].tolist() == [1, 0]


def test_vger_etl_failure_exits_non_zero_with_one_line(tmp_path):
    db, _ = new_store(tmp_path, jira_board_id=404)
    with FakeJira("dc") as fake:
        serve_example(fake)
        result = CliRunner().invoke(cli, ["etl"], env=env_for(fake, db))
    assert result.exit_code == 1
    assert "jira example: FAILED: board example: Jira board 404 not found" in result.output
    assert fake.token not in result.output


def test_killed_run_resumes_after_the_last_committed_page(tmp_path):
    db, engine = new_store(tmp_path, jira_board_id=None)
    with FakeJira("dc") as fake:
        many(fake, 350)  # 4 pages of 100
        fake.hang_after_search = 2  # the third page never comes
        env = {**os.environ, **env_for(fake, db), "PYTHONPATH": str(ROOT)}
        proc = subprocess.Popen(
            [sys.executable, "-m", "vger", "etl", "--no-progress"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 30
            count = 0
            while time.monotonic() < deadline and count < 200:
                time.sleep(0.1)
                with engine.connect() as conn:
                    count = len(conn.execute(select(s.issue.c.issue_id)).all())
            assert count == 200, "two pages should be committed"
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
        finally:
            if proc.poll() is None:
                proc.kill()
        with engine.connect() as conn:
            wm = sync.last_watermark(conn, "jira", "jira:example")
            assert len(conn.execute(select(s.issue.c.issue_id)).all()) == 200
            assert conn.execute(select(s.sync_lock.c.owner)).first() is not None  # left behind
        assert wm == pd.Timestamp(
            "2024-01-09 16:10", tz="UTC"
        )  # EX-200: T0 + 199 h, last move +10 min
        fake.hang_after_search = None
        fake.release.set()
        fake.reset_log()
        result = CliRunner().invoke(cli, ["etl", "--no-progress"], env=env_for(fake, db))
        assert result.exit_code == 0, result.output
        searches = [r for r in fake.log if r["path"] == "/rest/api/2/search"]
        assert searches[0]["params"]["jql"].startswith(
            '(project = EX) AND updated >= "2024/01/09 17:05"'
        )
        assert "150 added, 0 updated" in result.output
    with engine.connect() as conn:
        assert len(conn.execute(select(s.issue.c.issue_id)).all()) == 350
        runs = sync.runs(conn, "jira", "jira:example")
        assert [r["status"] for r in runs[:2]] == ["ok", "failed"]
        assert conn.execute(select(s.sync_lock.c.owner)).first() is None
