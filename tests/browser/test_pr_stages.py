"""The pull-request stages page in a real browser on the demo store, from a bookmarked
URL: the stacked bars drawn are the percentiles computed here straight from the store
(SQL + numpy, no vger.metrics), the CSV link keeps the query, no JavaScript errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.browser.conftest import graph_data, screenshot, wait_for_charts

pytestmark = pytest.mark.browser

CHARTS = ["prs-chart-stages", "prs-chart-rounds"]
QUERY = "board=platform&source=github&from=2026-08-03&to=2026-11-15"


def _expected(engine) -> pd.DataFrame:
    """Stage days of the platform board's PRs merged 2026-08-03 .. 2026-11-15 (Berlin)."""
    with engine.connect() as conn:
        rows = pd.read_sql(
            "select p.merged, st.wait_days, st.review_days, st.merge_days, st.rounds"
            " from pull_request p join repo r on r.id = p.repo_id"
            " join board b on b.id = r.board_id"
            " join pull_request_stage st on st.repo_id = p.repo_id and st.number = p.number"
            " where b.slug = 'platform' and p.merged is not null",
            conn,
        )
    merged = pd.to_datetime(rows["merged"], utc=True, format="ISO8601")
    first = pd.Timestamp("2026-08-03", tz="Europe/Berlin")
    end = pd.Timestamp("2026-11-16", tz="Europe/Berlin")
    return rows[(merged >= first) & (merged < end)]


def test_pr_stages_bookmark_draws_the_percentiles_of_the_store(page, live_app):
    page.goto(live_app["url"] + "/pr-stages?" + QUERY)
    wait_for_charts(page, CHARTS)
    rows = _expected(live_app["engine"])
    assert len(rows) > 30
    traces = graph_data(page, "prs-chart-stages")
    assert [t["name"].rsplit(" (", 1)[0] for t in traces] == [
        "waiting for first review",
        "in review (first review → last approval)",
        "approved → merged",
        "all three stages",
    ]
    for trace, column in zip(traces, ["wait_days", "review_days", "merge_days"], strict=False):
        values = rows[column].dropna().to_numpy(dtype=float)
        assert trace["x"] == pytest.approx(np.quantile(values, [0.5, 0.8, 0.9]).tolist())
        assert trace["y"] == ["50 %", "80 %", "90 %"]
    rounds = graph_data(page, "prs-chart-rounds")[0]
    counts = rows["rounds"].value_counts()
    assert [int(y) for y in rounds["y"]] == [
        int(counts.get(k, 0)) for k in range(int(rows["rounds"].max()) + 1)
    ]
    assert f"{len(rows)} merged pull requests" in page.inner_text("#prs-summary")
    href = page.get_attribute("#prs-chart-stages-csv", "href")
    assert href.endswith("/download/pr-stages.csv?" + QUERY)
    assert page.is_visible("#nav-pr-stages")
    screenshot(page, "pr-stages")
    assert page.js_errors == []
