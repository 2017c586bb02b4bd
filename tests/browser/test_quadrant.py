"""The quadrant in a real browser: bookmarked URLs draw the store's numbers, every
control writes the URL, Back/Forward restore the view, the CSV is what the chart shows."""

from __future__ import annotations

import io
import os
import re
import shutil

import pandas as pd
import pytest

from tests.browser.conftest import (
    ARTIFACTS,
    bars,
    completed_issues,
    graph_data,
    merged_pulls,
    screenshot,
    wait_for_charts,
    wait_for_search,
    wait_until,
    weekly_counts,
)

pytestmark = pytest.mark.browser  # `-m "not browser"` runs none of these

DOCS = ARTIFACTS.parent / "docs" / "screenshots"
CHARTS = [f"quad-chart-{c}" for c in ("throughput", "variation", "backlog", "leadtime")]
BOOKMARK = "/quadrant?board=platform&from=2026-06-01&to=2026-11-18&types=Feature,Defect"
# weeks containing a day of 2026-06-01..2026-11-18 (Berlin); 2026-11-16 is in progress
MONDAYS = [d.date().isoformat() for d in pd.date_range("2026-06-01", "2026-11-16", freq="7D")]


def _open(page, live_app, path: str) -> None:
    page.goto(live_app["url"] + path)
    wait_for_charts(page, CHARTS)


def _csv(page, live_app, link_id: str) -> pd.DataFrame:
    href = page.get_attribute(f"#{link_id}", "href")
    assert href and href != "#"
    response = page.request.get(live_app["url"] + href)
    assert response.ok and response.headers["content-type"].startswith("text/csv")
    return pd.read_csv(io.StringIO(response.text()), keep_default_na=False)


def _nums(column: pd.Series) -> list:
    """CSV cells as floats, an empty cell as None (Plotly's gap)."""
    return [None if v == "" else float(v) for v in column]


def _gaps(values: list) -> list:
    """Chart values with NaN (a gap in a typed array) as None."""
    return [None if v is None or v != v else v for v in values]


def _lines(page, graph_id: str) -> dict[str, list]:
    """Likelihood lines by name without the latest value the legend adds ("50 %: at least")."""
    return {_level_name(t["name"]): _gaps(t["y"]) for t in graph_data(page, graph_id)[1:]}


def _level_name(name: str) -> str:
    return re.sub(r" [\d.]+$", "", name)


def _total(page) -> int:
    return sum(bars(page, "quad-chart-throughput").values())


def _first_week(page) -> str:
    return graph_data(page, "quad-chart-throughput")[0]["x"][0]


def test_bookmark_draws_the_stores_weekly_counts(page, live_app):
    _open(page, live_app, BOOKMARK)
    done = completed_issues(live_app["engine"], "platform", ["Story", "Bug"])["done"]
    expected = weekly_counts(done, "Europe/Berlin", MONDAYS[0], MONDAYS[-1])
    drawn = bars(page, "quad-chart-throughput")
    assert list(drawn) == MONDAYS
    assert list(drawn.values()) == expected
    assert sum(expected) > 100
    # the controls show the bookmark
    assert page.input_value("#quad-from") == "2026-06-01"
    assert page.input_value("#quad-to") == "2026-11-18"
    assert page.is_checked("#quad-types input[value='Feature']")
    assert not page.is_checked("#quad-types input[value='Task']")
    assert "team time zone Europe/Berlin" in page.inner_text("#quad-chart-throughput-note")
    assert page.js_errors == []
    screenshot(page, "quadrant")
    if os.environ.get("VGER_UPDATE_SCREENSHOTS") == "1":  # refresh the README's picture
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copy(ARTIFACTS / "quadrant.png", DOCS / "quadrant.png")


def test_pull_request_source_draws_merged_pull_requests(page, live_app):
    _open(page, live_app, "/quadrant?board=platform&source=github&from=2026-06-01&to=2026-11-18")
    done = merged_pulls(live_app["engine"], "platform")["done"]
    drawn = bars(page, "quad-chart-throughput")
    assert list(drawn.values()) == weekly_counts(done, "Europe/Berlin", MONDAYS[0], MONDAYS[-1])
    assert "PR volume" in page.inner_text("#quad-chart-backlog")
    csv = _csv(page, live_app, "quad-chart-throughput-csv")
    assert csv["count"].tolist() == list(drawn.values())
    assert page.js_errors == []
    screenshot(page, "quadrant-github")


def test_csv_is_what_the_charts_show(page, live_app):
    _open(page, live_app, BOOKMARK + "&lines=straight")
    throughput = _csv(page, live_app, "quad-chart-throughput-csv")
    assert throughput["week"].tolist() == MONDAYS
    assert throughput["count"].tolist() == list(bars(page, "quad-chart-throughput").values())
    lines = _lines(page, "quad-chart-throughput")
    for level in (50, 80, 90):
        assert _nums(throughput[f"likelihood_{level}"]) == pytest.approx(
            lines[f"{level} %: at least"], abs=1e-3
        )
    variation = _csv(page, live_app, "quad-chart-variation-csv")
    drawn = _gaps(graph_data(page, "quad-chart-variation")[0]["y"])
    assert _nums(variation["variation"]) == pytest.approx(drawn, abs=1e-4)
    backlog = _csv(page, live_app, "quad-chart-backlog-csv")
    assert backlog["completed"].tolist() == graph_data(page, "quad-chart-backlog")[1]["y"]
    lead = _csv(page, live_app, "quad-chart-leadtime-csv")
    complete = lead[lead["done"] < "2026-11-15T23:00:00Z"]  # Berlin Monday 2026-11-16 00:00
    days = complete["days"].replace("", float("nan")).astype(float).dropna()
    drawn_lead = _lines(page, "quad-chart-leadtime") | {
        _level_name(t["name"]): t["y"] for t in graph_data(page, "quad-chart-leadtime")
    }
    assert drawn_lead["50 % within"][0] == pytest.approx(days.quantile(0.5), abs=1e-3)
    assert drawn_lead["90 % within"][0] == pytest.approx(days.quantile(0.9), abs=1e-3)
    assert page.js_errors == []


def test_each_control_writes_the_url_and_back_forward_restore(page, live_app):
    _open(page, live_app, BOOKMARK)
    before = bars(page, "quad-chart-throughput")
    rolling = _lines(page, "quad-chart-throughput")

    page.check("#quad-lines input[value='straight']")
    wait_for_search(page, "lines=straight")
    wait_until(page, lambda: _lines(page, "quad-chart-throughput") != rolling, message="straight")

    page.uncheck("#quad-types input[value='Feature']")
    wait_for_search(page, "types=Defect")
    wait_for_charts(page, CHARTS)
    wait_until(page, lambda: _total(page) < sum(before.values()), message="fewer items")
    defects = bars(page, "quad-chart-throughput")
    done = completed_issues(live_app["engine"], "platform", ["Bug"])["done"]
    assert list(defects.values()) == weekly_counts(done, "Europe/Berlin", MONDAYS[0], MONDAYS[-1])

    page.fill("#quad-from", "2026-09-01")
    page.press("#quad-from", "Enter")
    wait_for_search(page, "from=2026-09-01")
    wait_until(page, lambda: _first_week(page) == "2026-08-31", message="from 2026-09-01")

    page.fill("#quad-to", "2026-10-31")
    page.press("#quad-to", "Enter")
    wait_for_search(page, "to=2026-10-31")
    page.fill("#quad-window", "6")
    page.press("#quad-window", "Enter")
    wait_for_search(page, "window=6")
    page.check("#quad-leadtime input[value='states']")
    wait_for_search(page, "leadtime=states")
    wait_until(
        page,
        lambda: graph_data(page, "quad-chart-leadtime")[0]["x"][0] == "Overall",
        message="states",
    )
    page.check("#quad-backlog input[value='relative']")
    wait_for_search(page, "backlog=relative")
    page.check("#quad-tags input[value='1']")
    wait_for_search(page, "tags=1")
    wait_for_charts(page, CHARTS)
    after = bars(page, "quad-chart-throughput")
    assert list(after)[0] == "2026-08-31" and list(after)[-1] == "2026-10-26"

    # Back through the history: each step restores the previous view
    page.go_back()
    page.wait_for_function("() => !location.search.includes('tags=1')")
    page.wait_for_function("() => !document.querySelector('#quad-tags input').checked")
    for _ in range(5):  # backlog, leadtime, window, to, from
        page.go_back()
    page.wait_for_function("() => !location.search.includes('from=2026-09-01')")
    wait_for_search(page, "types=Defect")
    wait_for_charts(page, CHARTS)
    wait_until(page, lambda: _first_week(page) == "2026-06-01", message="back to 2026-06-01")
    assert bars(page, "quad-chart-throughput") == defects
    assert page.input_value("#quad-from") == "2026-06-01"
    page.go_back()
    page.go_back()
    page.wait_for_function("() => location.search.includes('types=Feature,Defect')")
    wait_for_charts(page, CHARTS)
    wait_until(page, lambda: _total(page) == sum(before.values()), message="all types again")
    assert bars(page, "quad-chart-throughput") == before
    assert page.is_checked("#quad-lines input[value='rolling']")

    page.go_forward()
    wait_for_search(page, "lines=straight")
    page.wait_for_function(
        "() => document.querySelector('#quad-lines input[value=straight]').checked"
    )
    assert page.js_errors == []


def test_source_and_board_controls_navigate(page, live_app):
    _open(page, live_app, BOOKMARK)
    page.check("#quad-source input[value='github']")
    wait_for_search(page, "source=github")
    wait_for_charts(page, CHARTS)
    page.wait_for_selector("#quad-chart-backlog >> text=PR volume")
    assert "from=2026-06-01" in page.url and "to=2026-11-18" in page.url
    page.go_back()
    page.wait_for_function("() => !location.search.includes('source=github')")
    wait_for_charts(page, CHARTS)
    page.wait_for_selector("#quad-chart-backlog >> text=Backlog growth")
    # the board dropdown
    page.select_option("#quad-board", label="Mobile · Mobile board")
    wait_for_search(page, "board=mobile")
    wait_for_charts(page, CHARTS)
    page.wait_for_selector("#quad-title >> text=Mobile board")
    assert "types=" not in page.url  # work types belong to a board
    assert page.js_errors == []


def test_navigation_keeps_the_shared_parameters(page, live_app):
    _open(page, live_app, BOOKMARK + "&window=6")
    shared = "board=platform&from=2026-06-01&to=2026-11-18&types=Feature,Defect"
    for link in ("#nav-links #nav-quarterly", "#nav-links #nav-scatter"):
        href = page.locator(link).get_attribute("href")
        assert href.endswith(shared), href
    assert page.locator("#quad-pages").is_hidden()  # one navigation: the navbar's
    page.locator("#nav-links #nav-quarterly").click()
    page.wait_for_selector("#qtr-chart-throughput .main-svg")
    assert page.url.endswith("/quarterly?" + shared)
    assert page.is_checked("#qtr-types input[value='Defect']")
    # controls changed on a page move the links along
    page.locator("#nav-links #nav-quadrant").click()
    wait_for_charts(page, CHARTS)
    page.uncheck("#quad-types input[value='Feature']")
    wait_for_search(page, "types=Defect")
    page.wait_for_function(
        "() => document.querySelector('#nav-scatter').getAttribute('href').endsWith('types=Defect')"
    )
    assert page.js_errors == []
