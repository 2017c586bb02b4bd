"""A newcomer's first hour on the command line: every stumble found by hand, as a test."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.etl.conftest import serve_example
from tests.etl.fake_jira import FakeJira
from tests.etl.test_jira_cli import env_for
from tests.etl.test_jira_etl import many
from vger.cli import cli
from vger.store import boards, teams
from vger.store.db import make_engine, upgrade

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def runner(tmp_path, monkeypatch):
    """A CLI runner in an empty folder (no .env) with no VGER_* variable inherited."""
    for name in list(os.environ):
        if name.startswith("VGER_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def _store(tmp_path: Path, *, jql: str = "project = EX", repos: tuple[str, ...] = ()) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        teams.add_team(conn, "ex-team", "Example team")
        board_id = boards.add_board(conn, "example", "ex-team", jql=jql)
        for repo in repos:
            boards.add_repo(conn, board_id, repo)
    engine.dispose()
    return url


def test_etl_without_jira_url_exits_1_with_what_to_set(runner, tmp_path):
    url = _store(tmp_path)
    result = runner.invoke(cli, ["etl", "--no-progress"], env={"VGER_DATABASE_URL": url})
    assert result.exit_code == 1
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, result.stdout
    assert "VGER_JIRA_URL is not set" in lines[0] and "VGER_JIRA_TOKEN" in lines[0]


def test_etl_with_repositories_and_no_token_exits_1_with_what_to_set(runner, tmp_path):
    url = _store(tmp_path, jql="", repos=("example/api",))
    result = runner.invoke(cli, ["etl", "--no-progress"], env={"VGER_DATABASE_URL": url})
    assert result.exit_code == 1
    (line,) = [x for x in result.stdout.splitlines() if "github" in x]
    assert "VGER_GITHUB_TOKEN is not set" in line and "example/api" in line


def test_board_add_checks_the_jql_against_jira_like_the_admin(runner, tmp_path):
    url = _store(tmp_path)
    with FakeJira("dc") as fake:
        serve_example(fake)
        env = {**env_for(fake, tmp_path / "cli.db"), "VGER_DATABASE_URL": url}
        bad = runner.invoke(
            cli, ["board", "add", "web", "--team", "ex-team", "--jql", "project = NOPE"], env=env
        )
        good = runner.invoke(
            cli, ["board", "add", "web2", "--team", "ex-team", "--jql", "project = EX"], env=env
        )
    assert bad.exit_code == 1
    assert (
        "Jira rejected the JQL: The value 'NOPE' does not exist for the field 'project'."
        in bad.output
    )
    assert good.exit_code == 0, good.output
    with make_engine(url).connect() as conn:
        slugs = [b.slug for b in boards.list_boards(conn)]
    assert "web" not in slugs and "web2" in slugs


def test_board_add_without_jira_says_it_was_not_checked(runner, tmp_path):
    url = _store(tmp_path)
    result = runner.invoke(
        cli,
        ["board", "add", "web", "--team", "ex-team", "--jql", "project = X"],
        env={"VGER_DATABASE_URL": url},
    )
    assert result.exit_code == 0
    assert "Saved without a check against Jira: VGER_JIRA_URL is not set" in result.stderr


def test_db_upgrade_says_it_created_the_schema_then_that_it_is_current(runner, tmp_path):
    env = {"VGER_DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}"}
    first = runner.invoke(cli, ["db", "upgrade"], env=env)
    second = runner.invoke(cli, ["db", "upgrade"], env=env)
    assert first.exit_code == 0 and first.output.startswith("Created the schema (revision ")
    assert second.exit_code == 0 and second.output.startswith("The schema is up to date")


def test_team_list_and_board_list_have_a_header_row(runner, tmp_path):
    url = _store(tmp_path)
    env = {"VGER_DATABASE_URL": url}
    teams = runner.invoke(cli, ["team", "list"], env=env)
    listed = runner.invoke(cli, ["board", "list"], env=env)
    assert teams.exit_code == 0 and listed.exit_code == 0
    header, row = teams.output.splitlines()
    assert header.split() == ["TEAM", "NAME", "TIME", "ZONE", "FISCAL", "START", "BOARDS"]
    assert row.split()[0] == "ex-team" and row.split()[-1] == "1"
    header, row = listed.output.splitlines()
    assert header.split() == ["BOARD", "TEAM", "ISSUES", "JQL"]
    assert row.split() == ["example", "ex-team", "0", "project", "=", "EX"]


def test_demo_on_a_port_in_use_says_so_before_any_work(runner, tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        db = tmp_path / "demo.db"
        result = runner.invoke(cli, ["demo", "--port", str(port), "--db", str(db)])
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not db.exists(), "no work may be done before the port is known to be free"


HEAVY = ("sqlalchemy", "pandas", "numpy", "dash", "flask", "plotly", "jira", "github")


@pytest.mark.parametrize(
    "command",
    [
        "",
        "demo",
        "serve",
        "etl",
        "worker",
        "db upgrade",
        "config show",
        "team add",
        "team list",
        "board add",
    ],
)
def test_help_imports_nothing_heavy(command):
    """Help answers at once: no store, web or client library is imported for it (counted in
    modules, not timed)."""
    code = (
        "import sys, json\n"
        "from vger.cli import cli\n"
        "try:\n"
        f"    cli.main(args={(command + ' --help').split()!r}, prog_name='vger')\n"
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
        f"print(json.dumps([code, [m for m in {HEAVY!r} if m in sys.modules]]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    code, heavy = json.loads(result.stdout.strip().splitlines()[-1])
    assert code == 0 and heavy == []


def test_gitignore_covers_sqlite_side_files():
    names = ["vger.db", "vger.db-wal", "vger.db-shm", "vger-demo.db-wal", "x.sqlite-shm"]
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", *names], capture_output=True, text=True, cwd=ROOT
    )
    assert sorted(result.stdout.split()) == sorted(names)


@pytest.mark.parametrize("mode", ["cloud", "dc"])
def test_first_etl_on_a_terminal_shows_a_bar_with_a_total(runner, tmp_path, mode):
    url = _store(tmp_path)
    with FakeJira(mode) as fake:
        many(fake, 250)
        env = {**env_for(fake, tmp_path / "cli.db"), "VGER_DATABASE_URL": url}
        result = runner.invoke(cli, ["etl", "--progress"], env=env)
    assert result.exit_code == 0, result.output
    assert "250/250" in result.stderr


def test_etl_without_a_terminal_prints_a_progress_line_every_interval(runner, tmp_path):
    url = _store(tmp_path)
    with FakeJira("dc") as fake:
        many(fake, 350)
        fake.slow = 10**6  # every request takes slow_seconds
        fake.slow_seconds = 0.3
        env = {**env_for(fake, tmp_path / "cli.db"), "VGER_DATABASE_URL": url}
        result = runner.invoke(cli, ["etl", "--no-progress", "--every", "0.2"], env=env)
    assert result.exit_code == 0, result.output
    beats = [x for x in result.stderr.splitlines() if x.startswith("still syncing after")]
    assert len(beats) >= 3, result.stderr
    assert any("jira example: 100 issues of 350" in x for x in beats), beats
