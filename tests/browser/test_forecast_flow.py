"""The forecast and cumulative-flow pages in a real browser on the demo store: bookmarked
URLs show the numbers computed here from the store, controls rewrite the URL, no
JavaScript errors."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pandas as pd
import pytest

from tests.browser.conftest import (
    completed_issues,
    graph_data,
    screenshot,
    wait_for_charts,
    wait_for_search,
    wait_until,
    weekly_counts,
)
from vger.metrics.flow import cumulative_flow
from vger.metrics.forecast import how_many_by_day, when_done_day
from vger.store import boards, queries, workflows

pytestmark = pytest.mark.browser  # `-m "not browser"` runs none of these

FC = ["fc-chart-sample", "fc-chart-howmany", "fc-chart-when"]
FC_BOOKMARK = "/forecast?board=platform&types=Feature,Defect&sample=10&by=2026-12-31&items=40"
# NOW is Wednesday 2026-11-18 (Berlin): the 10 complete weeks are 2026-09-07 .. 2026-11-09,
# forecasts start Monday 2026-11-23 (day 1); 2026-12-31 is day 8 + 31 = 39.
SAMPLE = ("2026-09-07", "2026-11-09")
START = date(2026, 11, 23)
DAYS = 39
FLOW = ["flow-chart-states"]
FLOW_BOOKMARK = "/flow?board=platform&from=2026-10-01&to=2026-11-18&types=Feature,Defect"


def _sample(live_app, issue_types=("Story", "Bug")) -> list[int]:
    items = completed_issues(live_app["engine"], "platform", list(issue_types))
    return weekly_counts(items["done"], "Europe/Berlin", *SAMPLE)


def _by(day: int) -> str:
    """The when answer for day ``day`` (day 1 = START), e.g. "by 2027-01-13 (Wed)"."""
    when = START + timedelta(days=day - 1)
    return f"by {when.isoformat()} ({when.strftime('%a')})"


def _answers(page) -> dict[str, list[str]]:
    return {
        key: [page.inner_text(f"#fc-{key}-{level}") for level in (50, 80, 90)]
        for key in ("howmany", "when")
    }


def test_forecast_bookmark_shows_the_monte_carlo_answers(page, live_app):
    page.goto(live_app["url"] + FC_BOOKMARK)
    wait_for_charts(page, FC)
    page.wait_for_selector("#fc-howmany-50")
    weekly = _sample(live_app)
    assert sum(weekly) > 0
    drawn = graph_data(page, "fc-chart-sample")[0]
    assert [int(y) for y in drawn["y"]] == weekly
    assert drawn["x"][0] == SAMPLE[0] and drawn["x"][-1] == SAMPLE[1]
    how = how_many_by_day(weekly, DAYS)
    when = when_done_day(weekly, 40)
    shown = _answers(page)
    assert shown["howmany"] == [f"{how[level]} or more" for level in (50, 80, 90)]
    assert shown["when"] == [_by(when[level]) for level in (50, 80, 90)]
    assert "same answer every time for the same data" in page.inner_text("#fc-answer-table")
    note = page.inner_text("#fc-chart-howmany-note")
    assert "39 days from Monday 2026-11-23 to the end of 2026-12-31 (Thu)" in note
    # the markers of the histograms stand at the answers
    markers = {t["name"]: t["x"][0] for t in graph_data(page, "fc-chart-howmany")[1:]}
    assert markers[f"50 %: {how[50]} or more"] == how[50]
    screenshot(page, "forecast")
    # the CSV says the same
    href = page.get_attribute("#fc-chart-sample-csv", "href")
    response = page.request.get(live_app["url"] + href)
    assert response.ok
    frame = pd.read_csv(io.StringIO(response.text()), dtype=str)
    assert frame["answer"].tolist()[:3] == [str(how[level]) for level in (50, 80, 90)]
    assert page.js_errors == []


def test_forecast_controls_rewrite_the_url(page, live_app):
    page.goto(live_app["url"] + FC_BOOKMARK)
    wait_for_charts(page, FC)
    page.fill("#fc-items", "60")
    page.press("#fc-items", "Enter")
    wait_for_search(page, "items=60")
    assert "sample=10" in page.url and "by=2026-12-31" in page.url
    expected = when_done_day(_sample(live_app), 60)[50]
    wait_until(
        page,
        lambda: page.inner_text("#fc-when-50") == _by(expected),
        message="the when answer for 60 items",
    )
    page.uncheck("#fc-types input[value='Defect']")
    wait_for_search(page, "types=Feature&")
    weekly = _sample(live_app, ("Story",))
    wait_until(
        page,
        lambda: [int(y) for y in graph_data(page, "fc-chart-sample")[0]["y"]] == weekly,
        message="the sample without defects",
    )
    assert page.inner_text("#fc-howmany-80") == f"{how_many_by_day(weekly, DAYS)[80]} or more"
    # the nav keeps the shared parameters only
    assert "items=" not in page.get_attribute("#nav-flow", "href")
    assert page.js_errors == []


def test_forecast_bad_parameters_show_notices(page, live_app):
    page.goto(live_app["url"] + "/forecast?board=platform&sample=99&items=abc&by=2020-01-01")
    wait_for_charts(page, FC)
    notices = page.inner_text("#fc-notices")
    assert "Ignored sample='99'" in notices and "Ignored items='abc'" in notices
    page.wait_for_selector("text=Ignored by=2020-01-01")
    assert page.js_errors == []


def _expected_flow(live_app) -> pd.DataFrame:
    engine = live_app["engine"]
    with engine.connect() as conn:
        board = boards.get_board(conn, "platform")
        workflow = workflows.get_workflow(conn, board.id)
        issues = queries.quality_rows(conn, board, ["Feature", "Defect"])
        transitions = queries.issue_transitions(conn, board, ["Feature", "Defect"])
    days = pd.date_range("2026-10-01", "2026-11-18")
    return cumulative_flow(issues, transitions, workflow, days, board.tz)


def test_flow_bookmark_draws_the_states_of_the_store(page, live_app):
    page.goto(live_app["url"] + FLOW_BOOKMARK)
    wait_for_charts(page, FLOW)
    expected = _expected_flow(live_app)
    traces = graph_data(page, "flow-chart-states")
    names = [t["name"] for t in traces]
    states = [c for c in expected.columns if c != "(unmapped)"]
    assert names[: len(states)] == states[::-1]  # done at the bottom, backlog on top
    for trace in traces[: len(states)]:
        assert [int(y) for y in trace["y"]] == expected[trace["name"]].tolist()
    assert traces[0]["x"][0] == "2026-10-01" and traces[0]["x"][-1] == "2026-11-18"
    # independent check: the top edge is every Story/Bug created by the end of the last day
    with live_app["engine"].connect() as conn:
        created = pd.read_sql(
            "select i.created from issue i join board b on b.id = i.board_id where"
            " b.slug = 'platform' and i.issue_type in ('Story', 'Bug') and i.is_subtask = 0",
            conn,
        )["created"]
    created = pd.to_datetime(created, utc=True, format="ISO8601")
    end = pd.Timestamp("2026-11-19", tz="Europe/Berlin")
    assert sum(t["y"][-1] for t in traces) == int((created < end).sum())
    assert "end of each day" in page.inner_text("#flow-chart-states-note")
    screenshot(page, "flow")
    assert page.js_errors == []


def test_flow_controls_rewrite_the_url_and_github_says_jira_only(page, live_app):
    page.goto(live_app["url"] + FLOW_BOOKMARK)
    wait_for_charts(page, FLOW)
    page.fill("#flow-from", "2026-11-01")
    page.press("#flow-from", "Enter")
    wait_for_search(page, "from=2026-11-01")
    wait_until(
        page,
        lambda: graph_data(page, "flow-chart-states")[0]["x"][0] == "2026-11-01",
        message="the flow from 2026-11-01",
    )
    page.check("#flow-source input[value='github']")
    page.wait_for_url("**source=github**")
    page.wait_for_selector("text=Cumulative flow is for Jira issues")
    assert page.js_errors == []


@pytest.mark.parametrize("path", ["/forecast", "/flow"])
def test_nav_links_to_the_new_pages(page, live_app, path):
    page.goto(live_app["url"] + "/quarterly?board=platform&types=Feature")
    page.wait_for_selector(f"#nav-{path.strip('/')}")
    page.click(f"#nav-{path.strip('/')}")
    page.wait_for_url(f"**{path}?board=platform&types=Feature**")
    page.wait_for_selector(".main-svg")
    assert page.js_errors == []


def test_refused_values_are_said_under_their_field(page, live_app):
    # issue 13 item 5: 0 items and a 200-week sample reach the server (no min/max in the
    # browser to empty them silently) and are refused in words under their field
    page.goto(live_app["url"] + FC_BOOKMARK)
    wait_for_charts(page, FC)
    page.fill("#fc-items", "0")
    page.press("#fc-items", "Enter")
    wait_until(
        page,
        lambda: (
            "Ignored items='0': use a number of items from 1 to 10000"
            in page.inner_text("#fc-items-msg")
        ),
        message="the items message",
    )
    page.fill("#fc-sample", "200")
    page.press("#fc-sample", "Enter")
    wait_until(
        page,
        lambda: (
            "Ignored sample='200': use a number of weeks from 4 to 52"
            in page.inner_text("#fc-sample-msg")
        ),
        message="the sample message",
    )
    assert page.inner_text("#fc-by-msg") == ""
    page.fill("#fc-items", "40")
    page.press("#fc-items", "Enter")
    wait_until(page, lambda: page.inner_text("#fc-items-msg") == "", message="items accepted")
    assert page.js_errors == []
