"""``vger board states``: the working / waiting flags of a board's work states."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from tests.factories import EXAMPLE_STATES
from vger.cli import cli
from vger.store import boards, queries, teams, workflows, working
from vger.store.db import make_engine, upgrade


@pytest.fixture
def env(tmp_path, monkeypatch):
    for name in list(os.environ):
        if name.startswith("VGER_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        teams.add_team(conn, "ex-team")
        board_id = boards.add_board(conn, "example", "ex-team")
        workflows.set_workflow(conn, board_id, EXAMPLE_STATES, (1, 3))
    yield {"VGER_DATABASE_URL": url}, engine, board_id
    engine.dispose()


def _flags(output: str) -> dict[str, str]:
    lines = output.splitlines()
    assert lines[0].split()[:4] == ["#", "STATE", "FLAG", "PART"]
    return {line.split()[1]: line.split()[2] for line in lines[1:] if line[:1].isdigit()}


def test_lists_the_jira_column_defaults(env):
    environ, _, _ = env
    result = CliRunner().invoke(cli, ["board", "states", "example"], env=environ)
    assert result.exit_code == 0, result.output
    assert _flags(result.output) == {
        "Backlog": "waiting",
        "Ready": "working",
        "Doing": "working",
        "Review": "working",
        "Done": "waiting",
    }


def test_sets_flags_and_changes_the_data_version(env):
    environ, engine, board_id = env
    with engine.connect() as conn:
        before = queries.data_version(conn, board_id)
    result = CliRunner().invoke(
        cli, ["board", "states", "example", "--waiting", "Ready", "--working", "Done"], env=environ
    )
    assert result.exit_code == 0, result.output
    assert _flags(result.output)["Ready"] == "waiting"
    with engine.connect() as conn:
        assert working.working_flags(conn, board_id) == {
            0: False,
            1: False,
            2: True,
            3: True,
            4: True,
        }
        assert queries.data_version(conn, board_id) != before


def test_unknown_state_or_both_flags_is_a_clear_error(env):
    environ, _, _ = env
    unknown = CliRunner().invoke(
        cli, ["board", "states", "example", "--working", "QA"], env=environ
    )
    assert unknown.exit_code != 0 and "no work state 'QA'" in unknown.output
    both = CliRunner().invoke(
        cli, ["board", "states", "example", "--working", "Doing", "--waiting", "Doing"], env=environ
    )
    assert both.exit_code != 0 and "both working and waiting" in both.output


def test_resaving_the_states_keeps_flags_by_name(env):
    _, engine, board_id = env
    with engine.begin() as conn:
        working.set_working(conn, board_id, {"Ready": False})
        states = [*EXAMPLE_STATES[:3], ("QA", ["7"]), *EXAMPLE_STATES[3:]]
        workflows.set_workflow(conn, board_id, states, (1, 4))
        assert working.working_by_name(conn, board_id) == {
            "Backlog": False,
            "Ready": False,
            "Doing": True,
            "QA": True,
            "Review": True,
            "Done": False,
        }
