""" "Sync now" on a real job queue: RQ on the Redis at 127.0.0.1:6379. The admin enqueues,
a `vger worker` in a separate process runs the sync against the fake Jira, and the result
shows in the admin and on the board's numbers. One queue name per test (uuid); nothing
else in Redis is touched."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.etl.conftest import serve_example
from tests.etl.fake_jira import FakeJira
from tests.web.test_admin import login, make_app, post
from vger.store import boards, teams
from vger.web import jobs

ROOT = Path(__file__).parents[2]
REDIS = os.environ.get("VGER_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def queue_name():
    """A queue of this test alone, deleted with its jobs afterwards."""
    from redis import Redis
    from rq import Queue

    name = f"vger-test-{uuid.uuid4().hex}"
    yield name
    connection = Redis.from_url(REDIS)
    Queue(name, connection=connection).delete(delete_jobs=True)
    # the board's job, its result stream and the queue's registries: keys with this uuid only
    for key in connection.scan_iter(match=f"rq:*{name}*", count=1000):
        connection.delete(key)


def run_worker(database_url: str, fake, queue_name: str) -> None:
    """``vger worker --burst`` in its own process: it runs the queued jobs, then exits."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "VGER_DATABASE_URL": database_url,
        "VGER_JIRA_URL": fake.url,
        "VGER_JIRA_TOKEN": fake.token,
        "VGER_QUEUE_URL": REDIS,
        "VGER_QUEUE_NAME": queue_name,
    }
    env.pop("VGER_JIRA_USER", None)
    worker = subprocess.run(
        [sys.executable, "-m", "vger", "worker", "--burst"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert worker.returncode == 0, worker.stderr[-2000:]


def _status(client) -> dict:
    return json.loads(client.get("/admin/api/boards/example/status").data)


def test_sync_now_runs_in_a_worker_process_and_its_result_shows(tmp_path, queue_name):
    with FakeJira("dc") as fake:
        serve_example(fake)
        app, engine = make_app(tmp_path, queue_url=REDIS, queue_name=queue_name, jira_url=fake.url)
        with engine.begin() as conn:
            teams.add_team(conn, "ex-team", "Example team")
            boards.add_board(conn, "example", "ex-team", jql="project = EX", jira_board_id=5)
        client = app.server.test_client()
        login(client)
        assert _status(client)["running"] is False
        response = post(client, "/admin/boards/example/sync")
        assert response.status_code == 302
        assert _status(client)["running"] is True  # queued: nothing runs in the web process
        assert fake.count == 0
        again = post(client, "/admin/api/boards/example/sync")
        assert again.status_code == 409  # one job per board while it waits
        settings = app.server.extensions["vger"]["settings"]
        run_worker(settings.database_url, fake, queue_name)
        assert fake.count >= 4  # the worker talked to Jira
    status = _status(client)
    assert status["running"] is False
    last = status["runs"][0]
    assert last["status"] == "ok" and last["counts"]["added"] == 4
    result = jobs.last_result(settings, "example")
    assert result["status"] == "finished" and result["result"]["ok"] is True
    assert result["result"]["pid"] not in (os.getpid(), None)  # another process ran it
    # The numbers of the board come from what the worker stored.
    quadrant = json.loads(client.get("/api/v1/quadrant?board=example&weeks=52").data)
    assert "error" not in quadrant, quadrant
    weeks = {w["week"]: (w["count"], w["keys"]) for w in quadrant["throughput"]}
    done = sorted(k for c, keys in weeks.values() if c for k in keys.split())
    assert done == ["EX-1", "EX-2", "EX-4"]  # example 5's completed issues (EX-3 abandoned)
    assert weeks["2024-01-01"] == (1, "EX-2")


def test_unreachable_queue_is_said_in_words(tmp_path, queue_name):
    app, engine = make_app(tmp_path, queue_url="redis://127.0.0.1:9/0", queue_name=queue_name)
    with engine.begin() as conn:
        teams.add_team(conn, "ex-team", "Example team")
        boards.add_board(conn, "example", "ex-team", jql="project = EX")
    client = app.server.test_client()
    login(client)
    response = post(client, "/admin/boards/example/sync", follow_redirects=True)
    assert response.status_code == 200
    assert b"job queue at redis://127.0.0.1:9/0 is unreachable" in response.data


def test_without_a_queue_the_worker_command_says_so(tmp_path):
    from click.testing import CliRunner

    from vger.cli import cli

    result = CliRunner().invoke(
        cli, ["worker", "--burst"], env={"VGER_QUEUE_URL": "", "VGER_DATABASE_URL": "sqlite://"}
    )
    assert result.exit_code == 1 and "VGER_QUEUE_URL is not set" in result.output


def test_a_webhook_batch_is_a_job_for_the_worker(tmp_path, queue_name):
    """With a queue, the debounced webhook batch is queued (nothing is fetched in the web
    process) and `vger worker` re-fetches the named issue."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from etl.jira_sync import sync_board
    from tests.etl.conftest import settings_for
    from vger.store import schema as s
    from vger.web import create_app
    from vger.web.hooks import debouncer

    secret = "whsec-" + "q9" * 20
    with FakeJira("dc") as fake:
        serve_example(fake)
        db = f"sqlite:///{tmp_path / 'q.db'}"
        settings = settings_for(
            fake,
            database_url=db,
            jira_webhook_secret=secret,
            webhook_debounce_seconds=0.1,
            queue_url=REDIS,
            queue_name=queue_name,
        )
        from vger.store.db import make_engine, upgrade

        engine = make_engine(db)
        upgrade(engine)
        with engine.begin() as conn:
            teams.add_team(conn, "ex-team", "Example team")
            boards.add_board(conn, "example", "ex-team", jql="project = EX", jira_board_id=5)
            board = boards.get_board(conn, "example")
        assert sync_board(engine, board, settings).ok
        app = create_app(settings, engine=engine)
        fake.move("EX-2", datetime(2024, 2, 1, 10, tzinfo=UTC), "3")
        fake.reset_log()
        client = app.server.test_client()
        body = json.dumps({"webhookEvent": "jira:issue_updated", "issue": {"id": "102"}})
        answer = client.post(f"/hooks/jira/{secret}", data=body)
        assert answer.status_code == 202
        with app.server.app_context():
            debouncer().wait()
        assert fake.count == 0  # queued, not fetched here
        run_worker(db, fake, queue_name)
        searches = [r for r in fake.log if r["path"].endswith("/search")]
        assert len(searches) == 1 and "id in (102)" in searches[0]["params"]["jql"]
    with engine.connect() as conn:
        status = dict(conn.execute(select(s.issue.c.key, s.issue.c.status_id)).all())
    assert status["EX-2"] == "3"
