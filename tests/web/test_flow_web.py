"""The cumulative-flow page through the Flask test client and its page functions: the
CSV against example 5 by hand and ``vger.metrics.flow`` called directly, the range read,
the bands option in the URL, the two-year cap; bad parameters give words, never a 500."""

from __future__ import annotations

import io
from urllib.parse import parse_qsl

import dash
import pandas as pd
import pytest

from tests.factories import EXAMPLE_STATES, example_board
from tests.web.dash_tree import text as _text
from tests.web.forecast_flow_support import (
    _csv,
    _render,
)
from vger.metrics.calendar import local_midnight_to_utc
from vger.metrics.flow import cumulative_flow, flow_from_changes
from vger.store import queries, workflows
from vger.store.db import make_engine, upgrade
from vger.store.flow_reads import flow_changes
from vger.web.params import parse
from vger.web.views.flow import page as flow

# ----------------------------------------------------------------------------- flow

# METRICS.md example 5 by hand: issues per work state at the end of each day (UTC).
#            day   Backlog Ready Doing Review Done
EXAMPLE_FLOW = [
    ("2024-01-01", 1, 0, 0, 0, 0),  # A created in To Do
    ("2024-01-02", 1, 2, 0, 0, 0),  # A, D Selected; C created
    ("2024-01-03", 1, 2, 1, 0, 0),  # A In Progress; B created; C Selected
    ("2024-01-04", 0, 1, 1, 0, 2),  # B, D Done
    ("2024-01-05", 0, 0, 1, 0, 3),  # A Review 09:00 then In Progress 21:00; C Done
    ("2024-01-06", 0, 0, 1, 0, 3),
    ("2024-01-07", 0, 0, 1, 0, 3),
    ("2024-01-08", 0, 0, 0, 1, 3),  # A In Review
    ("2024-01-09", 0, 0, 0, 0, 4),  # A Done
    ("2024-01-10", 0, 0, 1, 0, 3),  # D back to In Progress
    ("2024-01-11", 0, 0, 0, 0, 4),  # D Done
    ("2024-01-12", 0, 0, 0, 0, 4),
]


def test_flow_csv_is_example_5_by_hand(ff_client):
    frame = _csv(ff_client, "/download/flow.csv?board=example&from=2024-01-01&to=2024-01-12")
    assert frame.columns.tolist() == ["day", "Backlog", "Ready", "Doing", "Review", "Done"]
    rows = [tuple([r[0], *map(int, r[1:])]) for r in frame.itertuples(index=False)]
    assert rows == EXAMPLE_FLOW


def test_flow_work_type_filter(ff_client):
    frame = _csv(
        ff_client, "/download/flow.csv?board=example&from=2024-01-01&to=2024-01-12&types=Defect"
    )
    # B and C only
    assert frame["Backlog"].astype(int).tolist()[:5] == [0, 1, 1, 0, 0]
    assert frame["Ready"].astype(int).tolist()[:5] == [0, 0, 1, 1, 0]
    assert frame["Done"].astype(int).tolist()[:5] == [0, 0, 0, 1, 2]


def _range_flow(conn, board, workflow, days: pd.DatetimeIndex, tz: str) -> pd.DataFrame:
    """The flow over ``days`` as the view computes it: counts read for the range."""
    ends = local_midnight_to_utc(days + pd.Timedelta(days=1), tz)
    begin = local_midnight_to_utc(days[:1], tz)[0]
    read = flow_changes(conn, board, None, begin.to_pydatetime(), [e.to_pydatetime() for e in ends])
    return flow_from_changes(read.baseline, read.changes, read.seen, workflow, days)


@pytest.mark.parametrize(
    ("first", "last"),
    [("2024-01-01", "2024-01-12"), ("2024-01-04", "2024-01-06"), ("2024-01-09", "2024-01-31")],
)
@pytest.mark.parametrize("tz", ["UTC", "America/New_York"])
def test_flow_reading_only_recent_moves_equals_cumulative_flow(tmp_path, first, last, tz):
    engine = make_engine(f"sqlite:///{tmp_path / 'f.db'}")
    upgrade(engine)
    board = example_board(engine, tz=tz)
    days = pd.date_range(first, last, freq="D")
    with engine.connect() as conn:
        workflow = workflows.get_workflow(conn, board.id)
        expected = cumulative_flow(
            queries.quality_rows(conn, board),
            queries.issue_transitions(conn, board),
            workflow,
            days,
            tz,
        )
        got = _range_flow(conn, board, workflow, days, tz)
    pd.testing.assert_frame_equal(got, expected.astype("int64"), check_names=False)


def test_flow_render_stacks_done_at_the_bottom(ff_app):
    figure, note, link, status = _render(
        ff_app, flow, {"board": "example", "from": "2024-01-01", "to": "2024-01-12"}
    )
    names = [t.name for t in figure.data]
    assert names == ["Done", "Review", "Doing", "Ready", "Backlog"]  # first trace = bottom
    assert all(t.stackgroup == "flow" for t in figure.data)
    done = figure.data[0]
    assert list(done.y) == [row[5] for row in EXAMPLE_FLOW]
    assert "in Done" in done.hovertemplate
    assert "end of each day" in note and "team time zone UTC" in note
    assert link == "/download/flow.csv?board=example&from=2024-01-01&to=2024-01-12"
    assert "4 issues at the end of 2024-01-12" in _text(status)


def test_flow_unmapped_status_is_a_separate_line(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'u.db'}")
    upgrade(engine)
    board = example_board(engine)
    with engine.begin() as conn:
        workflows.set_workflow(conn, board.id, [*EXAMPLE_STATES[:3], EXAMPLE_STATES[4]], (1, 2))
    with engine.connect() as conn:
        workflow = workflows.get_workflow(conn, board.id)
        days = pd.date_range("2024-01-01", "2024-01-12")
        got = _range_flow(conn, board, workflow, days, "UTC")
    assert got.columns.tolist() == ["Backlog", "Ready", "Doing", "Done", "(unmapped)"]
    assert got["(unmapped)"].tolist() == [row[4] for row in EXAMPLE_FLOW]


def test_flow_without_jira_or_data_says_so(ff_app, ff_client):
    github = _render(ff_app, flow, {"board": "example", "source": "github"})
    assert "Cumulative flow is for Jira issues" in _text(github[-1])
    assert ff_client.get("/download/flow.csv?board=example&source=github").status_code == 404
    fresh = _render(ff_app, flow, {"board": "fresh"})
    assert "Fresh board has no work states yet" in _text(fresh[-1])
    future = _render(ff_app, flow, {"board": "example", "from": "2024-03-01", "to": "2024-03-05"})
    assert "lies in the future" in _text(future[-1])
    for query in ("from=2024-99-01", "to=x&from=y", "board=%3Cscript%3E"):
        values = dict(parse_qsl(query))
        with ff_app.server.test_request_context():
            text = _text(flow.layout(**values))
        notices = parse(values).notices
        assert notices, query
        for notice in notices:  # every problem is said on the page, in words
            assert str(notice) in text, (query, notice)
        assert ff_client.get(f"/download/flow.csv?{query}").status_code in (200, 404)
    assert ff_client.get("/download/flow.csv?board=nope").status_code == 404


def test_pages_are_in_the_nav_and_registered(ff_client):
    from vger.web.views import VIEWS

    paths = [view.path for view in VIEWS if view.nav]  # the navigation's links
    assert "/forecast" in paths and "/flow" in paths
    assert {"/forecast", "/flow"} <= {view.path for view in VIEWS}
    registry = {page["path"]: page for page in dash.page_registry.values()}
    assert registry["/forecast"]["title"] and registry["/flow"]["title"]


# ------------------------------------------- flow bands (issue 13 item 7): bands= in the URL
# Example 5 from 2024-01-05: done states hidden, or counted from 0; the CSV keeps every count.

FLOW_RANGE = {"board": "example", "from": "2024-01-05", "to": "2024-01-12"}


def test_bands_in_the_url():
    assert parse({"bands": "nodone"}).params.to_query() == "bands=nodone"
    assert parse({"bands": "all"}).params.to_query() == ""
    bad = parse({"bands": "sideways"})
    assert bad.params.bands == "all" and "Ignored bands='sideways'" in bad.notices[0]


def test_hide_done(ff_app):
    figure, note, link, _ = _render(ff_app, flow, FLOW_RANGE | {"bands": "nodone"})
    assert [t.name for t in figure.data] == ["Review", "Doing", "Ready", "Backlog"]
    assert "done states hidden" in note
    assert link.endswith("bands=nodone")


def test_done_from_zero_at_the_start(ff_app):
    figure, note, _, _ = _render(ff_app, flow, FLOW_RANGE | {"bands": "zero"})
    done = figure.data[0]
    assert done.name == "Done"
    # Done from Jan 5: 3 3 3 3 4 3 4 4 → minus 3 on the first day
    assert list(done.y) == [0, 0, 0, 0, 1, 0, 1, 1]
    others = {t.name: list(t.y) for t in figure.data[1:]}
    rows = [r for r in EXAMPLE_FLOW if r[0] >= "2024-01-05"]
    assert others["Doing"] == [r[3] for r in rows]  # the other bands are as they were
    assert "counted from 0 on 2024-01-05" in note


def test_csv_keeps_every_count(ff_client):
    query = "board=example&from=2024-01-05&to=2024-01-12"
    plain = ff_client.get(f"/download/flow.csv?{query}").data
    for bands in ("nodone", "zero"):
        assert ff_client.get(f"/download/flow.csv?{query}&bands={bands}").data == plain
    frame = pd.read_csv(io.StringIO(plain.decode()))
    assert frame["Done"].tolist() == [3, 3, 3, 3, 4, 3, 4, 4]


def test_flow_controls_keep_a_relative_range_and_the_bands(ff_app):
    with ff_app.server.app_context():
        p = flow.params_from_controls("example", "jira", None, None, [], [], "26w", "zero")
    assert p.to_query() == "board=example&range=26w&bands=zero"


def test_a_flow_longer_than_two_years_starts_two_years_back_and_says_so(ff_app):
    figure, note, link, _ = _render(ff_app, flow, {"board": "example", "from": "2020-01-01"})
    assert "a flow covers at most two years" in note and "not 2020-01-01" in note
    days = figure.data[0].x
    assert (pd.Timestamp(days[-1]) - pd.Timestamp(days[0])).days == 730
