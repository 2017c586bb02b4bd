"""/admin's work types and work states editors: saving, re-deriving, errors in words,
hostile row numbers, the reset to a Jira board's columns, working and waiting states."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.etl.conftest import serve_example
from tests.etl.fake_jira import FakeJira
from tests.web.test_admin import _jira_values, login, make_app, post, row_counts, text_of
from vger.store import schema as s
from vger.store import workflows


@pytest.fixture
def cloud_fake():
    with FakeJira("cloud") as fake:
        yield fake


@pytest.fixture
def example_admin(tmp_path):
    app, engine = make_app(tmp_path, example=True)
    client = app.server.test_client()
    login(client)
    return client, engine


def test_work_types_editor(example_admin):
    client, engine = example_admin
    page = text_of(client.get("/admin/boards/example/work-types"))
    assert 'name="type__Story" value="Feature"' in page
    assert 'name="type__Bug" value="Defect"' in page
    response = post(
        client,
        "/admin/boards/example/work-types",
        {"type__Story": "Work", "type__Bug": "Work", "new_type": "Spike", "new_group": "Research"},
    )
    assert response.status_code == 302
    with engine.connect() as conn:
        assert workflows.work_types(conn, 1) == {"Research": ["Spike"], "Work": ["Bug", "Story"]}
    bad = post(client, "/admin/boards/example/work-types", {"type__Story": "a,b"})
    assert bad.status_code == 400 and "comma" in text_of(bad)


def test_work_states_editor_saves_reorders_and_rederives(example_admin):
    client, engine = example_admin
    page = text_of(client.get("/admin/boards/example/work-states"))
    assert 'name="states-0-name" value="Backlog"' in page
    # Merge Review into Doing: statuses 3 and 4 in row 2, drop row 3, interval Ready..Doing.
    data = {
        "states-0-name": "Backlog", "states-0-order": "1",
        "states-1-name": "Ready", "states-1-order": "2",
        "states-2-name": "Doing", "states-2-order": "3",
        "states-3-name": "", "states-3-order": "4",
        "states-4-name": "Done", "states-4-order": "5",
        "states-5-name": "", "states-6-name": "",
        "status__1": "0", "status__2": "1", "status__3": "2", "status__4": "2",
        "status__5": "4", "status__6": "",
        "interval_start": "1", "interval_end": "2",
    }  # fmt: skip
    response = post(client, "/admin/boards/example/work-states", data)
    assert response.status_code == 302, text_of(response)
    after = text_of(client.get("/admin/boards/example/work-states"))
    assert "issue(s) re-derived" in after
    assert "Closed" in after and 'id="unmapped"' in after  # status 6 is now unmapped
    with engine.connect() as conn:
        wf = workflows.get_workflow(conn, 1)
        assert wf.state_names == ["Backlog", "Ready", "Doing", "Done"]
        assert (wf.interval_start, wf.interval_end) == (1, 2)
        assert workflows.unmapped_statuses(conn, 1) == {"6": "Closed"}
        lead = conn.execute(
            sa.select(s.issue.c.lead_time_days).where(s.issue.c.key == "EX-1")
        ).scalar_one()
    assert lead == pytest.approx(7.0)


def test_work_states_errors_in_words(example_admin):
    client, engine = example_admin
    before = row_counts(engine)
    dup = {
        "states-0-name": "Doing", "states-1-name": "Doing",
        "interval_start": "0", "interval_end": "1",
    }  # fmt: skip
    response = post(client, "/admin/boards/example/work-states", dup)
    assert response.status_code == 400 and "must be unique" in text_of(response)
    backwards = {
        "states-0-name": "A", "states-1-name": "B",
        "interval_start": "1", "interval_end": "0",
    }  # fmt: skip
    response = post(client, "/admin/boards/example/work-states", backwards)
    assert response.status_code == 400 and "interval" in text_of(response)
    response = post(client, "/admin/boards/example/work-states", {"states-0-name": ""})
    assert response.status_code == 400 and "at least one work state" in text_of(response)
    assert row_counts(engine) == before


def test_work_states_reset_to_jira_board_columns(tmp_path, cloud_fake):
    serve_example(cloud_fake, board_id=7)
    app, engine = make_app(tmp_path, example=True, **_jira_values(cloud_fake))
    client = app.server.test_client()
    login(client)
    with engine.begin() as conn:
        conn.execute(sa.update(s.board).values(jira_board_id=7))
        workflows.set_workflow(
            conn, 1, [("Open", ["1", "2"]), ("Closed", ["3", "4", "5", "6"])], (0, 0)
        )
    response = post(client, "/admin/boards/example/work-states", {"action": "reset"})
    assert response.status_code == 302
    with engine.connect() as conn:
        wf = workflows.get_workflow(conn, 1)
    assert wf.state_names == ["Backlog", "Ready", "Doing", "Review", "Done"]
    assert (wf.interval_start, wf.interval_end) == (1, 3)


def test_work_states_editor_sets_working_and_waiting(example_admin):
    """Each state row has a "working" box, ticked by the Jira-column defaults (first
    and last state waiting); saving stores the boxes as ticked."""
    from vger.store import working

    client, engine = example_admin
    page = text_of(client.get("/admin/boards/example/work-states"))
    assert 'name="states-0-working" id="states-0-working" aria-label="working state">' in page
    assert (
        'name="states-1-working" id="states-1-working" aria-label="working state" checked>' in page
    )
    data = {
        "states-0-name": "Backlog", "states-0-order": "1",
        "states-1-name": "Ready", "states-1-order": "2",
        "states-2-name": "Doing", "states-2-order": "3", "states-2-working": "on",
        "states-3-name": "Review", "states-3-order": "4", "states-3-working": "on",
        "states-4-name": "Done", "states-4-order": "5",
        "status__1": "0", "status__2": "1", "status__3": "2", "status__4": "3",
        "status__5": "4", "status__6": "4",
        "interval_start": "1", "interval_end": "3",
    }  # fmt: skip
    response = post(client, "/admin/boards/example/work-states", data)
    assert response.status_code == 302, text_of(response)
    with engine.connect() as conn:
        assert working.working_by_name(conn, 1) == {
            "Backlog": False,
            "Ready": False,
            "Doing": True,
            "Review": True,
            "Done": False,
        }


def test_work_states_hostile_row_numbers_are_ignored_or_refused_in_words(example_admin):
    """Row numbers WTForms would pass to int() and fail on ("²", 5,000 digits), a
    non-finite order and a status pointing nowhere: words or ignored, never a 500."""
    client, engine = example_admin
    before = row_counts(engine)
    for data, words in (
        ({"states-²-name": "A", "interval_start": "0", "interval_end": "0"}, "at least one"),
        ({"states-" + "9" * 5000 + "-name": "A", "interval_start": "0"}, "at least one"),
        ({"states-0-name": "A", "states-0-order": "nan", "interval_start": "0",
          "interval_end": "0"}, "must be a number"),
        ({"states-0-name": "A", "status__1": "x", "interval_start": "0",
          "interval_end": "0"}, "unknown work state"),
        ({"states-0-name": "A", "interval_start": "9" * 5000, "interval_end": "0"}, "interval"),
    ):  # fmt: skip
        response = post(client, "/admin/boards/example/work-states", data)
        assert response.status_code == 400, data
        assert words in text_of(response), (data, text_of(response)[:300])
    assert row_counts(engine) == before
