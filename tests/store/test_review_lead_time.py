"""The board option "lead time includes code review" (issues linked to pull
requests): the worked example of docs/metrics.md by hand on the example board. Item A
(EX-1) starts Tue 2024-01-02 09:00 and is done Tue 01-09 09:00: 7.0 days, 5.0 working
days. PR acme/app#1, opened Mon 01-01 09:00, names it: with the option, 8.0 days and
6.0 working days (Mon 09:00 → Tue next week 09:00). It names C (EX-3, abandoned Fri
01-05 10:00 after its start Wed 01-03 10:00: 2.0 days) too: 4 days 1 hour = 4.041667
(no weekend between). D (EX-4, no PR) keeps its 9.0 (7.0 working days)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.factories import EXAMPLE_ISSUES, EXAMPLE_TRANSITIONS, example_board
from tests.pr_links import store_example_prs
from vger.store import boards
from vger.store import schema as s
from vger.store.issues import save_issues

WITHOUT = {"EX-1": (7.0, 5.0), "EX-3": (2.0, 2.0), "EX-4": (9.0, 7.0)}
WITH = {"EX-1": (8.0, 6.0), "EX-3": (4.041667, 4.041667), "EX-4": (9.0, 7.0)}


def lead_times(engine, board_id: int) -> dict[str, tuple[float, float]]:
    i = s.issue
    with engine.connect() as conn:
        rows = conn.execute(
            select(i.c.key, i.c.lead_time_days, i.c.lead_time_working_days).where(
                i.c.board_id == board_id, i.c.lead_time_days.is_not(None)
            )
        )
        return {r.key: (round(r[1], 6), round(r[2], 6)) for r in rows}


def test_option_on_and_off(engine):
    board = example_board(engine)
    store_example_prs(engine, board)
    assert lead_times(engine, board.id) == WITHOUT
    with engine.begin() as conn:
        assert boards.set_review_lead_time(conn, "example", True) == 2
    assert lead_times(engine, board.id) == WITH
    with engine.begin() as conn:  # idempotent
        assert boards.set_review_lead_time(conn, "example", True) == 0
        # a rule change re-derives every issue: the option still applies
        b = boards.get_board(conn, "example")
        assert boards.update_board(
            conn,
            "example",
            name=b.name,
            team=b.team_slug,
            jql=b.jql,
            jira_board_id=None,
            include_subtasks=False,
            rolling_weeks=12,
            working_days=True,
            abandoned=None,
            repos=["acme/app"],
        )
        assert boards.get_board(conn, "example").review_lead_time
    assert lead_times(engine, board.id) == WITH
    with engine.begin() as conn:
        assert boards.set_review_lead_time(conn, "example", False) == 2
    assert lead_times(engine, board.id) == WITHOUT


def test_issues_saved_after_their_prs(sqlite_engine):
    """Links are by key: issues stored after the PRs get the review-inclusive lead time
    when they are saved."""
    board = example_board(sqlite_engine)
    with sqlite_engine.begin() as conn:
        boards.set_review_lead_time(conn, "example", True)
    store_example_prs(sqlite_engine, board)
    with sqlite_engine.begin() as conn:
        b = boards.get_board(conn, "example")
        assert b.review_lead_time
        save_issues(conn, b, EXAMPLE_ISSUES, EXAMPLE_TRANSITIONS)  # saved again: re-derived
    assert lead_times(sqlite_engine, board.id)["EX-1"] == (8.0, 6.0)


@pytest.mark.parametrize("flag", ["--on", "--off"])
def test_cli_review(sqlite_engine, flag, tmp_path):
    from click.testing import CliRunner

    from vger.cli import cli

    example_board(sqlite_engine)
    url = str(sqlite_engine.url)
    result = CliRunner().invoke(
        cli, ["board", "review", "example", flag], env={"VGER_DATABASE_URL": url}
    )
    assert result.exit_code == 0, result.output
    with sqlite_engine.connect() as conn:
        assert boards.get_board(conn, "example").review_lead_time is (flag == "--on")
    assert ("includes code review" in result.output) is (flag == "--on")
