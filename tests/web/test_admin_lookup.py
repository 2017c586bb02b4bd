"""Finding a Jira board by name against the fake Jira (``GET /rest/agile/1.0/board?name=``)
through the real ``jira`` client, Cloud and Data Center: the exact name wins, several
or no matches are answered in words, and the admin's new-board form uses the found id
(and the board's columns as work states)."""

from __future__ import annotations

import pytest

from etl.jira_validate import find_board
from tests.etl.conftest import serve_example, settings_for
from tests.etl.fake_jira import FakeJira
from tests.factories import EXAMPLE_STATES
from tests.web.test_admin import _jira_values, login, make_app, new_board, new_team, text_of
from vger.errors import ConfigError
from vger.store import boards, workflows


@pytest.fixture(params=["cloud", "dc"])
def fake(request):
    with FakeJira(request.param) as jira:
        jira.board_search = True
        serve_example(jira, board_id=5)
        jira.add_board(5, EXAMPLE_STATES, name="Team board")
        jira.add_board(7, EXAMPLE_STATES, name="Team board (archive)")
        jira.add_board(9, EXAMPLE_STATES, name="Platform kanban")
        yield jira


def test_exact_name_wins_over_partial_matches(fake):
    assert find_board(settings_for(fake), "Team board") == 5
    assert find_board(settings_for(fake), "Platform kanban") == 9
    asked = [r for r in fake.log if r["path"] == "/rest/agile/1.0/board"]
    assert asked and asked[-1]["params"]["name"] == "Platform kanban"
    assert asked[-1]["status"] == 200


def test_a_unique_partial_match_is_used(fake):
    assert find_board(settings_for(fake), "archive") == 7


def test_no_board_named_x_in_words(fake):
    with pytest.raises(ConfigError) as exc:
        find_board(settings_for(fake), "Nothing like it")
    assert str(exc.value) == "Jira has no board named 'Nothing like it' that this user can see"


def test_several_matches_are_listed_in_words(fake):
    with pytest.raises(ConfigError) as exc:
        find_board(settings_for(fake), "team")
    message = str(exc.value)
    assert message.startswith("Several Jira boards match 'team'")
    assert "5 (Team board)" in message and "7 (Team board (archive))" in message
    assert message.endswith("enter the id")


def test_the_paged_shape_is_the_documented_one(fake):
    import requests

    settings = settings_for(fake)
    auth = (
        {"auth": (fake.user, fake.token)}
        if fake.mode == "cloud"
        else {"headers": {"Authorization": f"Bearer {fake.token}"}}
    )
    page = requests.get(
        f"{fake.url}/rest/agile/1.0/board",
        params={"name": "board", "startAt": 1, "maxResults": 1},
        timeout=settings.jira_timeout,
        **auth,
    ).json()
    assert {k: page[k] for k in ("maxResults", "startAt", "total", "isLast")} == {
        "maxResults": 1,
        "startAt": 1,
        "total": 2,
        "isLast": True,
    }
    (value,) = page["values"]
    assert value["id"] == 7 and value["name"] == "Team board (archive)"
    assert set(value) == {"id", "self", "name", "type", "location"}


def test_the_endpoint_is_off_unless_asked(fake):
    fake.board_search = False
    with pytest.raises(ConfigError, match="Could not look up the Jira board"):
        find_board(settings_for(fake), "Team board")


def test_admin_new_board_form_finds_the_board_by_name(tmp_path, fake):
    app, engine = make_app(tmp_path, **_jira_values(fake))
    client = app.server.test_client()
    login(client)
    assert new_team(client).status_code == 302
    response = new_board(client, jira_board_name="Platform kanban")
    assert response.status_code == 302, text_of(response)[:500]
    with engine.connect() as conn:
        board = boards.get_board(conn, "web")
        assert board.jira_board_id == 9
        workflow = workflows.get_workflow(conn, board.id)
        assert workflow.state_names == [name for name, _ in EXAMPLE_STATES]
    missing = new_board(client, slug="other", jira_board_name="Nothing like it")
    assert missing.status_code == 400
    assert "no board named" in text_of(missing) and "Nothing like it" in text_of(missing)
