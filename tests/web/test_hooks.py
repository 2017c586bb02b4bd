"""Webhooks through real HTTP: the fakes send signed events (as Jira and GitHub sign them)
to the app served on loopback; the named issue or repository is re-fetched through the
real clients, and the dashboard's numbers change. Hostile requests change nothing and
never answer 500."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime

import pytest
import requests
from pydantic import SecretStr
from sqlalchemy import select
from werkzeug.serving import make_server

from etl.jira_sync import sync_board
from tests.etl.conftest import serve_example, settings_for
from tests.etl.fake_github import TOKEN, FakeGitHub, make_pull
from tests.etl.fake_jira import FakeJira
from vger.config import Settings
from vger.store import boards, teams
from vger.store import schema as s
from vger.store.db import make_engine, upgrade
from vger.web import create_app
from vger.web.hooks import debouncer

SECRET = "whsec-" + "k7" * 20  # a long random secret, as the docs ask
REOPEN = datetime(2024, 2, 1, 10, 0, tzinfo=UTC)


@pytest.fixture(params=["cloud", "dc"])
def fake_jira(request):
    with FakeJira(request.param) as fake:
        yield fake


@pytest.fixture
def fake_cloud():
    with FakeJira("cloud") as fake:
        yield fake


@pytest.fixture
def fake_dc():
    with FakeJira("dc") as fake:
        yield fake


class Served:
    """The Dash app's Flask server on a loopback port, in a thread."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app.server, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait(self) -> None:
        with self.app.server.app_context():
            debouncer().wait()

    def close(self) -> None:
        self.server.shutdown()


def jira_app(tmp_path, fake: FakeJira, **overrides):
    serve_example(fake)
    db = f"sqlite:///{tmp_path / 'hooks.db'}"
    values = {"database_url": db, "jira_webhook_secret": SECRET, "webhook_debounce_seconds": 0.2}
    settings = settings_for(fake, **{**values, **overrides})
    engine = make_engine(db)
    upgrade(engine)
    with engine.begin() as conn:
        teams.add_team(conn, "ex-team", "Example team")
        boards.add_board(conn, "example", "ex-team", jql="project = EX", jira_board_id=5)
        board = boards.get_board(conn, "example")
    assert sync_board(engine, board, settings).ok
    return Served(create_app(settings, engine=engine)), engine, settings


def stored(engine) -> list[tuple]:
    with engine.connect() as conn:
        return sorted(
            conn.execute(select(s.issue.c.key, s.issue.c.status_id, s.issue.c.updated)).all()
        )


def throughput(url: str) -> dict[str, tuple[int, str]]:
    body = requests.get(f"{url}/api/v1/quadrant?board=example&to=2024-02-01", timeout=10).json()
    return {w["week"]: (w["count"], w["keys"]) for w in body["throughput"]}


def hook_url(served: Served, fake: FakeJira) -> str:
    base = f"{served.url}/hooks/jira"
    return f"{base}/{SECRET}" if fake.mode == "dc" else base


def test_a_transition_in_jira_shows_on_the_dashboard(tmp_path, fake_jira):
    served, engine, _ = jira_app(tmp_path, fake_jira)
    try:
        assert throughput(served.url)["2024-01-01"] == (1, "EX-2")
        fake_jira.move("EX-2", REOPEN, "3")  # reopened: no longer done
        fake_jira.reset_log()
        answer = fake_jira.send_webhook(
            hook_url(served, fake_jira), "jira:issue_updated", "EX-2", SECRET
        )
        assert answer.status_code == 202, answer.text
        served.wait()
        searches = [r for r in fake_jira.log if r["path"].endswith(("/search", "/search/jql"))]
        assert len(searches) == 1  # just that issue, full changelog, board JQL checked
        assert "id in (102)" in searches[0]["params"]["jql"]
        assert "(project = EX)" in searches[0]["params"]["jql"]
        assert searches[0]["params"]["expand"] == "changelog"
        assert throughput(served.url)["2024-01-01"] == (0, "")
        assert dict((k, st) for k, st, _ in stored(engine))["EX-2"] == "3"
    finally:
        served.close()


def test_deleted_issue_leaves_and_bursts_are_deduplicated(tmp_path, fake_dc):
    served, engine, _ = jira_app(tmp_path, fake_dc)
    try:
        fake_dc.move("EX-1", REOPEN, "3")
        fake_dc.delete("EX-3")
        fake_dc.reset_log()
        url = hook_url(served, fake_dc)
        for key, event in [
            ("EX-1", "jira:issue_updated"),
            ("EX-1", "jira:issue_updated"),
            ("EX-1", "jira:issue_updated"),
        ]:
            assert fake_dc.send_webhook(url, event, key, SECRET).status_code == 202
        deleted = json.dumps({"webhookEvent": "jira:issue_deleted", "issue": {"id": "103"}})
        assert requests.post(url, data=deleted, timeout=5).status_code == 202
        served.wait()
        searches = [r for r in fake_dc.log if r["path"].endswith("/search")]
        assert len(searches) == 1 and "id in (101,103)" in searches[0]["params"]["jql"]
        keys = {k: st for k, st, _ in stored(engine)}
        assert keys["EX-1"] == "3" and "EX-3" not in keys
    finally:
        served.close()


def _signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    import hashlib
    import hmac

    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature": f"sha256={digest}", "Content-Type": "application/json"}


def test_hostile_webhooks_change_nothing_and_never_500(tmp_path, fake_cloud):
    served, engine, _ = jira_app(tmp_path, fake_cloud)
    try:
        before = stored(engine)
        fake_cloud.move("EX-2", REOPEN, "3")  # a real change that must NOT be fetched
        fake_cloud.reset_log()
        url = f"{served.url}/hooks/jira"
        good = json.dumps({"webhookEvent": "jira:issue_updated", "issue": {"id": "102"}}).encode()
        other = json.dumps({"webhookEvent": "jira:issue_updated", "issue": {"id": "101"}}).encode()
        cases = [
            (requests.post(url, data=good, timeout=5), 401),  # unsigned
            (requests.post(url, data=good, headers=_signed(good, "wrong-secret"), timeout=5), 401),
            (requests.post(url, data=other, headers=_signed(good), timeout=5), 401),  # replayed
            (requests.post(url, data=good, headers={"X-Hub-Signature": "sha1=ab"}, timeout=5), 401),
            (requests.post(f"{url}/not-the-token", data=good, timeout=5), 401),
            (requests.post(url, data=b"x" * 3_000_000, headers=_signed(b"x"), timeout=10), 413),
            (requests.post(url, data=b"{not json", headers=_signed(b"{not json"), timeout=5), 400),
            (requests.post(url, data=b"[1, 2]", headers=_signed(b"[1, 2]"), timeout=5), 400),
        ]
        bad_id = json.dumps({"webhookEvent": "jira:issue_updated", "issue": {"id": "1) OR (1=1"}})
        cases.append(
            (requests.post(url, data=bad_id, headers=_signed(bad_id.encode()), timeout=5), 400)
        )
        for response, status in cases:
            assert response.status_code == status, (status, response.text)
        served.wait()
        assert fake_cloud.count == 0  # nothing was fetched
        # An unknown issue (signed): Jira is asked, finds nothing, nothing changes.
        unknown = json.dumps({"webhookEvent": "jira:issue_updated", "issue": {"id": "999"}})
        response = requests.post(url, data=unknown, headers=_signed(unknown.encode()), timeout=5)
        assert response.status_code == 202
        served.wait()
        assert stored(engine) == before
        with engine.connect() as conn:  # no run recorded: the cache stays valid
            assert len(conn.execute(select(s.sync)).all()) == 1
    finally:
        served.close()


def test_without_a_secret_the_hooks_are_closed(tmp_path, fake_cloud):
    served, engine, _ = jira_app(tmp_path, fake_cloud, jira_webhook_secret=None)
    try:
        for path in ("/hooks/jira", "/hooks/github", f"/hooks/jira/{SECRET}"):
            body = b'{"webhookEvent": "jira:issue_updated", "issue": {"id": "102"}}'
            response = requests.post(served.url + path, data=body, headers=_signed(body), timeout=5)
            assert response.status_code == 403 and "closed" in response.json()["message"]
    finally:
        served.close()


@pytest.fixture
def github_fake():
    with FakeGitHub() as fake:
        yield fake


def test_github_ping_and_pull_request_event(tmp_path, github_fake):
    from tests.etl.github_fixtures import FAST  # noqa: F401 - same fake, default options

    db = f"sqlite:///{tmp_path / 'gh.db'}"
    settings = Settings(
        _env_file=None,
        database_url=db,
        github_token=SecretStr(TOKEN),
        github_url=github_fake.url,
        github_webhook_secret=SECRET,
        webhook_debounce_seconds=0.2,
    )
    pulls = [
        make_pull(n, f"2024-01-{n:02d}T00:00:00Z", merged_at=f"2024-01-{n + 1:02d}T00:00:00Z")
        for n in range(1, 4)
    ]
    github_fake.add_repo("o/r", pulls, [])
    engine = make_engine(db)
    upgrade(engine)
    with engine.begin() as conn:
        teams.add_team(conn, "t", "Team")
        board_id = boards.add_board(conn, "b", "t", name="b")
        boards.add_repo(conn, board_id, "o/r")
    served = Served(create_app(settings, engine=engine))
    try:
        url = f"{served.url}/hooks/github"
        ping = github_fake.send_webhook(url, "ping", {"zen": "Keep it logically awesome."}, SECRET)
        assert ping.status_code == 200
        github_fake.update_pull("o/r", 2, title="renamed by a person")
        event = {"action": "edited", "number": 2, "repository": {"full_name": "o/r"}}
        answer = github_fake.send_webhook(url, "pull_request", event, SECRET)
        assert answer.status_code == 202, answer.text
        other = {"action": "edited", "number": 1, "repository": {"full_name": "x/unknown"}}
        assert github_fake.send_webhook(url, "pull_request", other, SECRET).status_code == 202
        served.wait()
        with engine.connect() as conn:
            titles = dict(
                conn.execute(select(s.pull_request.c.number, s.pull_request.c.title)).all()
            )
        assert titles[2] == "renamed by a person" and len(titles) == 3
        forged = github_fake.send_webhook(url, "pull_request", event, "not-the-secret")
        assert forged.status_code == 401
    finally:
        served.close()


def test_hooks_stay_open_when_dashboards_need_a_login(tmp_path, fake_dc):
    """Under VGER_REQUIRE_LOGIN a signed (here: token) webhook still gets in, while the
    dashboards ask for a login."""
    served, engine, _ = jira_app(
        tmp_path,
        fake_dc,
        require_login=True,
        admin_password="a-long-admin-password",
        secret_key="a-long-secret-key-for-sessions",
    )
    try:
        closed = requests.get(f"{served.url}/api/v1/quadrant?board=example", timeout=10)
        assert closed.status_code == 401
        fake_dc.move("EX-2", REOPEN, "3")
        answer = fake_dc.send_webhook(
            hook_url(served, fake_dc), "jira:issue_updated", "EX-2", SECRET
        )
        assert answer.status_code == 202, answer.text
        served.wait()
        assert dict((k, st) for k, st, _ in stored(engine))["EX-2"] == "3"
    finally:
        served.close()
