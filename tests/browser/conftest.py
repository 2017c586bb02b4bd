"""Real browser tests: the dashboard served on loopback, driven by Playwright in
Debian's Chromium (``/usr/bin/chromium``; no browser download).

The store is the demo data built for a fixed clock, so numbers are reproducible.
Screenshots go to ``test-artifacts/`` (kept by CI as artifacts).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from vger.config import Settings
from vger.store.db import make_engine, upgrade

CHROMIUM = os.environ.get("VGER_CHROMIUM", "/usr/bin/chromium")
NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)  # a Wednesday: the current week is in progress
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(items):
    if not Path(CHROMIUM).exists():
        skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM}: apt-get install -y chromium")
        for item in items:
            if "browser" in str(item.fspath):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory):
    """A demo store built for the fixed clock ``NOW``."""
    from vger.demo import build_demo

    path = tmp_path_factory.mktemp("browser") / "demo.db"
    settings = Settings(database_url=f"sqlite:///{path}", admin_password="browser-secret", secret_key="browser-key")
    engine = make_engine(settings.database_url)
    upgrade(engine)
    build_demo(engine, seed=7, now=NOW)
    return settings, engine


@pytest.fixture(scope="session")
def live_app(demo_store):
    """The dashboard served by a real WSGI server on 127.0.0.1 (random port)."""
    from vger.web import create_app

    settings, engine = demo_store
    app = create_app(settings, engine=engine)
    app.server.config["VGER_NOW"] = NOW
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{server.server_port}", "app": app, "engine": engine, "settings": settings}
    server.shutdown()


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors  # type: ignore[attr-defined]
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/ and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def wait_for_charts(page, ids: list[str], timeout: int = 20_000) -> None:
    """Wait until every Plotly graph has drawn (``.main-svg`` inside each)."""
    for graph_id in ids:
        page.wait_for_selector(f"#{graph_id} .main-svg", timeout=timeout)
    page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=timeout)


def graph_data(page, graph_id: str) -> list[dict]:
    """The traces Plotly actually drew in a graph (x, y, name)."""
    return page.evaluate(
        "(id) => { const g = document.querySelector('#' + id + ' .js-plotly-plot');"
        " return g.data.map(t => ({name: t.name, x: Array.from(t.x || []), y: Array.from(t.y || [])})); }",
        graph_id,
    )
