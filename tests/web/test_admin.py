"""/admin through the Flask test client: login, teams, boards (work types and states:
test_admin_workflow), sync now, deletion; JQL checked against the fake Jira; ``vger board remove``; and a
person going from an empty store to a synced board entirely from the web."""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from tests.etl.conftest import serve_example, settings_for
from tests.etl.fake_jira import FakeJira
from tests.factories import example_board
from vger.config import Settings
from vger.store import boards, teams, workflows
from vger.store import schema as s
from vger.store import sync as store_sync
from vger.store.db import make_engine, upgrade

PASSWORD = "correct horse battery staple"
NOW = datetime(2024, 2, 1, 12, 0, tzinfo=UTC)


# --- helpers shared with test_security -----------------------------------------------------


def make_app(tmp_path, *, example: bool = False, **overrides):
    from vger.web import create_app

    values = {
        "database_url": f"sqlite:///{tmp_path / 'admin.db'}",
        "admin_password": PASSWORD,
        "secret_key": "test-secret-key",
    }
    values.update(overrides)
    settings = Settings(_env_file=None, **values)
    engine = make_engine(settings.database_url)
    upgrade(engine)
    if example:
        example_board(engine)
    app = create_app(settings, engine=engine)
    app.server.config["TESTING"] = True
    app.server.config["VGER_NOW"] = NOW
    return app, engine


CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(client, **kw) -> str:
    """A CSRF token of the client's session, read from a form the admin serves to it:
    the login page, or once logged in the new-team form (``kw``: headers, base_url)."""
    for url in ("/admin/login", "/admin/teams/new"):
        found = CSRF_FIELD.search(client.get(url, **kw).get_data(as_text=True))
        if found:
            return found.group(1)
    raise AssertionError("no admin page with a CSRF token for this client")


def login(client, password: str = PASSWORD):
    return client.post("/admin/login", data={"password": password, "csrf_token": csrf(client)})


def post(client, url: str, data: dict | None = None, **kw):
    return client.post(url, data={**(data or {}), "csrf_token": csrf(client)}, **kw)


def row_counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in s.metadata.sorted_tables
        }


def text_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture(params=["cloud", "dc"])
def jira_fake(request):
    """The fake Jira of tests/etl (Cloud, then Data Center)."""
    with FakeJira(request.param) as fake:
        yield fake


@pytest.fixture
def cloud_fake():
    with FakeJira("cloud") as fake:
        yield fake


@pytest.fixture
def app_engine(tmp_path):
    return make_app(tmp_path)


@pytest.fixture
def admin(app_engine):
    app, _ = app_engine
    client = app.server.test_client()
    assert login(client).status_code == 302
    return client


# --- login --------------------------------------------------------------------------------


def test_admin_is_closed_without_password_or_header(tmp_path):
    app, _ = make_app(tmp_path, admin_password=None)
    client = app.server.test_client()
    for url in ("/admin/", "/admin/login", "/admin/boards/new"):
        response = client.get(url)
        assert response.status_code == 403
        assert "VGER_ADMIN_PASSWORD" in text_of(response)
        assert "VGER_TRUSTED_USER_HEADER" in text_of(response)
    assert client.post("/admin/login", data={"password": ""}).status_code == 403


def test_login_redirects_and_wrong_password_is_refused(app_engine):
    client = app_engine[0].server.test_client()
    response = client.get("/admin/boards/new")
    assert response.status_code == 302
    assert response.location.startswith("/admin/login?next=")
    bad = login(client, "wrong")
    assert bad.status_code == 401 and "Wrong password" in text_of(bad)
    assert client.get("/admin/").status_code == 302
    good = client.post(
        "/admin/login",
        data={"password": PASSWORD, "csrf_token": csrf(client), "next": "/admin/boards/new"},
    )
    assert good.status_code == 302 and good.location == "/admin/boards/new"
    assert client.get("/admin/").status_code == 200


def test_login_is_rate_limited_per_address(app_engine):
    client = app_engine[0].server.test_client()
    for _ in range(5):
        assert login(client, "guess").status_code == 401
    blocked = login(client, PASSWORD)  # even the right password waits
    assert blocked.status_code == 429
    assert "Too many failed logins" in text_of(blocked)
    other = app_engine[0].server.test_client()
    response = other.post(
        "/admin/login",
        data={"password": PASSWORD, "csrf_token": csrf(other)},
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
    )
    assert response.status_code == 302  # another address is not blocked


@pytest.mark.parametrize(
    "target", ["//evil.example/x", "https://evil.example/", "/\\evil", "admin"]
)
def test_login_never_redirects_off_site(app_engine, target):
    client = app_engine[0].server.test_client()
    response = client.post(
        "/admin/login", data={"password": PASSWORD, "csrf_token": csrf(client), "next": target}
    )
    assert response.status_code == 302
    assert response.location == "/admin/"


def test_session_cookie_flags(app_engine):
    client = app_engine[0].server.test_client()
    cookie = login(client).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    secure_client = app_engine[0].server.test_client()
    token = csrf(secure_client, base_url="https://vger.example")
    response = secure_client.post(
        "/admin/login",
        data={"password": PASSWORD, "csrf_token": token},
        base_url="https://vger.example",
    )
    assert response.status_code == 302
    assert "Secure" in response.headers["Set-Cookie"]


def test_logout_needs_csrf_and_ends_the_session(admin):
    assert admin.post("/admin/logout").status_code == 400
    assert post(admin, "/admin/logout").status_code == 302
    assert admin.get("/admin/").status_code == 302


def test_trusted_proxy_header(tmp_path):
    app, _ = make_app(tmp_path, admin_password=None, trusted_user_header="X-Forwarded-User")
    client = app.server.test_client()
    assert client.get("/admin/").status_code == 302
    assert client.get("/admin/login").status_code == 401
    response = client.get("/admin/", headers={"X-Forwarded-User": "ada@example.com"})
    assert response.status_code == 200 and "ada@example.com" in text_of(response)
    created = client.post(
        "/admin/teams/new",
        data={
            "slug": "t",
            "name": "T",
            "tz": "UTC",
            "fiscal_start_month": "1",
            "csrf_token": csrf(client, headers={"X-Forwarded-User": "ada@example.com"}),
        },
        headers={"X-Forwarded-User": "ada@example.com"},
    )
    assert created.status_code == 302


# --- teams and boards -----------------------------------------------------------------------


def new_team(client, slug="core", **extra):
    data = {"slug": slug, "name": "Core team", "tz": "Europe/Berlin", "fiscal_start_month": "4"}
    return post(client, "/admin/teams/new", {**data, **extra})


def new_board(client, slug="web", team="core", **extra):
    data = {
        "slug": slug,
        "name": "Web board",
        "team": team,
        "jql": "project = EX",
        "rolling_weeks": "12",
    }
    return post(client, "/admin/boards/new", {**data, **extra})


def test_create_edit_team_and_board_without_jira(admin, app_engine):
    _, engine = app_engine
    assert new_team(admin).status_code == 302
    response = new_board(
        admin,
        include_subtasks="on",
        working_days="on",
        abandoned="Won't Do, Duplicate",
        repos="acme/web\nacme/api",
        rolling_weeks="8",
    )
    assert response.status_code == 302 and response.location == "/admin/boards/web"
    page = text_of(admin.get("/admin/boards/web"))
    assert "could not be checked" in page  # no VGER_JIRA_URL: saved with a warning
    with engine.connect() as conn:
        b = boards.get_board(conn, "web")
        assert (b.include_subtasks, b.working_days, b.rolling_weeks) == (True, True, 8)
        assert b.abandoned == ("Won't Do", "Duplicate")
        assert b.tz == "Europe/Berlin"
        assert list(boards.repos(conn, b.id)) == ["acme/api", "acme/web"]
    edit = post(
        admin,
        "/admin/boards/web/edit",
        {
            "name": "Renamed",
            "team": "core",
            "jql": "project = EX",
            "rolling_weeks": "12",
            "repos": "acme/web",
        },
    )
    assert edit.status_code == 302
    with engine.connect() as conn:
        b = boards.get_board(conn, "web")
        assert (b.name, b.include_subtasks, b.working_days) == ("Renamed", False, False)
        assert list(boards.repos(conn, b.id)) == ["acme/web"]
    team = post(
        admin, "/admin/teams/core/edit", {"name": "Core", "tz": "UTC", "fiscal_start_month": "1"}
    )
    assert team.status_code == 302
    assert "Core" in text_of(admin.get("/admin/"))


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("slug", "Has Spaces", "is not valid"),
        ("tz", "Mars/Olympus", "unknown time zone"),
        ("fiscal_start_month", "13", "between 1 and 12"),
    ],
)
def test_team_form_errors_in_words(admin, app_engine, field, value, words):
    before = row_counts(app_engine[1])
    response = new_team(admin, **{field: value})
    assert response.status_code == 400
    assert words in text_of(response)
    assert row_counts(app_engine[1]) == before


def test_board_form_errors_in_words(admin, app_engine):
    new_team(admin)
    assert new_board(admin).status_code == 302
    before = row_counts(app_engine[1])
    for extra, words in [
        ({"slug": "web"}, "already exists"),
        ({"slug": "x", "rolling_weeks": "0"}, "between 1 and 104"),
        ({"slug": "x", "jira_board_id": "abc"}, "whole number"),
        ({"slug": "x", "repos": "not-a-repo"}, "owner/name"),
        ({"slug": "x", "team": "nobody"}, "no team"),
        ({"slug": "x", "jql": "  "}, "Give the JQL"),
    ]:
        response = new_board(admin, **extra)
        assert response.status_code == 400, extra
        assert words in text_of(response), extra
    assert row_counts(app_engine[1]) == before


def test_jql_is_checked_against_jira_and_its_error_shown(tmp_path, jira_fake):
    serve_example(jira_fake)
    app, engine = make_app(tmp_path, **_jira_values(jira_fake))
    client = app.server.test_client()
    login(client)
    new_team(client)
    before = row_counts(engine)
    response = new_board(client, jql="project = NOPE")
    assert response.status_code == 400
    page = text_of(response)
    assert "The value &#39;NOPE&#39; does not exist for the field &#39;project&#39;." in page
    assert 'id="error-jql"' in page
    assert row_counts(engine) == before
    assert new_board(client).status_code == 302
    assert "could not be checked" not in text_of(client.get("/admin/boards/web"))
    edit = post(
        client,
        "/admin/boards/web/edit",
        {"name": "Web", "team": "core", "jql": "project = NOPE", "rolling_weeks": "12"},
    )
    assert edit.status_code == 400 and "does not exist" in text_of(edit)
    with engine.connect() as conn:
        assert boards.get_board(conn, "web").jql == "project = EX"


def test_board_lookup_by_name_reports_jira_errors(tmp_path, cloud_fake):
    serve_example(cloud_fake)
    cloud_fake.board_search = False  # a Jira without Jira Software: the agile API answers 404
    app, engine = make_app(tmp_path, **_jira_values(cloud_fake))
    client = app.server.test_client()
    login(client)
    new_team(client)
    response = new_board(client, jira_board_name="Team board")
    assert response.status_code == 400
    assert "Could not look up the Jira board" in text_of(response)


def test_board_lookup_by_name_uses_the_found_id(tmp_path):
    from types import SimpleNamespace

    from etl.jira_validate import Check

    app, engine = make_app(tmp_path, jira_url="http://jira.invalid")
    app.server.extensions["vger"]["admin_services"] = SimpleNamespace(
        validate_jql=lambda settings, jql: Check(True, "ok"),
        find_board=lambda settings, name: 42 if name == "Team board" else None,
        board_workflow=lambda settings, board_id: (
            [("To do", ["1"]), ("Doing", ["3"]), ("Done", ["5"])],
            (1, 1),
        ),
        run_etl=None,
    )
    client = app.server.test_client()
    login(client)
    new_team(client)
    assert new_board(client, jira_board_name="Team board").status_code == 302
    with engine.connect() as conn:
        b = boards.get_board(conn, "web")
        assert b.jira_board_id == 42
        assert workflows.get_workflow(conn, b.id).state_names == ["To do", "Doing", "Done"]


# --- delete ---------------------------------------------------------------------------------


def _board_rows(engine, board_id: int) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t.name: conn.execute(
                sa.select(sa.func.count()).select_from(t).where(t.c.board_id == board_id)
            ).scalar_one()
            for t in s.metadata.sorted_tables
            if "board_id" in t.c
        }


def _two_boards(engine):
    example_board(engine, slug="keep")
    gone = example_board(engine, slug="gone")
    with engine.begin() as conn:
        repo_id = boards.add_repo(conn, gone.id, "acme/gone")
        conn.execute(
            sa.insert(s.pull_request).values(
                repo_id=repo_id, number=1, title="pr", state="merged", created=NOW, merged=NOW
            )
        )
        run = store_sync.start_run(conn, "jira", "gone", gone.id)
        store_sync.finish_run(conn, run, "ok", counts={"added": 4})
    return gone


def test_delete_board_asks_then_removes_only_its_rows(tmp_path):
    app, engine = make_app(tmp_path)
    gone = _two_boards(engine)
    keep_before = _board_rows(engine, 1)
    client = app.server.test_client()
    login(client)
    confirm = text_of(client.get("/admin/boards/gone/delete"))
    assert "<strong>4</strong> issues" in confirm
    assert "<strong>1</strong> pull requests" in confirm
    assert "<strong>1</strong> sync runs" in confirm
    assert _board_rows(engine, gone.id)["issue"] == 4  # the GET deleted nothing
    assert post(client, "/admin/boards/gone/delete").status_code == 302
    assert set(_board_rows(engine, gone.id).values()) == {0}
    assert _board_rows(engine, 1) == keep_before
    counts = row_counts(engine)
    assert counts["pull_request"] == 0 and counts["board"] == 1 and counts["team"] == 1


def test_delete_team_removes_its_boards_only(tmp_path):
    app, engine = make_app(tmp_path, example=True)
    with engine.begin() as conn:
        teams.add_team(conn, "other", "Other")
        boards.add_board(conn, "solo", "other", jql="project = S")
    client = app.server.test_client()
    login(client)
    confirm = text_of(client.get("/admin/teams/ex-team/delete"))
    assert "<strong>1</strong> boards" in confirm and "<strong>4</strong> issues" in confirm
    assert post(client, "/admin/teams/ex-team/delete").status_code == 302
    counts = row_counts(engine)
    assert (counts["team"], counts["board"], counts["issue"], counts["transition"]) == (1, 1, 0, 0)
    with engine.connect() as conn:
        assert [b.slug for b in boards.list_boards(conn)] == ["solo"]


def test_cli_board_remove_asks_for_confirmation(tmp_path):
    from vger.cli import cli

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    upgrade(engine)
    gone = _two_boards(engine)
    runner = CliRunner()
    env = {"VGER_DATABASE_URL": url}
    refused = runner.invoke(cli, ["board", "remove", "gone"], input="n\n", env=env)
    assert refused.exit_code == 1 and "4 issues" in refused.output
    assert _board_rows(engine, gone.id)["issue"] == 4
    missing = runner.invoke(cli, ["board", "remove", "nope", "--yes"], env=env)
    assert missing.exit_code == 1 and "no board 'nope'" in missing.output
    done = runner.invoke(cli, ["board", "remove", "gone", "--yes"], env=env)
    assert done.exit_code == 0, done.output
    assert set(_board_rows(engine, gone.id).values()) == {0}
    assert _board_rows(engine, 1)["issue"] == 4
    listed = runner.invoke(cli, ["board", "list"], env=env)
    assert "keep" in listed.output and "gone" not in listed.output


# --- sync now -------------------------------------------------------------------------------


def test_sync_now_runs_in_background_and_page_refreshes_while_running(tmp_path):
    from types import SimpleNamespace

    from etl.jira_validate import Check

    app, engine = make_app(tmp_path, example=True)
    release = threading.Event()
    started = threading.Event()

    def slow_run(engine_, settings, *, board_slug, progress=False, **_):
        with engine_.begin() as conn:
            run = store_sync.start_run(conn, "jira", board_slug, 1)
            store_sync.checkpoint(
                conn, run, counts={"added": 2, "updated": 0, "removed": 0, "requests": 3}
            )
        started.set()
        release.wait(10)
        with engine_.begin() as conn:
            store_sync.finish_run(
                conn, run, "failed", counts={"added": 2}, error="board example: Jira said <b>no</b>"
            )

    app.server.extensions["vger"]["admin_services"] = SimpleNamespace(
        validate_jql=lambda *a: Check(True), find_board=None, board_workflow=None, run_etl=slow_run
    )
    client = app.server.test_client()
    login(client)
    t0 = time.monotonic()
    response = post(client, "/admin/boards/example/sync")
    assert response.status_code == 302 and time.monotonic() - t0 < 2  # returns at once
    assert started.wait(5)
    page = text_of(client.get("/admin/boards/example"))
    assert 'http-equiv="refresh"' in page and "Sync running" in page and "running" in page
    again = post(client, "/admin/boards/example/sync", follow_redirects=True)
    assert "already running" in text_of(again)
    status = client.get("/admin/api/boards/example/status").get_json()
    assert status["running"] is True and status["runs"][0]["counts"]["added"] == 2
    release.set()
    from vger.web.admin import wait_for_syncs

    wait_for_syncs(10)
    page = text_of(client.get("/admin/boards/example"))
    assert 'http-equiv="refresh"' not in page
    assert "failed" in page and "Jira said &lt;b&gt;no&lt;/b&gt;" in page
    api = client.get("/admin/api/boards/example/status").get_json()
    assert (
        api["running"] is False and api["runs"][0]["error"] == "board example: Jira said <b>no</b>"
    )


def _jira_values(fake) -> dict:
    values = settings_for(fake).model_dump()
    return {k: values[k] for k in ("jira_url", "jira_user", "jira_timeout", "jira_retries")} | {
        "jira_token": fake.token
    }


def test_from_empty_store_to_synced_board_entirely_from_the_web(tmp_path, jira_fake):
    from vger.web.admin import wait_for_syncs

    serve_example(jira_fake, board_id=5)
    app, engine = make_app(tmp_path, **_jira_values(jira_fake))
    client = app.server.test_client()
    assert client.get("/admin/").status_code == 302
    assert login(client).status_code == 302
    assert "No teams yet" in text_of(client.get("/admin/"))
    assert new_team(client, tz="UTC").status_code == 302
    response = new_board(client, slug="ex", jql="project = EX", jira_board_id="5")
    assert response.status_code == 302, text_of(response)
    board_page = text_of(client.get("/admin/boards/ex"))
    assert "Backlog → Ready → Doing → Review → Done" in board_page  # from the Jira board
    states_page = text_of(client.get("/admin/boards/ex/work-states"))
    assert 'name="states-3-name" value="Review"' in states_page
    assert post(client, "/admin/boards/ex/sync").status_code == 302
    wait_for_syncs(30)
    status = client.get("/admin/api/boards/ex/status").get_json()
    assert status["running"] is False
    jira_run = next(r for r in status["runs"] if r["source"] == "jira")
    assert jira_run["status"] == "ok", jira_run
    assert jira_run["counts"]["added"] == 4
    page = text_of(client.get("/admin/boards/ex"))
    assert "EX-1" in page and "4 issues stored" in page
    quadrant = client.get("/api/v1/quadrant?board=ex&from=2024-01-01&to=2024-01-14").get_json()
    assert quadrant["board"] == "ex"
    assert sum(row["count"] for row in quadrant["throughput"]) == 3
    work_types = text_of(client.get("/admin/boards/ex/work-types"))
    assert re.search(r'name="type__Bug" value="[^"]+"', work_types)
