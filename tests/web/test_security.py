"""Hostile input and access control: SQL injection strings in every query parameter and
admin form field change nothing and never give a 500; HTML in names, JQL and summaries
is escaped; Jira and GitHub tokens never reach logs, pages or error messages (CSRF,
logins and VGER_REQUIRE_LOGIN: test_security_login)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from tests.etl.conftest import serve_example
from tests.etl.fake_github import FakeGitHub
from tests.etl.fake_jira import FakeJira
from tests.web.test_admin import (
    csrf,
    login,
    make_app,
    post,
    row_counts,
    text_of,
)
from vger.store import boards, workflows
from vger.store import schema as s

ROOT = Path(__file__).resolve().parents[2]
INJECTIONS = [
    "' OR 1=1 --",
    '"; DROP TABLE issue; --',
    "%27",
    "example' OR '1'='1",
    "1; DELETE FROM board",
    "ëxämple ☃ 💥 \u202e",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "%00",
]
QUERY_PARAMS = (
    "board",
    "source",
    "from",
    "to",
    "types",
    "repos",
    "window",
    "lines",
    "tags",
    "leadtime",
    "backlog",
    "quarters",
)
XSS_SUMMARY = '<img src=x onerror="window.__xss=1">'
XSS_BOARD = "<script>window.__xss=2</script>"
XSS_TEAM = "<script>window.__xss=3</script>"
XSS_JQL = 'project = EX AND summary ~ "<img src=x onerror=alert(4)>"'


@pytest.fixture
def example(tmp_path):
    return make_app(tmp_path, example=True)


def _download_paths(app) -> list[str]:
    paths = [
        f"/download/{c}.csv" for c in ("throughput", "variation", "backlog", "volume", "leadtime")
    ]
    for rule in app.server.url_map.iter_rules():
        if rule.rule.startswith("/download/") and "<" not in rule.rule:
            paths.append(rule.rule)
    return paths


# --- SQL injection ----------------------------------------------------------------------


@pytest.mark.parametrize("payload", INJECTIONS)
def test_injection_in_every_query_parameter_changes_nothing(example, payload):
    app, engine = example
    client = app.server.test_client()
    before = row_counts(engine)
    value = quote(payload, safe="")
    paths = ["/quadrant", "/api/v1/quadrant", *_download_paths(app)]
    for path in paths:
        for name in QUERY_PARAMS:
            for query in (f"{name}={value}", f"board=example&{name}={value}"):
                response = client.get(f"{path}?{query}")
                assert response.status_code < 500, (path, query, response.status_code)
                if path == "/api/v1/quadrant" and response.status_code == 404:
                    assert "error" in response.get_json()
    assert row_counts(engine) == before


@pytest.mark.parametrize("payload", INJECTIONS)
def test_injection_through_the_quadrant_layout_and_callbacks(example, payload):
    from vger.web.views.quadrant import page as quadrant

    app, engine = example
    before = row_counts(engine)
    with app.server.test_request_context("/quadrant"):
        for name in QUERY_PARAMS:
            quadrant.layout(**{"board": "example", name: payload})
            quadrant.layout(**{name: payload})
        args = [
            "example",
            "jira",
            "2024-01-01",
            "2024-01-14",
            [],
            [],
            12,
            "rolling",
            "overall",
            "absolute",
            [],
        ]
        for k in range(len(args)):
            hostile = list(args)
            hostile[k] = [payload] if isinstance(args[k], list) else payload
            params = quadrant.params_from_controls(*hostile)
            quadrant.render(params)
    assert row_counts(engine) == before


def _admin(example):
    app, engine = example
    client = app.server.test_client()
    login(client)
    return client, engine


@pytest.mark.parametrize("payload", INJECTIONS)
def test_injection_in_every_admin_form_field_is_stored_literally_or_refused(example, payload):
    client, engine = _admin(example)
    before = row_counts(engine)
    board_form = {
        "name": "Example board",
        "team": "ex-team",
        "jql": "project = EX",
        "jira_board_id": "",
        "jira_board_name": "",
        "rolling_weeks": "12",
        "abandoned": "Won't Do",
        "repos": "",
    }
    team_form = {"name": "Example team", "tz": "UTC", "fiscal_start_month": "1"}
    checks = []
    for field in board_form:
        checks.append(("/admin/boards/example/edit", {**board_form, field: payload}))
        checks.append(("/admin/boards/new", {**board_form, "slug": payload, field: payload}))
    for field in team_form:
        checks.append(("/admin/teams/example/edit", {**team_form, field: payload}))
        checks.append(("/admin/teams/ex-team/edit", {**team_form, field: payload}))
        checks.append(("/admin/teams/new", {**team_form, "slug": payload, field: payload}))
    checks += [
        ("/admin/boards/example/work-types", {"type__Story": payload, f"type__{payload}": payload}),
        (
            "/admin/boards/example/work-states",
            {"states-0-name": payload, "states-0-order": payload, "interval_start": payload},
        ),
        ("/admin/boards/example/work-states", {"action": payload}),
        (f"/admin/boards/{quote(payload, safe='')}/delete", {}),
        (f"/admin/teams/{quote(payload, safe='')}/delete", {}),
        (f"/admin/boards/{quote(payload, safe='')}/sync", {}),
    ]
    for url, data in checks:
        response = post(client, url, data)
        assert response.status_code < 500, (url, data, response.status_code)
        counts = row_counts(engine)
        # An edit may store the text (literally, below) but never adds or removes rows.
        if "/work-types" in url:
            before = counts  # the editor replaces the board's groups with the posted ones
        assert counts == before, (url, data)
    with engine.connect() as conn:
        names = {b.name for b in boards.list_boards(conn)}
        teams = set(conn.execute(sa.select(s.team.c.name)).scalars())
    assert names <= {"Example board", payload.strip()}
    assert teams <= {"Example team", payload.strip() or "ex-team"}
    wrong = client.post("/admin/login", data={"password": payload, "csrf_token": csrf(client)})
    assert wrong.status_code in (302, 401)
    assert row_counts(engine)["issue"] == before["issue"]


def test_injected_names_round_trip_literally(example):
    client, engine = _admin(example)
    payload = "x' OR 1=1 --; DROP TABLE issue; --"
    response = post(
        client,
        "/admin/boards/example/edit",
        {"name": payload, "team": "ex-team", "jql": "project = EX", "rolling_weeks": "12"},
    )
    assert response.status_code == 302
    response = post(
        client,
        "/admin/teams/new",
        {"slug": "t2", "name": payload, "tz": "UTC", "fiscal_start_month": "1"},
    )
    assert response.status_code == 302
    with engine.connect() as conn:
        assert boards.get_board(conn, "example").name == payload
        assert (
            conn.execute(sa.select(s.team.c.name).where(s.team.c.slug == "t2")).scalar_one()
            == payload
        )
        assert boards.issue_count(conn, 1) == 4


# --- escaping -----------------------------------------------------------------------------


def _hostile_names(engine):
    with engine.begin() as conn:
        conn.execute(sa.update(s.board).values(name=XSS_BOARD, jql=XSS_JQL))
        conn.execute(sa.update(s.team).values(name=XSS_TEAM))
        conn.execute(sa.update(s.issue).where(s.issue.c.key == "EX-1").values(summary=XSS_SUMMARY))
        conn.execute(
            sa.update(s.status).where(s.status.c.status_id == "6").values(name=XSS_SUMMARY)
        )
        workflows.set_work_types(conn, 1, {XSS_TEAM: ["Story"], "Defect": [XSS_BOARD]})


def test_html_in_names_jql_and_summaries_is_escaped_in_admin_pages(example):
    client, engine = _admin(example)
    _hostile_names(engine)
    with engine.begin() as conn:
        workflows.set_workflow(
            conn, 1, [("To do", ["1"]), ("Doing", ["2", "3", "4"]), ("Done", ["5"])], (1, 1)
        )
    pages = [
        "/admin/",
        "/admin/boards/example",
        "/admin/boards/example/edit",
        "/admin/boards/example/work-types",
        "/admin/boards/example/work-states",
        "/admin/boards/example/delete",
        "/admin/teams/ex-team/edit",
        "/admin/teams/ex-team/delete",
    ]
    for url in pages:
        page = text_of(client.get(url))
        for raw in (XSS_BOARD, XSS_TEAM, XSS_SUMMARY, "<img src=x"):
            assert raw not in page, (url, raw)
        assert "window.__xss" not in page or "&lt;" in page
    board_page = text_of(client.get("/admin/boards/example"))
    assert "&lt;script&gt;window.__xss=2&lt;/script&gt;" in board_page
    assert "&lt;img src=x onerror=&#34;window.__xss=1&#34;&gt;" in board_page
    assert "summary ~ &#34;&lt;img src=x onerror=alert(4)&gt;&#34;" in board_page


def test_html_in_names_is_escaped_in_figures_csv_and_api(example):
    from vger.web.views.quadrant import page as quadrant

    app, engine = example
    _hostile_names(engine)
    with app.server.test_request_context("/quadrant"):
        params = quadrant.params_from_controls(
            "example",
            "jira",
            "2024-01-01",
            "2024-01-14",
            [],
            [],
            12,
            "rolling",
            "overall",
            "absolute",
            [],
        )
        out = quadrant.render(params)
    for fig in out[:4]:
        text = fig.to_json() if hasattr(fig, "to_json") else str(fig)
        assert "<script>" not in text and "<img" not in text
    client = app.server.test_client()
    csv = text_of(client.get("/download/leadtime.csv?board=example&from=2024-01-01&to=2024-01-14"))
    assert XSS_SUMMARY.replace('"', '""') in csv  # CSV keeps the text; it is data, not HTML
    api = client.get("/api/v1/quadrant?board=example&from=2024-01-01&to=2024-01-14")
    assert api.mimetype == "application/json"


# --- secrets ------------------------------------------------------------------------------

JIRA_TOKEN = "jira-TOKEN-7f3a9c-do-not-leak"
GITHUB_TOKEN = "ghp_GITHUBtoken9d8e7f-do-not-leak"


def _leaks(text: str) -> list[str]:
    return [t for t in (JIRA_TOKEN, GITHUB_TOKEN) if t in text]


@pytest.mark.parametrize("mode", ["cloud", "dc"])
@pytest.mark.parametrize("failure", ["wrong-token", "server-errors"])
def test_tokens_never_reach_logs_pages_or_errors(tmp_path, caplog, mode, failure):
    from etl.jira_validate import validate_jql
    from etl.run import run_etl
    from vger.web.admin import wait_for_syncs

    caplog.set_level("DEBUG")
    # wrong-token: Jira refuses our (distinctive) token; server-errors: it accepts it and fails.
    jira_token = JIRA_TOKEN if failure == "server-errors" else "the-right-one"
    with (
        FakeJira(mode, token=jira_token) as fake,
        FakeGitHub(token="the-right-one") as github,  # refuses our token: 401 Bad credentials
    ):
        serve_example(fake)
        if failure == "server-errors":
            fake.fail_500 = 10_000
        app, engine = make_app(
            tmp_path,
            example=True,
            jira_url=fake.url,
            jira_user=fake.user if mode == "cloud" else None,
            jira_token=JIRA_TOKEN,
            jira_retries=1,
            jira_timeout=2.0,
            github_token=GITHUB_TOKEN,
            github_url=github.url,
        )
        with engine.begin() as conn:
            boards.add_repo(conn, 1, "acme/web")
        settings = app.server.extensions["vger"]["settings"]
        report = run_etl(engine, settings, board_slug="example", jira_backoff=0.01)
        assert not report.ok
        assert {(p.source, p.ok) for p in report.parts} == {("jira", False), ("github", False)}
        check = validate_jql(settings, "project = EX")
        assert check.ok is None and not _leaks(check.message)
        client = app.server.test_client()
        login(client)
        assert post(client, "/admin/boards/example/sync").status_code == 302
        wait_for_syncs(60)
        page = text_of(client.get("/admin/boards/example"))
        status = text_of(client.get("/admin/api/boards/example/status"))
        edit = text_of(
            post(
                client,
                "/admin/boards/example/edit",
                {"name": "E", "team": "ex-team", "jql": "project = EXX", "rolling_weeks": "12"},
                follow_redirects=True,
            )
        )
        with engine.connect() as conn:
            errors = " ".join(e or "" for e in conn.execute(sa.select(s.sync.c.error)).scalars())
    assert "failed" in page and errors
    for where, text in [
        ("report", report.summary()),
        ("logs", caplog.text),
        ("page", page),
        ("status api", status),
        ("edit page", edit),
        ("sync.error", errors),
    ]:
        assert not _leaks(text), where


def test_tokens_never_reach_the_stderr_of_vger_etl(tmp_path):
    from tests.factories import example_board
    from vger.store.db import make_engine, upgrade

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    upgrade(engine)
    example_board(engine)
    with engine.begin() as conn:
        boards.add_repo(conn, 1, "acme/web")
    engine.dispose()
    with (
        FakeJira("cloud", token="the-right-one") as fake,
        FakeGitHub(token="the-right-one") as github,
    ):
        serve_example(fake)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("VGER_")},
            "VGER_DATABASE_URL": url,
            "VGER_JIRA_URL": fake.url,
            "VGER_JIRA_USER": fake.user,
            "VGER_JIRA_TOKEN": JIRA_TOKEN,
            "VGER_JIRA_RETRIES": "1",
            "VGER_JIRA_TIMEOUT": "2",
            "VGER_GITHUB_TOKEN": GITHUB_TOKEN,
            "VGER_GITHUB_URL": github.url,
        }
        result = subprocess.run(
            [sys.executable, "-m", "vger", "-vv", "etl", "--board", "example"],
            cwd=tmp_path,
            env={**env, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 1, result.stderr[-2000:]
    assert "401" in result.stdout + result.stderr or "credentials" in result.stdout + result.stderr
    assert not _leaks(result.stdout), result.stdout
    assert not _leaks(result.stderr), result.stderr[-3000:]
