"""The efficiency page in a real browser on the demo store, from a bookmarked URL: the
distribution drawn is the one computed here straight from the store (SQL + numpy, no
vger.metrics), the CSV link keeps the query, no JavaScript errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.browser.conftest import graph_data, screenshot, wait_for_charts

pytestmark = pytest.mark.browser

CHARTS = ["eff-chart-histogram", "eff-chart-weekly", "eff-chart-states"]
QUERY = "board=platform&from=2026-10-05&to=2026-11-15&types=Feature,Defect"


def _expected_efficiency(engine) -> np.ndarray:
    """Working-state days ÷ lead time of the Story/Bug issues completed in the six
    complete weeks 2026-10-05 .. 2026-11-15 (Europe/Berlin)."""
    with engine.connect() as conn:
        rows = pd.read_sql(
            "select i.issue_id, i.done, i.lead_time_days as lead,"
            " coalesce(sum(case when w.working then t.days else 0 end), 0) as working"
            " from issue i join board b on b.id = i.board_id"
            " left join issue_state_time t on t.board_id = i.board_id and t.issue_id = i.issue_id"
            " left join work_state w on w.board_id = t.board_id and w.position = t.position"
            " where b.slug = 'platform' and i.outcome = 'completed' and i.is_subtask = 0"
            " and i.issue_type in ('Story', 'Bug') and i.lead_time_days is not null"
            " group by i.issue_id, i.done, i.lead_time_days",
            conn,
        )
    done = pd.to_datetime(rows["done"], utc=True, format="ISO8601")
    first = pd.Timestamp("2026-10-05", tz="Europe/Berlin")
    end = pd.Timestamp("2026-11-16", tz="Europe/Berlin")
    rows = rows[(done >= first) & (done < end)]
    rows = rows[rows["lead"] > 0]
    return np.minimum(rows["working"].to_numpy() / rows["lead"].to_numpy(), 1.0)


def test_efficiency_bookmark_draws_the_distribution_of_the_store(page, live_app):
    page.goto(live_app["url"] + "/efficiency?" + QUERY)
    wait_for_charts(page, CHARTS)
    expected = _expected_efficiency(live_app["engine"])
    counts, _ = np.histogram(expected, bins=np.linspace(0, 1, 11))
    (bars,) = graph_data(page, "eff-chart-histogram")
    assert [int(y) for y in bars["y"]] == counts.tolist()
    assert sum(counts) > 50 and bars["x"][0] == "0%–10%"
    assert f"median {np.median(expected):.0%}" in page.inner_text("#eff-chart-histogram")
    weekly = graph_data(page, "eff-chart-weekly")[0]
    assert weekly["x"][0] == "2026-10-05" and len(weekly["x"]) == 6
    states = [t["name"] for t in graph_data(page, "eff-chart-states")]
    assert states == ["50 %", "80 %", "90 %"]
    assert "Ready · waiting" in page.inner_text("#eff-chart-states")
    href = page.get_attribute("#eff-chart-histogram-csv", "href")
    assert href.endswith("/download/efficiency.csv?" + QUERY)
    screenshot(page, "efficiency")
    assert page.js_errors == []
