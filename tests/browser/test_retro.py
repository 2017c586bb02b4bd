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
