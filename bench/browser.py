"""Page weight and drawing time in headless Chromium: ``python -m bench.browser``.

Serves the demo (built for a fixed clock) on loopback and opens every data page of the
Platform board (every view of :data:`vger.web.views.VIEWS` with data routes, and the
pull-request quadrant) in Debian's Chromium (``VGER_CHROMIUM``, default /usr/bin/chromium). Per
page it prints: bytes transferred on a first visit (empty cache) and on a second visit
(same browser cache), the time until every chart is drawn, the DOM element count, the
number of callback requests, and the time to show the same view from a static HTML page
(Plotly offline, the same plotly.js bundle) with the ratio page / static.

The static page is the view as a server would send it ready-made: the page's own markup
(its body after drawing, each graph emptied to its box), its stylesheets and the same
figures drawn into those boxes. Until 2026-11 it drew only the figures, each into a bare
full-width ``div``: that left out the work every page must do besides Plotly's (laying
out its controls, texts and tables with Bootstrap's CSS), so a page with no chart (the
data-quality report) was timed against loading plotly.js alone. That time is still
printed ("figures s"), for comparison.

Budgets (issue 13): first visit ≤ 1.5 MB, second ≤ 200 KB, ratio ≤ 1.5, ≤ 3,000 elements.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from werkzeug.serving import make_server

from vger.config import Settings
from vger.store.db import make_engine, upgrade
from vger.web.speed import plotly_script

CHROMIUM = os.environ.get("VGER_CHROMIUM", "/usr/bin/chromium")
NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
#: The pull-request views of pages that show Jira issues by default (``source=github``);
#: the Platform board has repositories, so every page has its data there.
PR_VIEWS = ("quadrant",)
BUDGET = {"first": 1_500_000, "second": 200_000, "ratio": 1.5, "elements": 3000}

DRAWN = """() => {
  const graphs = [...document.querySelectorAll('.dash-graph')];
  return document.querySelector('#_pages_content > *') && graphs.every(g => g.querySelector('.main-svg'))
    && !document.querySelector('[data-dash-is-loading="true"]');
}"""
TRANSFERRED = """() => {
  const nav = performance.getEntriesByType('navigation').map(e => e.transferSize);
  const res = performance.getEntriesByType('resource').map(e => e.transferSize);
  return [...nav, ...res].reduce((a, b) => a + b, 0);
}"""
FIGURES = """() => [...document.querySelectorAll('.js-plotly-plot')].map(
  g => ({data: g.data, layout: g.layout}))"""
# the page's markup without its scripts, each drawn graph replaced by an empty box
MARKUP = """() => {
  const body = document.body.cloneNode(true);
  body.querySelectorAll('script').forEach(s => s.remove());
  body.querySelectorAll('.js-plotly-plot').forEach((g, i) => {
    const box = document.createElement('div');
    box.id = 'g' + i;
    box.style.cssText = g.style.cssText;
    g.replaceWith(box);
  });
  const sheets = [...document.querySelectorAll('link[rel=stylesheet]')].map(l => l.outerHTML);
  return {head: sheets.join(''), body: body.innerHTML};
}"""


def pages(board: str) -> list[tuple[str, str]]:
    """(row label, path and query) of every data page of ``board``: each view that has
    CSV and JSON routes, then the pull-request side of those in ``PR_VIEWS``."""
    from vger.web.views import VIEWS

    data_views = [v for v in VIEWS if v.blueprint is not None]
    rows = [(v.name, f"{v.path}?board={board}") for v in data_views]
    rows += [
        (f"{v.name}-pr", f"{v.path}?board={board}&source=github")
        for v in data_views
        if v.name in PR_VIEWS
    ]
    return rows


def serve(tmp: Path) -> tuple[str, object]:
    from vger.demo import build_demo
    from vger.web import create_app

    settings = Settings(database_url=f"sqlite:///{tmp / 'demo.db'}", secret_key="bench")
    engine = make_engine(settings.database_url)
    upgrade(engine)
    build_demo(engine, seed=7, now=NOW)
    app = create_app(settings, engine=engine)
    app.server.config["VGER_NOW"] = NOW
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def visit(page, url: str, callbacks: list) -> dict:
    """Open ``url`` and wait until every chart is drawn; the figures of that visit."""
    callbacks.clear()
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_function(DRAWN, timeout=120_000, polling=50)
    seconds = time.perf_counter() - start
    page.wait_for_timeout(300)  # late resources (fonts, maps) count too
    return {
        "seconds": seconds,
        "bytes": page.evaluate(TRANSFERRED),
        "elements": page.evaluate("() => document.getElementsByTagName('*').length"),
        "callbacks": len(callbacks),
        "figures": page.evaluate(FIGURES),
        "markup": page.evaluate(MARKUP),
    }


def static_time(page, base: str, plotly_src: str, figures: list, markup: dict | None) -> float:
    """Seconds to draw ``figures`` from a static page with the same plotly.js (cached):
    into the page's own markup (``markup``: its stylesheets and body, graphs emptied to
    their boxes ``g0``, ``g1``...) or, without it, into bare ``div``s."""
    head = markup["head"] if markup else ""
    body = markup["body"] if markup else ""
    divs = "" if markup else "".join(f'<div id="g{i}"></div>' for i in range(len(figures)))
    calls = ";".join(
        f"Plotly.newPlot('g{i}', F[{i}].data, F[{i}].layout)" for i in range(len(figures))
    )
    html = (
        f'<!DOCTYPE html><html lang="en"><head>{head}</head><body>{body}{divs}'
        f'<script src="{base}{plotly_src}"></script>'
        f"<script>const F = {json.dumps(figures)}; {calls}</script></body></html>"
    )
    # served on the dashboard's origin (intercepted), so plotly.js comes from the same cache
    url = f"{base}/__bench_static.html"
    page.route(url, lambda route: route.fulfill(body=html, content_type="text/html"))
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_function(
        "(n) => document.body && [...document.querySelectorAll('.js-plotly-plot .main-svg')]"
        ".length >= n",
        arg=len(figures),
        timeout=120_000,
        polling=50,
    )
    seconds = time.perf_counter() - start
    page.unroute(url)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--board", default="platform")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="time the later visit and the static pages N times, interleaved, and take the"
        " medians (on a busy machine; visits after the second may use V8's code cache, as"
        " the static pages' plotly.js already does)",
    )
    parser.add_argument(
        "--pages", nargs="*", help="only these rows (e.g. quality quadrant-pr); default: all"
    )
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory() as name, sync_playwright() as pw:
        tmp = Path(name)
        base, server = serve(tmp)
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        for label, path in pages(args.board):
            if args.pages and label not in args.pages:
                continue
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            callbacks: list = []
            page.on(
                "request",
                lambda r, c=callbacks: c.append(r.url) if "_dash-update-component" in r.url else 0,
            )
            url = f"{base}{path}"
            print(f"… {label}", flush=True)
            first = visit(page, url, callbacks)
            # the app's plotly.js (a page without charts loads none); warmed up untimed, so
            # it is in the cache and V8's code cache as after a chart page's own visits
            plotly_src = plotly_script("/")["src"]
            for _ in range(2):
                static_time(page, base, plotly_src, first["figures"], first["markup"])
            seconds, statics, bares = [], [], []
            for _ in range(max(1, args.repeat)):
                second = visit(page, url, callbacks)
                seconds.append(second["seconds"])
                bares.append(static_time(page, base, plotly_src, first["figures"], None))
                statics.append(
                    static_time(page, base, plotly_src, first["figures"], first["markup"])
                )
            second["seconds"] = statistics.median(seconds)
            static, bare = statistics.median(statics), statistics.median(bares)
            rows.append((label, first, second, static, bare))
            context.close()
        browser.close()
        server.shutdown()
    print(
        f"{'page':<13} {'1st visit':>10} {'2nd visit':>10} {'charts s':>9} {'2nd s':>6}"
        f" {'static s':>9} {'ratio':>6} {'figures s':>9} {'elements':>8} {'callbacks':>9}"
        "  within budget"
    )
    for path, first, second, static, bare in rows:
        ratio = second["seconds"] / static if static else float("nan")
        ok = (
            first["bytes"] <= BUDGET["first"]
            and second["bytes"] <= BUDGET["second"]
            and ratio <= BUDGET["ratio"]
            and first["elements"] <= BUDGET["elements"]
        )
        print(
            f"{path:<13} {first['bytes'] / 1e6:>8.2f}MB {second['bytes'] / 1e3:>8.1f}KB"
            f" {first['seconds']:>9.2f} {second['seconds']:>6.2f} {static:>9.2f} {ratio:>6.2f}"
            f" {bare:>9.2f} {first['elements']:>8}"
            f" {first['callbacks']:>9}  {'yes' if ok else 'NO'}"
        )
    print(
        "charts s: first visit, until every chart is drawn; 2nd s: the same on the second"
        " visit; static s: the same view from a static page on the same origin (the page's"
        " markup and stylesheets, the same figures; plotly.js cached); ratio: 2nd s (cached,"
        " like the static page) / static s; figures s: the figures alone, each in a bare div"
        " (the static page before 2026-11)."
    )


if __name__ == "__main__":
    main()
