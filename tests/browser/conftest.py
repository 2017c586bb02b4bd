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


def pytest_collection_modifyitems(items):
    # On CI a missing Chromium fails every browser test (the launch fails); elsewhere they
    # are skipped with the command that installs it.
    if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
        skip = pytest.mark.skip(
            reason=f"Chromium not found at {CHROMIUM}: apt-get install -y chromium"
        )
        for item in items:
            if "browser" in str(item.fspath):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory):
    """A demo store built for the fixed clock ``NOW``."""
    from vger.demo import build_demo

    path = tmp_path_factory.mktemp("browser") / "demo.db"
    settings = Settings(
        database_url=f"sqlite:///{path}", admin_password="browser-secret", secret_key="browser-key"
    )
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
    yield {
        "url": f"http://127.0.0.1:{server.server_port}",
        "app": app,
        "engine": engine,
        "settings": settings,
    }
    server.shutdown()


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
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
    page.wait_for_function(
        "() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=timeout
    )


def graph_data(page, graph_id: str) -> list[dict]:
    """The traces Plotly actually drew in a graph (x, y, name)."""
    # Plotly keeps numpy arrays base64-encoded ({dtype, bdata}) in ``data``; the decoded
    # arrays are in ``_fullData`` (same trace order).
    return page.evaluate(
        "(id) => { const g = document.querySelector('#' + id + ' .js-plotly-plot');"
        " const arr = (raw, full) => Array.from((raw && raw.length !== undefined) ? raw : (full || []));"
        " return g.data.map((t, i) => { const f = g._fullData.find(d => d.index === i) || {};"
        " return {name: t.name, x: arr(t.x, f.x), y: arr(t.y, f.y)}; }); }",
        graph_id,
    )


# --- Independent expectations straight from the store (SQL + pandas, no vger.metrics) ---


def completed_issues(engine, board: str, issue_types: list[str] | None = None):
    """Completed, non-sub-task issues of ``board``: key, issue_type, done (UTC), days."""
    import pandas as pd
    from sqlalchemy import text

    sql = (
        "select i.key, i.issue_type, i.done, i.lead_time_days as days from issue i"
        " join board b on b.id = i.board_id"
        " where b.slug = :board and i.outcome = 'completed' and i.is_subtask = :no"
    )
    with engine.connect() as conn:
        frame = pd.read_sql(text(sql), conn, params={"board": board, "no": False})
    frame["done"] = pd.to_datetime(frame["done"], utc=True, format="ISO8601")
    if issue_types is not None:
        frame = frame[frame["issue_type"].isin(issue_types)]
    return frame.reset_index(drop=True)


def merged_pulls(engine, board: str):
    """Merged pull requests of ``board``'s repositories: key, done (UTC), days, url."""
    import pandas as pd
    from sqlalchemy import text

    sql = (
        "select r.full_name as repo, p.number, p.created, p.merged, p.url from pull_request p"
        " join repo r on r.id = p.repo_id join board b on b.id = r.board_id"
        " where b.slug = :board and p.merged is not null"
    )
    with engine.connect() as conn:
        frame = pd.read_sql(text(sql), conn, params={"board": board})
    for column in ("created", "merged"):
        frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
    frame["key"] = frame["repo"] + "#" + frame["number"].astype(str)
    frame["done"] = frame["merged"]
    frame["days"] = (frame["merged"] - frame["created"]).dt.total_seconds() / 86400
    return frame


def weekly_counts(done, tz: str, first_monday: str, last_monday: str) -> list[int]:
    """Items per Monday-based week in zone ``tz``, for every week first..last (inclusive)."""
    import pandas as pd

    local = done.dt.tz_convert(tz).dt.tz_localize(None).dt.normalize()
    mondays = local - pd.to_timedelta(local.dt.day_of_week, unit="D")
    weeks = pd.date_range(first_monday, last_monday, freq="7D")
    counts = mondays.value_counts()
    return [int(counts.get(w, 0)) for w in weeks]


def fiscal_label(done, tz: str, start_month: int):
    """``FY2027 Q1``-style label of each instant (fiscal year named after its last year)."""
    local = done.dt.tz_convert(tz)
    offset = (local.dt.month - start_month) % 12
    year = local.dt.year + ((local.dt.month >= start_month) & (start_month > 1)).astype(int)
    return "FY" + year.astype(str) + " Q" + (offset // 3 + 1).astype(str)


@pytest.fixture(scope="session")
def fresh_app(tmp_path_factory):
    """A second dashboard whose only board was never synced (nothing stored)."""
    from vger.store import boards, teams
    from vger.web import create_app

    path = tmp_path_factory.mktemp("fresh") / "fresh.db"
    settings = Settings(database_url=f"sqlite:///{path}", secret_key="browser-key")
    engine = make_engine(settings.database_url)
    upgrade(engine)
    with engine.begin() as conn:
        teams.add_team(conn, "newteam", "New team", tz="Europe/Berlin", fiscal_start_month=4)
        boards.add_board(conn, "fresh", "newteam", name="Fresh board", jql="project = NEW")
    app = create_app(settings, engine=engine)
    app.server.config["VGER_NOW"] = NOW
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{server.server_port}", "app": app, "engine": engine}
    server.shutdown()


def wait_for_search(page, fragment: str, timeout: int = 10_000) -> None:
    """Wait until the address bar's query string contains ``fragment``."""
    page.wait_for_function(
        "(f) => decodeURIComponent(location.search).includes(f)", arg=fragment, timeout=timeout
    )


def bars(page, graph_id: str) -> dict:
    """The first (bar) trace of a graph as {x: y}."""
    trace = graph_data(page, graph_id)[0]
    return dict(zip(trace["x"], trace["y"], strict=True))


def wait_until(page, predicate, timeout: float = 15.0, message: str = "condition"):
    """Poll ``predicate()`` (Python, e.g. over ``graph_data``) until it is truthy."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
        except Exception:  # noqa: BLE001 - the graph may be redrawing
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {message}")
        page.wait_for_timeout(100)
