"""Smaller faults found in review: sync status filtered by board in SQL, GitHub settings
that are read, and secrets masked only where masking means something."""

from __future__ import annotations

import json
from datetime import timedelta

from pydantic import SecretStr

from etl.github_client import GithubOptions, scrub
from etl.run import _safe
from tests.web.test_admin import login, make_app
from vger.config import Settings, mask_secrets
from vger.store import boards
from vger.store import sync as store_sync


def test_sync_status_of_a_quiet_board_survives_a_busy_one(tmp_path):
    """250 newer runs of another board used to push the quiet board's run out of the
    newest 200 the admin read before filtering."""
    app, engine = make_app(tmp_path, example=True)
    with engine.begin() as conn:
        quiet = boards.get_board(conn, "example")
        run = store_sync.start_run(conn, "jira", "jira:example", quiet.id)
        store_sync.finish_run(conn, run, "ok", counts={"added": 4})
        boards.add_board(conn, "busy", quiet.team_slug)
        busy = boards.get_board(conn, "busy")
        for _ in range(250):
            store_sync.finish_run(
                conn, store_sync.start_run(conn, "jira", "jira:busy", busy.id), "ok"
            )
        assert [r["id"] for r in store_sync.runs(conn, limit=10, board_id=quiet.id)] == [run]
    client = app.server.test_client()
    login(client)
    body = json.loads(client.get("/admin/api/boards/example/status").data)
    assert [r["id"] for r in body["runs"]] == [run]
    assert body["runs"][0]["counts"] == {"added": 4}


def test_github_settings_are_read(monkeypatch):
    monkeypatch.setenv("VGER_GITHUB_TIMEOUT", "7.5")
    monkeypatch.setenv("VGER_GITHUB_RETRIES", "1")
    monkeypatch.setenv("VGER_GITHUB_RESERVE", "9")
    monkeypatch.setenv("VGER_LOCK_STALE_SECONDS", "120")
    opts = GithubOptions.from_settings(Settings(_env_file=None))
    assert (opts.timeout, opts.retries, opts.reserve) == (7.5, 1, 9)
    assert opts.lock_stale == timedelta(seconds=120)
    defaults = GithubOptions.from_settings(Settings(_env_file=None, github_timeout=30.0))
    assert (defaults.timeout, defaults.retries) == (30.0, 1)  # env still applies to the rest


def test_short_tokens_do_not_mangle_messages():
    text = "pallets/flask: GitHub answered HTTP 502"
    assert scrub(text, "t") == text
    assert mask_secrets(text, "Git", "") == text
    token = "ghp_" + "x" * 36
    assert scrub(f"bad token {token} for pallets/flask", token) == "bad token *** for pallets/flask"
    settings = Settings(
        _env_file=None, github_token=SecretStr("t"), jira_token=SecretStr("s3cret-T0KEN-value")
    )
    message = _safe(RuntimeError("GitHub: s3cret-T0KEN-value rejected for pallets/flask"), settings)
    assert message == "GitHub: *** rejected for pallets/flask"


def test_jira_retries_are_a_urllib3_retry_on_the_session(fake_cloud):
    """No private member of the jira library is overridden: its session keeps the
    library's class and a mounted urllib3 Retry retries 5xx on POSTs too."""
    from jira.resilientsession import ResilientSession
    from urllib3.util.retry import Retry

    from etl.jira_client import Jira
    from tests.etl.conftest import serve_example, settings_for

    serve_example(fake_cloud)
    api = Jira(settings_for(fake_cloud), backoff=0.01)
    assert type(api.client._session) is ResilientSession
    assert isinstance(api.client._session.get_adapter(fake_cloud.url).max_retries, Retry)
    fake_cloud.fail_500 = 1
    assert api.approximate_count("project = EX") == 4  # a POST, retried once
    assert api.requests == fake_cloud.count == 2
    assert [r["status"] for r in fake_cloud.log] == [500, 200]
