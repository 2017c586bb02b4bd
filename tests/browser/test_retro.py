"""Issue 13 in a real browser: the chart toolbar, the labelled likelihood lines."""

from __future__ import annotations

import pytest

from tests.browser.conftest import wait_for_charts

pytestmark = pytest.mark.browser

QUAD = [f"quad-chart-{c}" for c in ("throughput", "variation", "backlog", "leadtime")]
BOOKMARK = "/quadrant?board=platform&from=2026-06-01&to=2026-11-18"


def _buttons(page, graph_id: str) -> list[str]:
    return page.eval_on_selector_all(
        f"#{graph_id} .modebar-btn", "els => els.map(e => e.getAttribute('data-title'))"
    )


def test_toolbar_has_png_and_reset_only_and_no_cloud(page, live_app):
    page.goto(live_app["url"] + BOOKMARK)
    wait_for_charts(page, QUAD)
    for graph_id in QUAD:
        assert sorted(_buttons(page, graph_id)) == ["Download plot as a PNG", "Reset axes"]
    page.goto(live_app["url"] + "/scatter?board=platform&from=2026-06-01&to=2026-11-18")
    wait_for_charts(page, ["scatter-chart-points"])
    assert sorted(_buttons(page, "scatter-chart-points")) == [
        "Download plot as a PNG",
        "Reset axes",
        "Zoom",
    ]
    html = page.content()
    assert "Share" not in html and "Chart Studio" not in html and "plot.ly" not in html


def test_likelihood_values_are_written_at_the_line_ends(page, live_app):
    page.goto(live_app["url"] + BOOKMARK)
    wait_for_charts(page, QUAD)
    legend = " | ".join(
        page.eval_on_selector_all(
            "#quad-chart-throughput .legendtext", "els => els.map(e => e.textContent)"
        )
    )
    labels = page.eval_on_selector_all(
        "#quad-chart-throughput .annotation-text", "els => els.map(e => e.textContent)"
    )
    for level in (50, 80, 90):
        end = next(t for t in labels if t.startswith(f"{level} %: ≥ "))
        value = end.split("≥ ")[1]
        assert f"{level} %: at least {value}" in legend
    assert page.js_errors == []


def _first_number(text: str, after: str) -> float:
    import re

    return float(re.search(re.escape(after) + r"\s*([\d.]+)", text).group(1))


def test_headlines_are_the_stores_numbers(page, live_app):
    import pandas as pd

    from tests.browser.conftest import completed_issues, weekly_counts

    page.goto(live_app["url"] + BOOKMARK)
    wait_for_charts(page, QUAD)
    page.wait_for_function("() => document.querySelector('#quad-story').textContent.length > 0")
    done = completed_issues(live_app["engine"], "platform")
    # complete weeks of the range (Berlin): 2026-06-01 .. 2026-11-09 (24); previous 24 weeks
    now_weeks = weekly_counts(done["done"], "Europe/Berlin", "2026-06-01", "2026-11-09")
    before = weekly_counts(done["done"], "Europe/Berlin", "2025-12-15", "2026-05-25")
    assert len(now_weeks) == len(before) == 24
    throughput = page.inner_text("#quad-chart-throughput-headline")
    assert _first_number(throughput, "Throughput") == pytest.approx(
        round(pd.Series(now_weeks).median(), 1)
    )
    assert _first_number(throughput, "previous 24 weeks:") == pytest.approx(
        round(pd.Series(before).median(), 1)
    )
    local = done["done"].dt.tz_convert("Europe/Berlin").dt.tz_localize(None)
    inside = done[(local >= "2026-06-01") & (local < "2026-11-16")]
    lead = page.inner_text("#quad-chart-leadtime-headline")
    assert _first_number(lead, "80 % within") == pytest.approx(
        round(inside["days"].dropna().quantile(0.8), 1)
    )
    story = page.inner_text("#quad-story")
    assert story.startswith("Compared with the previous 24 weeks:")
    assert "backlog" in story
    assert page.is_visible("#quad-chart-throughput-how summary")


def test_tab_title_and_freshness_line(page, live_app):
    page.goto(live_app["url"] + BOOKMARK)
    wait_for_charts(page, QUAD)
    page.wait_for_function("() => document.title.includes('Four quadrants')")
    assert page.title() == "Platform kanban · Four quadrants — Vger" or (
        page.title().endswith(" · Four quadrants — Vger") and "platform" in page.title().lower()
    )
    assert page.inner_text("#fresh-text").startswith("Data as of ")
    page.goto(live_app["url"] + "/flow?board=platform")
    page.wait_for_function("() => document.title.includes('Cumulative flow')")
    assert page.title().endswith(" · Cumulative flow — Vger")


def test_a_relative_range_survives_other_controls_and_moves_with_the_clock(page, live_app):
    from tests.browser.conftest import NOW, bars, wait_for_search

    page.goto(live_app["url"] + "/quadrant?board=platform&range=26w")
    wait_for_charts(page, QUAD)
    assert page.input_value("#quad-from") == "" and page.is_checked(
        "#quad-preset input[value='26w']"
    )
    first_week = list(bars(page, "quad-chart-throughput"))[0]
    page.check("#quad-lines input[value='straight']")
    wait_for_search(page, "lines=straight")
    assert "range=26w" in page.url and "from=" not in page.url and "to=" not in page.url
    # a preset replaces typed dates; typing a date makes the range explicit
    page.check("#quad-preset input[value='90d']")
    wait_for_search(page, "range=90d")
    # the preset's own callback empties the date fields: type only once it has answered,
    # or its late answer wipes the typed date (a race, not a slow page)
    page.wait_for_function(
        "() => !document.querySelector('[data-dash-is-loading=\"true\"]')"
        " && document.querySelector('#quad-from').value === ''"
    )
    page.fill("#quad-from", "2026-06-01")
    page.press("#quad-from", "Enter")
    wait_for_search(page, "from=2026-06-01")
    assert "range=" not in page.url
    assert page.is_checked("#quad-preset input[value='custom']")
    # the same bookmark a week later starts a week later
    app = live_app["app"]
    try:
        app.server.config["VGER_NOW"] = NOW + __import__("datetime").timedelta(days=7)
        page.goto(live_app["url"] + "/quadrant?board=platform&range=26w")
        wait_for_charts(page, QUAD)
        later = list(bars(page, "quad-chart-throughput"))[0]
    finally:
        app.server.config["VGER_NOW"] = NOW
    assert (pd_date(later) - pd_date(first_week)).days == 7


def pd_date(text: str):
    from datetime import date

    return date.fromisoformat(text)


def test_flow_bands_option_is_in_the_url(page, live_app):
    from tests.browser.conftest import graph_data, wait_for_search

    page.goto(live_app["url"] + "/flow?board=platform&range=90d")
    wait_for_charts(page, ["flow-chart-states"])
    names = [t["name"] for t in graph_data(page, "flow-chart-states")]
    page.check("#flow-bands input[value='nodone']")
    wait_for_search(page, "bands=nodone")
    assert "range=90d" in page.url
    page.wait_for_function(
        "(n) => document.querySelector('#flow-chart-states .js-plotly-plot').data.length < n",
        arg=len(names),
    )
    hidden = [t["name"] for t in graph_data(page, "flow-chart-states")]
    assert hidden and set(hidden) < set(names)
    page.goto(live_app["url"] + "/flow?board=platform&range=90d&bands=zero")
    wait_for_charts(page, ["flow-chart-states"])
    assert page.is_checked("#flow-bands input[value='zero']")
    assert graph_data(page, "flow-chart-states")[0]["y"][0] == 0  # done starts at zero


def test_unticking_every_type_says_all_types(page, live_app):
    from tests.browser.conftest import wait_for_search

    page.goto(live_app["url"] + BOOKMARK + "&types=Feature")
    wait_for_charts(page, QUAD)
    assert page.inner_text("#quad-types-hint") == ""
    page.uncheck("#quad-types input[value='Feature']")
    wait_for_search(page, "board=platform")
    page.wait_for_function(
        "() => document.querySelector('#quad-types-hint').textContent === 'None ticked: all types.'"
    )


def test_an_empty_range_names_the_last_completion_and_links_to_data(page, live_app):
    page.goto(live_app["url"] + "/quadrant?board=platform&from=2020-01-06&to=2020-01-26")
    page.wait_for_selector("#quad-empty")
    text = page.inner_text("#quad-empty")
    assert text.count("No issue was completed") == 1 and "The last completion" in text
    page.click("#quad-data-link")
    wait_for_charts(page, QUAD)
    page.wait_for_function("() => location.search.includes('from=')")
    assert sum(bars_of(page)) > 0
    assert page.js_errors == []


def bars_of(page) -> list:
    from tests.browser.conftest import bars

    return list(bars(page, "quad-chart-throughput").values())
