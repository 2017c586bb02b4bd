"""Stored XSS, checked in a real browser: an issue whose summary, a board and a team whose
names are HTML/JS are shown as text on the dashboards, in chart hovers and on the admin
pages, and no script of theirs runs (``window.__xss`` stays undefined)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from tests.browser.conftest import screenshot
from tests.factories import example_board
from vger.config import Settings
from vger.store import schema as s
from vger.store.db import make_engine, upgrade

pytestmark = pytest.mark.browser

XSS_SUMMARY = '<img src=x onerror="window.__xss=1">'
XSS_BOARD = "<script>window.__xss=2</script>"
XSS_TEAM = '<svg onload="window.__xss=3">'
XSS_JQL = 'project = EX AND summary ~ "<img src=y onerror=window.__xss=4>"'
PASSWORD = "browser-admin-password"
NOW = datetime(2024, 2, 1, 12, 0, tzinfo=UTC)
RANGE = "board=example&from=2024-01-01&to=2024-01-14"


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory):
    """The example board with hostile names, served on loopback."""
    from vger.web import create_app

    path = tmp_path_factory.mktemp("xss") / "xss.db"
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite:///{path}",
        admin_password=PASSWORD,
        secret_key="xss-key",
    )
    engine = make_engine(settings.database_url)
    upgrade(engine)
    example_board(engine)
    with engine.begin() as conn:
        conn.execute(sa.update(s.board).values(name=XSS_BOARD, jql=XSS_JQL))
        conn.execute(sa.update(s.team).values(name=XSS_TEAM))
        conn.execute(sa.update(s.issue).values(summary=XSS_SUMMARY))
    app = create_app(settings, engine=engine)
    app.server.config["VGER_NOW"] = NOW
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def _no_xss(page) -> None:
    assert page.evaluate("() => typeof window.__xss") == "undefined"
    assert not page.locator("img[src='x'], img[src='y']").count()


def _hover_everything(page) -> list[str]:
    """Hover every point of every Plotly graph (mouse sweep and Plotly's own hover);
    returns the hover labels' texts."""
    texts: list[str] = []
    graphs = page.locator(".js-plotly-plot")
    for k in range(graphs.count()):
        drag = graphs.nth(k).locator(".nsewdrag").first
        box = drag.bounding_box() if drag.count() else None
        if box:
            for i in range(1, 20):
                for j in (0.2, 0.5, 0.8):
                    page.mouse.move(box["x"] + box["width"] * i / 20, box["y"] + box["height"] * j)
                    label = graphs.nth(k).locator(".hoverlayer").text_content() or ""
                    if label:
                        texts.append(label)
        texts += page.evaluate(
            """async (k) => {
                const gd = document.querySelectorAll('.js-plotly-plot')[k];
                const out = [];
                if (!window.Plotly || !gd) return out;
                const pause = () => new Promise((r) => setTimeout(r, 70));  // Fx.hover throttles
                const traces = gd.calcdata || [];
                for (let c = 0; c < traces.length; c++) {
                    for (let p = 0; p < traces[c].length; p++) {
                        try { window.Plotly.Fx.hover(gd, [{curveNumber: c, pointNumber: p}]); } catch (e) {}
                        await pause();
                        const layer = gd.querySelector('.hoverlayer');
                        if (layer && layer.textContent) out.push(layer.textContent);
                    }
                }
                return out;
            }""",
            k,
        )
    return texts


def _wait_for_graphs(page, minimum: int = 1) -> None:
    page.wait_for_function(
        "(n) => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n",
        arg=minimum,
        timeout=20_000,
    )
    page.wait_for_function(
        "() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=20_000
    )
    page.wait_for_function(
        "() => [...document.querySelectorAll('.js-plotly-plot')]"
        ".some(g => (g.calcdata || []).some(points => points.length))",
        timeout=20_000,
    )


def test_home_page_shows_hostile_names_as_text(page, hostile_app):
    page.goto(f"{hostile_app}/")
    page.get_by_text(XSS_BOARD, exact=True).first.wait_for(timeout=20_000)
    assert page.get_by_text(XSS_TEAM, exact=True).count() >= 1
    _no_xss(page)
    screenshot(page, "xss-home")


def test_quadrant_charts_and_hovers_escape_names(page, hostile_app):
    page.goto(f"{hostile_app}/quadrant?{RANGE}")
    _wait_for_graphs(page, 4)
    labels = _hover_everything(page)
    assert labels  # the hovers were drawn
    _no_xss(page)
    assert XSS_BOARD in page.locator("body").inner_text()  # the board dropdown, as text
    assert not page.js_errors
    screenshot(page, "xss-quadrant")


@pytest.mark.parametrize("path", ["/scatter", "/quarterly"])
def test_other_pages_and_their_hovers_escape_summaries(page, hostile_app, path):
    response = page.goto(f"{hostile_app}{path}?{RANGE}")
    if response is None or response.status == 404:
        pytest.skip(f"{path} is not served by this build")
    _wait_for_graphs(page)
    labels = _hover_everything(page)
    _no_xss(page)
    if path == "/scatter":
        assert any(XSS_SUMMARY in label for label in labels), labels[:5]  # as text
    screenshot(page, f"xss-{path.strip('/')}")


def test_admin_pages_show_hostile_text_literally(page, hostile_app):
    page.goto(f"{hostile_app}/admin/boards/example")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#recent-issues", timeout=20_000)
    assert XSS_SUMMARY in page.locator("#recent-issues").inner_text()
    assert XSS_BOARD in page.locator("#board-name").inner_text()
    assert page.locator("#board-jql").inner_text() == XSS_JQL
    _no_xss(page)
    for path in ("/admin/", "/admin/boards/example/edit", "/admin/teams/ex-team/edit"):
        page.goto(f"{hostile_app}{path}")
        _no_xss(page)
    assert page.locator("#name").input_value() == XSS_TEAM
    page.goto(f"{hostile_app}/admin/boards/example/edit")
    assert page.locator("#jql").input_value() == XSS_JQL
    assert page.locator("#name").input_value() == XSS_BOARD
    _no_xss(page)
    screenshot(page, "xss-admin-board-edit")
