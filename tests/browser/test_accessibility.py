"""axe-core on every page of the demo: no serious or critical violation (issue 13, item 9).
Also: one h1, lang, a main landmark, and the first chart inside a phone's first screen."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.conftest import wait_for_charts

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
PAGES = {
    "/quadrant?board=platform": "quad-chart-throughput",
    "/quarterly?board=platform": "qtr-chart-throughput",
    "/scatter?board=platform": "scatter-chart-points",
    "/forecast?board=platform": "fc-chart-howmany",
    "/flow?board=platform": "flow-chart-states",
    "/quality?board=platform": None,
    "/": None,
}


def _axe_source() -> str:
    if not AXE.exists():
        message = f"axe-core is missing at {AXE} (see tests/browser/vendor/README.md)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return AXE.read_text()


def _open(page, live_app, path: str, chart: str | None) -> None:
    page.goto(live_app["url"] + path)
    if chart:
        wait_for_charts(page, [chart], timeout=60_000)
    else:
        page.wait_for_load_state("networkidle")


@pytest.fixture
def axe_page(browser):
    """A page whose context lets the test inject axe-core as an inline script: the app's
    Content-Security-Policy (rightly) refuses inline scripts it did not hash."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, bypass_csp=True)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("path", list(PAGES))
def test_no_serious_or_critical_axe_violations(axe_page, live_app, path):
    page = axe_page
    source = _axe_source()
    _open(page, live_app, path, PAGES[path])
    page.add_script_tag(content=source)
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"
    )
    bad = [v for v in result if v["impact"] in ("serious", "critical")]
    assert bad == [], bad


@pytest.mark.parametrize("path", [p for p in PAGES if p not in ("/", "/quality?board=platform")])
def test_structure_lang_h1_main(page, live_app, path):
    _open(page, live_app, path, PAGES[path])
    assert page.evaluate("() => document.documentElement.lang") == "en"
    assert page.locator("h1").count() == 1
    assert page.locator("main").count() == 1
    assert page.locator("nav").count() == 1


def test_first_chart_within_a_phones_first_screen(browser, live_app):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    try:
        _open(page, live_app, "/quadrant?board=platform", "quad-chart-throughput")
        top = page.evaluate(
            "() => document.querySelector('#quad-chart-throughput').getBoundingClientRect().top"
        )
        assert top < 844, top
        # the navigation is collapsed behind its toggler
        assert page.is_visible(".navbar-toggler")
        assert not page.is_visible("#nav-quadrant")
        page.click(".navbar-toggler")
        page.wait_for_selector("#nav-quadrant", state="visible")
    finally:
        context.close()
