"""The scatter page in Chromium: a bookmark draws every completed item, its CSV is what
the chart shows, a click opens the issue or pull request, the controls write the URL and
back restores it."""

from __future__ import annotations

import pytest

from tests.browser.conftest import (
    completed_issues,
    graph_data,
    screenshot,
    wait_for_charts,
    wait_for_search,
    wait_until,
)
from tests.browser.test_pages import (
    IN_PROGRESS,
    SCATTER,
    SCATTER_BOOKMARK,
    SCATTER_END,
    SCATTER_START,
    _copy_to_docs,
    _csv,
    _scatter_points,
)

pytestmark = pytest.mark.browser  # `-m "not browser"` runs none of these


def test_scatter_bookmark_draws_every_completed_item(page, live_app):
    page.goto(live_app["url"] + SCATTER_BOOKMARK)
    wait_for_charts(page, SCATTER)
    items = completed_issues(live_app["engine"], "platform", ["Story", "Bug"])
    in_range = items[
        (items["done"] >= SCATTER_START) & (items["done"] < SCATTER_END) & items["days"].notna()
    ]
    points = _scatter_points(page)
    assert set(points) == set(in_range["key"])
    assert [points[k] for k in in_range["key"]] == pytest.approx(
        in_range["days"].tolist(), abs=1e-3
    )
    names = [t["name"] for t in graph_data(page, "scatter-chart-points")]
    assert names[:2] == ["Defect", "Feature"]
    complete = in_range[in_range["done"] < IN_PROGRESS]["days"]
    lines = {
        t["name"].split(" within")[0]: t["y"] for t in graph_data(page, "scatter-chart-points")[2:]
    }
    for level in (50, 80, 90):
        assert lines[f"{level} %"][0] == pytest.approx(complete.quantile(level / 100), abs=1e-3)
    assert "lines over 15 complete weeks" in page.inner_text("#scatter-chart-points-note")
    screenshot(page, "scatter")
    _copy_to_docs("scatter")
    assert page.js_errors == []


def test_scatter_csv_is_what_the_chart_shows(page, live_app):
    page.goto(live_app["url"] + SCATTER_BOOKMARK)
    wait_for_charts(page, SCATTER)
    frame = _csv(page, live_app, "scatter-chart-points-csv")
    assert frame.columns.tolist() == [
        "key",
        "summary",
        "type",
        "work_type",
        "done",
        "days",
        "url",
        "pull_requests",
    ]
    assert (frame["pull_requests"] != "").any()  # the demo links PRs to issues
    points = _scatter_points(page)
    assert sorted(frame["key"]) == sorted(points)
    assert frame["days"].astype(float).tolist() == pytest.approx(
        [points[k] for k in frame["key"]], abs=1e-3
    )
    assert set(frame["work_type"]) == {"Feature", "Defect"}
    assert (frame["url"] == "https://jira.example.com/browse/" + frame["key"]).all()
    assert page.js_errors == []


def _isolated_point(page) -> dict:
    """Screen position and URL of the drawn point farthest from its nearest neighbour."""
    return page.evaluate(
        """() => {
        const root = document.querySelector('#scatter-chart-points .js-plotly-plot');
        const pts = [];
        root.querySelectorAll('.scatterlayer .trace').forEach((g, t) => {
            const trace = root._fullData[t];
            if (!trace || trace.mode !== 'markers') return;
            g.querySelectorAll('.points path').forEach((p, i) => {
                const r = p.getBoundingClientRect();
                pts.push({x: r.x + r.width / 2, y: r.y + r.height / 2, url: trace.customdata[i][0],
                          key: trace.customdata[i][1]});
            });
        });
        let best = null, bestD = -1;
        for (const a of pts) {
            let d = Infinity;
            for (const b of pts) if (a !== b) d = Math.min(d, Math.hypot(a.x - b.x, a.y - b.y));
            if (d > bestD) { bestD = d; best = a; }
        }
        return best;
    }"""
    )


def _stub_outside_world(page) -> None:
    """Jira and GitHub are not reachable from the test: answer their URLs with a stub
    page so the popup keeps the URL it was opened with."""
    for pattern in ("https://jira.example.com/**", "https://github.com/**"):
        page.context.route(
            pattern, lambda route: route.fulfill(body="stub", content_type="text/plain")
        )


def test_clicking_a_point_opens_the_issue(page, live_app):
    _stub_outside_world(page)
    page.goto(live_app["url"] + SCATTER_BOOKMARK)
    wait_for_charts(page, SCATTER)
    point = _isolated_point(page)
    assert point["url"] == f"https://jira.example.com/browse/{point['key']}"
    page.mouse.move(point["x"], point["y"])
    page.wait_for_selector(".hoverlayer .hovertext")
    assert point["key"] in page.text_content(".hoverlayer")
    with page.context.expect_page() as popup_info:
        page.mouse.click(point["x"], point["y"])
    popup = popup_info.value
    popup.wait_for_load_state("commit")
    assert popup.url == point["url"]
    popup.close()
    assert page.js_errors == []


def test_clicking_a_pull_request_point_opens_the_pull_request(page, live_app):
    _stub_outside_world(page)
    page.goto(live_app["url"] + "/scatter?board=mobile&source=github&from=2026-09-01&to=2026-11-18")
    wait_for_charts(page, SCATTER)
    point = _isolated_point(page)
    assert point["url"].startswith("https://github.com/example/mobile-app/pull/")
    page.mouse.move(point["x"], point["y"])
    page.wait_for_selector(".hoverlayer .hovertext")
    with page.context.expect_page() as popup_info:
        page.mouse.click(point["x"], point["y"])
    popup = popup_info.value
    popup.wait_for_load_state("commit")
    assert popup.url == point["url"]
    screenshot(page, "scatter-github")
    assert page.js_errors == []


def test_scatter_controls_write_the_url_and_back_restores(page, live_app):
    page.goto(live_app["url"] + SCATTER_BOOKMARK)
    wait_for_charts(page, SCATTER)
    before = _scatter_points(page)
    page.fill("#scatter-from", "2026-10-05")
    page.press("#scatter-from", "Enter")
    wait_for_search(page, "from=2026-10-05")
    wait_until(page, lambda: len(_scatter_points(page)) < len(before), message="fewer points")
    later = _scatter_points(page)
    assert set(later) < set(before)
    page.fill("#scatter-to", "2026-10-31")
    page.press("#scatter-to", "Enter")
    wait_for_search(page, "to=2026-10-31")
    wait_until(page, lambda: len(_scatter_points(page)) < len(later), message="to")
    page.check("#scatter-types input[value='Task']")
    wait_for_search(page, "types=Feature,Defect,Task")
    wait_until(
        page,
        lambda: "Task" in [t["name"] for t in graph_data(page, "scatter-chart-points")],
        message="Task points",
    )
    page.go_back()
    page.go_back()
    wait_for_search(page, "to=2026-11-18")
    wait_until(page, lambda: _scatter_points(page) == later, message="back to from=2026-10-05")
    page.go_back()
    page.wait_for_function("() => location.search.includes('from=2026-08-03')")
    wait_until(page, lambda: _scatter_points(page) == before, message="the bookmark")
    assert page.input_value("#scatter-from") == "2026-08-03"
    page.go_forward()
    wait_for_search(page, "from=2026-10-05")
    wait_until(page, lambda: _scatter_points(page) == later, message="forward")
    # the navbar keeps the shared parameters on the way to the quadrant
    href = page.get_attribute("#nav-quadrant", "href")
    assert href.endswith("board=platform&from=2026-10-05&to=2026-11-18&types=Feature,Defect")
    page.click("#nav-quadrant")
    page.wait_for_selector("#quad-chart-throughput .main-svg", timeout=20_000)
    assert page.input_value("#quad-from") == "2026-10-05"
    assert page.js_errors == []
