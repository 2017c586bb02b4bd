"""The aging, distributions and WIP pages in a real browser on the demo store, each from
a bookmarked URL: what they draw is checked against the store read with plain SQL and
pandas (no vger.metrics), and no JavaScript errors."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from sqlalchemy import text

from tests.browser.conftest import (
    NOW,
    completed_issues,
    graph_data,
    screenshot,
    wait_for_charts,
    weekly_counts,
)

pytestmark = pytest.mark.browser

TYPES = ["Story", "Bug"]  # the demo's Feature and Defect


def _issues(engine) -> pd.DataFrame:
    sql = (
        "select i.key, i.issue_type, i.start, i.done from issue i join board b on b.id ="
        " i.board_id where b.slug = 'platform' and i.is_subtask = :no and i.start is not null"
    )
    with engine.connect() as conn:
        frame = pd.read_sql(text(sql), conn, params={"no": False})
    for column in ("start", "done"):
        frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
    return frame[frame["issue_type"].isin(TYPES)]


def test_aging_bookmark_draws_every_open_item(page, live_app):
    page.goto(
        live_app["url"] + "/aging?board=platform&from=2026-08-01&to=2026-11-15&types=Feature,Defect"
    )
    wait_for_charts(page, ["aging-chart-items"])
    issues = _issues(live_app["engine"])
    open_keys = sorted(issues.loc[issues["done"].isna(), "key"])
    assert open_keys
    points = [t for t in graph_data(page, "aging-chart-items") if not t["name"].endswith("left by")]
    ages = sorted(float(y) for t in points for y in t["y"])
    now = pd.Timestamp(NOW)
    expected = issues[issues["done"].isna()]
    want = sorted((now - s).total_seconds() / 86400 for s in expected["start"])
    assert ages == pytest.approx(want, abs=1e-4)  # drawn to 4 decimals
    assert "in progress" in page.inner_text("#aging-summary")
    href = page.get_attribute("#aging-chart-items-csv", "href")
    frame = pd.read_csv(io.StringIO(page.request.get(live_app["url"] + href).text()), dtype=str)
    assert sorted(frame["key"]) == open_keys
    screenshot(page, "aging")
    assert page.js_errors == []


def test_distributions_bookmark_counts_the_complete_weeks(page, live_app):
    page.goto(live_app["url"] + "/distributions?board=platform&from=2026-09-07&to=2026-11-15")
    wait_for_charts(page, ["distributions-chart-leadtime", "distributions-chart-throughput"])
    weekly = weekly_counts(
        completed_issues(live_app["engine"], "platform")["done"],
        "Europe/Berlin",
        "2026-09-07",
        "2026-11-09",
    )
    bars = graph_data(page, "distributions-chart-throughput")[0]
    drawn = {int(x - 0.5): int(y) for x, y in zip(bars["x"], bars["y"], strict=True)}
    assert sum(drawn.values()) == len(weekly) == 10
    assert {k: v for k, v in drawn.items() if v} == dict(pd.Series(weekly).value_counts())
    lead = graph_data(page, "distributions-chart-leadtime")[0]
    done = completed_issues(live_app["engine"], "platform")
    in_range = done[
        (done["done"] >= pd.Timestamp("2026-09-07", tz="Europe/Berlin"))
        & (done["done"] < pd.Timestamp("2026-11-16", tz="Europe/Berlin"))
    ]
    assert sum(int(y) for y in lead["y"]) == int(in_range["days"].notna().sum())
    screenshot(page, "distributions")
    assert page.js_errors == []


def test_wip_bookmark_runs_the_daily_count(page, live_app):
    page.goto(
        live_app["url"] + "/wip?board=platform&from=2026-10-01&to=2026-11-18&types=Feature,Defect"
    )
    wait_for_charts(page, ["wip-chart-wip", "wip-chart-netflow"])
    issues = _issues(live_app["engine"])
    days = pd.date_range("2026-10-01", "2026-11-18")
    ends = [(d + pd.Timedelta(days=1)).tz_localize("Europe/Berlin") for d in days]
    never = pd.Timestamp("2262-01-01", tz="UTC")
    done = issues["done"].fillna(never)
    expected = [int(((issues["start"] < e) & (done >= e)).sum()) for e in ends]
    drawn = graph_data(page, "wip-chart-wip")[0]
    assert [int(y) for y in drawn["y"]] == expected
    assert drawn["x"][0] == "2026-10-01" and drawn["x"][-1] == "2026-11-18"
    flow = graph_data(page, "wip-chart-netflow")[0]
    assert flow["x"][0] == "2026-09-28"
    screenshot(page, "wip")
    assert page.js_errors == []
