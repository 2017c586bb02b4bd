"""Every page in a real browser: the boards list, the quarterly page and the
scatterplot from bookmarked URLs, their controls, Back/Forward, CSVs, point clicks,
and the sentences shown when data is missing."""

from __future__ import annotations

import io
import os
import re
import shutil

import numpy as np
import pandas as pd
import pytest

from tests.browser.conftest import (
    ARTIFACTS,
    bars,
    completed_issues,
    fiscal_label,
    graph_data,
    merged_pulls,
    screenshot,
    wait_for_charts,
    wait_for_search,
    wait_until,
)
from vger.web.views import VIEWS

pytestmark = pytest.mark.browser  # `-m "not browser"` runs none of these

DOCS = ARTIFACTS.parent / "docs" / "screenshots"
QTR = ["qtr-chart-throughput", "qtr-chart-leadtime"]
SCATTER = ["scatter-chart-points"]
QTR_BOOKMARK = "/quarterly?board=platform&to=2026-11-18&types=Feature,Defect&quarters=6"
# six fiscal quarters (April start) ending with the one containing 2026-11-18
QUARTERS = ["FY2026 Q2", "FY2026 Q3", "FY2026 Q4", "FY2027 Q1", "FY2027 Q2", "FY2027 Q3"]
SCATTER_BOOKMARK = "/scatter?board=platform&from=2026-08-03&to=2026-11-18&types=Feature,Defect"
# weeks 2026-08-03 .. 2026-11-16 (Berlin), the last in progress at NOW
SCATTER_START = pd.Timestamp("2026-08-02T22:00:00Z")
SCATTER_END = pd.Timestamp("2026-11-22T23:00:00Z")
IN_PROGRESS = pd.Timestamp("2026-11-15T23:00:00Z")  # Monday 2026-11-16 00:00 Berlin


def _csv(page, live_app, link_id: str) -> pd.DataFrame:
    href = page.get_attribute(f"#{link_id}", "href")
    assert href and href != "#"
    response = page.request.get(live_app["url"] + href)
    assert response.ok and response.headers["content-type"].startswith("text/csv")
    return pd.read_csv(io.StringIO(response.text()), keep_default_na=False)


def _copy_to_docs(name: str) -> None:
    """Refresh the README's screenshots only when asked: VGER_UPDATE_SCREENSHOTS=1."""
    if os.environ.get("VGER_UPDATE_SCREENSHOTS") != "1":
        return
    DOCS.mkdir(parents=True, exist_ok=True)
    shutil.copy(ARTIFACTS / f"{name}.png", DOCS / f"{name}.png")


def _expected_quarters(done: pd.Series) -> list[int]:
    labels = fiscal_label(done, "Europe/Berlin", 4).value_counts()
    return [int(labels.get(q, 0)) for q in QUARTERS]


def _scatter_points(page) -> dict[str, float]:
    """Every drawn point as key → days (keys from the hover data)."""
    return page.evaluate(
        "() => { const g = document.querySelector('#scatter-chart-points .js-plotly-plot');"
        " const out = {}; g._fullData.forEach(t => { if (t.mode !== 'markers') return;"
        " Array.from(t.y).forEach((y, i) => { out[t.customdata[i][1]] = y; }); }); return out; }"
    )


# ----------------------------------------------------------------------------- home


def test_home_lists_boards_and_links_to_the_quadrant(page, live_app):
    page.goto(live_app["url"] + "/")
    page.wait_for_selector("#board-list")
    text = page.inner_text("#board-list")
    assert "Platform board" in text and "Mobile board" in text
    assert "Europe/Berlin" in text
    screenshot(page, "home")
    page.get_by_role("link", name="Platform board").click()
    page.wait_for_selector("#quad-chart-throughput .main-svg", timeout=20_000)
    assert "/quadrant?board=platform" in page.url
    assert page.js_errors == []


# ----------------------------------------------------------------------------- quarterly


def test_quarterly_bookmark_draws_the_stores_quarters(page, live_app):
    page.goto(live_app["url"] + QTR_BOOKMARK)
    wait_for_charts(page, QTR)
    items = completed_issues(live_app["engine"], "platform", ["Story", "Bug"])
    drawn = bars(page, "qtr-chart-throughput")
    assert list(drawn) == QUARTERS
    assert list(drawn.values()) == _expected_quarters(items["done"])
    lines = {t["name"]: t["y"] for t in graph_data(page, "qtr-chart-throughput")[1:]}
    complete = np.array(list(drawn.values())[:-1], dtype=float)  # FY2027 Q3 is in progress
    for level in (50, 80, 90):
        assert lines[f"{level} %: at least"] == pytest.approx(
            [np.quantile(complete, (100 - level) / 100)] * 6, abs=1e-6
        )
    # lead time per quarter, from the store
    leads = graph_data(page, "qtr-chart-leadtime")
    labelled = items.assign(q=fiscal_label(items["done"], "Europe/Berlin", 4)).dropna(
        subset=["days"]
    )
    for trace, level in zip(leads, (50, 80, 90), strict=True):
        expected = [
            labelled.loc[labelled["q"] == q, "days"].quantile(level / 100) for q in QUARTERS
        ]
        assert trace["y"] == pytest.approx(expected, abs=1e-6)
    note = page.inner_text("#qtr-chart-throughput-note")
    assert "6 quarters (5 complete)" in note and "Europe/Berlin" in note
    assert "fiscal year starts in April" in note and "linear percentiles" in note
    assert page.is_checked("#qtr-quarters input[value='6']")
    assert page.js_errors == []


def test_quarterly_csvs_are_what_the_charts_show(page, live_app):
    page.goto(live_app["url"] + QTR_BOOKMARK)
    wait_for_charts(page, QTR)
    throughput = _csv(page, live_app, "qtr-chart-throughput-csv")
    drawn = bars(page, "qtr-chart-throughput")
    assert throughput["quarter"].tolist() == list(drawn)
    assert throughput["count"].tolist() == list(drawn.values())
    assert throughput["complete"].tolist() == [True] * 5 + [False]
    lines = {t["name"]: t["y"] for t in graph_data(page, "qtr-chart-throughput")[1:]}
    for level in (50, 80, 90):
        assert throughput[f"likelihood_{level}_at_least"].astype(float).tolist() == pytest.approx(
            lines[f"{level} %: at least"], abs=1e-3
        )
    lead = _csv(page, live_app, "qtr-chart-leadtime-csv")
    assert lead.columns.tolist() == ["quarter", "done", "key", "summary", "type", "days"]
    by_quarter = lead.groupby("quarter")["days"]
    for trace, level in zip(graph_data(page, "qtr-chart-leadtime"), (50, 80, 90), strict=True):
        assert trace["y"] == pytest.approx(
            [by_quarter.quantile(level / 100)[q] for q in QUARTERS], abs=1e-3
        )
    assert set(lead["type"]) == {"Story", "Bug"}
    assert page.js_errors == []


def test_quarterly_controls_write_the_url_and_back_forward_restore(page, live_app):
    page.goto(live_app["url"] + QTR_BOOKMARK)
    wait_for_charts(page, QTR)
    six = bars(page, "qtr-chart-throughput")

    page.check("#qtr-quarters input[value='8']")
    wait_for_search(page, "quarters=8")
    wait_until(page, lambda: len(bars(page, "qtr-chart-throughput")) == 8, message="8 quarters")
    eight = bars(page, "qtr-chart-throughput")
    assert list(eight)[-6:] == QUARTERS and list(eight.values())[-6:] == list(six.values())

    page.uncheck("#qtr-types input[value='Defect']")
    wait_for_search(page, "types=Feature")
    stories = completed_issues(live_app["engine"], "platform", ["Story"])["done"]
    wait_until(
        page,
        lambda: (
            list(bars(page, "qtr-chart-throughput").values())[-6:] == _expected_quarters(stories)
        ),
        message="Feature only",
    )

    page.fill("#qtr-to", "2026-03-15")
    page.press("#qtr-to", "Enter")
    wait_for_search(page, "to=2026-03-15")
    wait_until(
        page, lambda: list(bars(page, "qtr-chart-throughput"))[-1] == "FY2026 Q4", message="to"
    )
    page.screenshot(path=str(ARTIFACTS / "quarterly-to.png"))

    page.go_back()
    wait_for_search(page, "to=2026-11-18")
    wait_until(
        page, lambda: list(bars(page, "qtr-chart-throughput"))[-1] == "FY2027 Q3", message="back"
    )
    assert page.input_value("#qtr-to") == "2026-11-18"
    page.go_back()
    page.go_back()
    wait_for_search(page, "quarters=6")
    wait_until(page, lambda: bars(page, "qtr-chart-throughput") == six, message="bookmark view")
    assert page.is_checked("#qtr-types input[value='Defect']")
    page.go_forward()
    wait_for_search(page, "quarters=8")
    wait_until(page, lambda: len(bars(page, "qtr-chart-throughput")) == 8, message="forward")

    # the source control navigates to the pull-request view of the same quarters
    page.check("#qtr-source input[value='github']")
    wait_for_search(page, "source=github")
    wait_for_charts(page, QTR)
    page.wait_for_selector("#qtr-chart-throughput >> text=Quarterly PR throughput")
    merged = merged_pulls(live_app["engine"], "platform")["done"]
    labels = fiscal_label(merged, "Europe/Berlin", 4).value_counts()
    drawn = bars(page, "qtr-chart-throughput")
    assert list(drawn.values()) == [int(labels.get(q, 0)) for q in drawn]
    assert page.js_errors == []


def test_quarterly_screenshot(page, live_app):
    page.goto(live_app["url"] + QTR_BOOKMARK)
    wait_for_charts(page, QTR)
    screenshot(page, "quarterly")
    _copy_to_docs("quarterly")
    assert page.js_errors == []


# ----------------------------------------------------------------------------- empty and partial


@pytest.mark.parametrize(
    ("path", "sentence"),
    [
        ("/scatter?board=platform&from=2030-01-01&to=2030-01-05", "lies in the future"),
        (
            "/scatter?board=platform&from=2024-01-01&to=2024-01-03",
            "No issue was completed between 2024-01-01 and 2024-01-03",
        ),
        (
            "/quarterly?board=platform&to=2023-06-30",
            "No issue was completed in the 4 quarters FY2023 Q2 to FY2024 Q1",
        ),
        ("/quarterly?board=nope", "There is no board named 'nope'"),
    ],
)
def test_missing_data_is_said_in_words(page, live_app, path, sentence):
    page.goto(live_app["url"] + path)
    page.wait_for_selector(f"text={sentence}", timeout=20_000)
    assert page.js_errors == []


def test_range_shorter_than_a_week_still_draws_its_week(page, live_app):
    page.goto(live_app["url"] + "/scatter?board=platform&from=2026-11-17&to=2026-11-18")
    wait_for_charts(page, SCATTER)
    note = page.inner_text("#scatter-chart-points-note")
    assert "no complete week in the range yet, so no percentile lines" in note
    assert all(
        t["name"] in {"Defect", "Feature", "Task", "Other"}
        for t in graph_data(page, "scatter-chart-points")
    )
    assert page.js_errors == []


@pytest.mark.parametrize(
    ("path", "sentence"),
    [
        ("/quarterly?board=fresh", "No issues are stored for board Fresh board yet"),
        ("/scatter?board=fresh", "No issues are stored for board Fresh board yet"),
        ("/scatter?board=fresh&source=github", "Board Fresh board has no GitHub repositories"),
        ("/quadrant?board=fresh", "No issues are stored for board Fresh board yet"),
    ],
)
def test_never_synced_board_says_what_is_missing(page, fresh_app, path, sentence):
    page.goto(fresh_app["url"] + path)
    page.wait_for_selector(f"text={sentence}", timeout=20_000)
    assert page.js_errors == []


CHART_PAGES = [v.path for v in VIEWS if v.blueprint is not None and v.name != "quality"]


DRAWN = (
    "() => document.querySelector('#_pages_content .dash-graph') && [...document"
    ".querySelectorAll('.dash-graph')].every(g => g.querySelector('.main-svg'))"
    " && !document.querySelector('[data-dash-is-loading=\"true\"]')"
)


def _count_callbacks(page) -> list[str]:
    outputs: list[str] = []
    page.on(
        "request",
        lambda r: (
            outputs.append(r.post_data_json.get("output", ""))
            if "_dash-update-component" in r.url
            else None
        ),
    )
    return outputs


@pytest.mark.parametrize("path", [*CHART_PAGES, "/quadrant?source=github"])
def test_a_page_load_needs_no_callback_round_trip(page, live_app, path):
    """The page, its charts and the navbar come with the app's layout (vger.web.shell):
    a load asks for the layout and nothing after."""
    outputs = _count_callbacks(page)
    layouts: list[str] = []
    page.on("request", lambda r: layouts.append(r.url) if "/_dash-layout" in r.url else None)
    suites: list[str] = []  # Dash's bundles and chunks; the Graph's chunk came late, unversioned
    page.on("request", lambda r: suites.append(r.url) if "component-suites" in r.url else None)
    sep = "&" if "?" in path else "?"
    page.goto(live_app["url"] + f"{path}{sep}board=platform")
    page.wait_for_function(DRAWN, timeout=20_000)
    page.wait_for_timeout(300)  # a late call would be counted too
    assert outputs == []
    assert len(layouts) == 1  # preloaded by the page, and that one used by the renderer
    unversioned = [u for u in suites if not re.search(r"\.v\d+_\d+_\d+m\d+", u)]
    assert suites and unversioned == []
    assert page.locator("#nav-links a.nav-link.active").count() == 1
    assert page.js_errors == []


def test_without_a_referer_the_router_draws_the_same_page(page, live_app):
    """A browser that sends no Referer gets the empty layout; Dash's router and the
    navbar callback draw the same view, in one round trip (both in parallel)."""
    url = live_app["url"] + "/efficiency?board=platform&range=26w"
    page.goto(url)
    page.wait_for_function(DRAWN, timeout=20_000)
    drawn = page.inner_text("#_pages_content")
    links = page.inner_html("#nav-links")

    def no_referrer(route):  # the page as a browser told to send no Referer loads it
        html = route.fetch().text()
        meta = '<meta name="referrer" content="no-referrer">'
        route.fulfill(body=html.replace("<head>", "<head>" + meta, 1), content_type="text/html")

    page.route(url, no_referrer)
    referrers: list = []
    page.on(
        "request",
        lambda r: referrers.append(r.headers.get("referer")) if "_dash-layout" in r.url else 0,
    )
    outputs = _count_callbacks(page)
    page.goto(url)
    page.wait_for_function(DRAWN, timeout=20_000)
    page.wait_for_timeout(300)
    assert referrers == [None]
    assert len(outputs) == 2, outputs
    assert any("_pages_content" in o for o in outputs)
    assert any("nav-links" in o for o in outputs)
    assert page.inner_text("#_pages_content") == drawn
    assert page.inner_html("#nav-links") == links
    assert "Platform" in page.title()
    assert page.js_errors == []


NOTIFIED = """
window.vgerNotified = 0;
window.dash_stores = [];
window.dash_stores.push = function (store) {
    store.subscribe(() => { window.vgerNotified += 1; });
    return Array.prototype.push.apply(this, arguments);
};
"""


@pytest.mark.parametrize("path", ["/quality", "/quadrant", "/pr-stages"])
def test_a_first_draw_does_not_notify_the_store_once_per_component(page, live_app, path):
    """static/quiet-mount.js: Dash's renderer dispatched one no-op action per mounted
    component (130-180 store notifications per load, each re-running every component's
    selectors); what reaches the store now is the load's real work."""
    page.add_init_script(NOTIFIED)
    page.goto(live_app["url"] + f"{path}?board=platform")
    page.wait_for_selector("#_pages_content h1", timeout=20_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=20_000
    )
    page.wait_for_timeout(300)
    notified = page.evaluate("window.vgerNotified")
    assert 0 < notified <= 60, notified  # 43-45 now; 123-177 before
    assert page.js_errors == []
