"""The pages work under the Content-Security-Policy: every chart draws, and Chromium
reports no CSP violation (neither a ``securitypolicyviolation`` event nor a console
message) on any page, the admin's login included."""

from __future__ import annotations

import pytest

from tests.browser.conftest import wait_for_charts

pytestmark = pytest.mark.browser

PAGES = [
    ("/quadrant?board=platform", ["quad-chart-throughput", "quad-chart-leadtime"]),
    ("/quarterly?board=platform", ["qtr-chart-throughput"]),
    ("/scatter?board=platform", ["scatter-chart-points"]),
    ("/forecast?board=platform", ["fc-chart-howmany"]),
    ("/flow?board=platform", ["flow-chart-states"]),
    ("/quality?board=platform", []),
    ("/?board=platform", []),
    ("/admin/login", []),
]

LISTEN = """() => { window.__csp = [];
  document.addEventListener('securitypolicyviolation',
    e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI)); }"""


@pytest.mark.parametrize(("path", "charts"), PAGES)
def test_pages_work_under_the_csp_without_violations(page, live_app, path, charts):
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    page.add_init_script(f"({LISTEN})()")
    response = page.goto(live_app["url"] + path)
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "script-src 'self' 'unsafe-eval' 'sha256-" in response.headers["content-security-policy"]
    if charts:
        wait_for_charts(page, charts)
    else:
        page.wait_for_load_state("networkidle")
    violations = page.evaluate("() => window.__csp")
    assert violations == []
    assert not [m for m in console if "Content Security Policy" in m], console
    assert page.js_errors == []


def test_the_webgl_scatterplot_draws_under_the_csp(page, live_app, monkeypatch):
    """Many points are drawn as scattergl, whose regl shaders plotly.js compiles with
    ``new Function``: the one reason the policy allows 'unsafe-eval'."""
    from vger.web.views.scatter import figures as scatter_figures

    monkeypatch.setattr(scatter_figures, "WEBGL_POINTS", 1)
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    page.add_init_script(f"({LISTEN})()")
    page.goto(live_app["url"] + "/scatter?board=platform&from=2026-08-01&to=2026-11-18")
    wait_for_charts(page, ["scatter-chart-points"])
    page.wait_for_function(
        "() => (document.querySelector('#scatter-chart-points .js-plotly-plot')._fullData"
        " || []).some(t => t.type === 'scattergl')"
    )
    assert page.evaluate("() => window.__csp") == []
    assert not [m for m in console if "Content Security Policy" in m or "EvalError" in m]
    assert page.query_selector("#scatter-chart-points .no-webgl") is None
    assert page.js_errors == []
