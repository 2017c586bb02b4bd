"""Record the Dash callback bodies a real page sends, for the hostile-input suite:
``python -m tests.web.capture_callbacks`` (needs Chromium; rewrites
tests/data/callbacks/bodies.json). Run it again when a page's callbacks change;
tests/web/test_hostile.py checks that every recorded body is still answered.

A page's chart callback does not fire on load (the layout arrives drawn: see
``vger.web.views.outputs.first_draw``), so after each load the script ticks the page's
first checkbox and back, which sends the chart callback's body as a user's change would."""

from __future__ import annotations

import json
import logging
import tempfile
import threading
from pathlib import Path

from werkzeug.serving import make_server

from tests.browser.conftest import CHROMIUM
from tests.factories import example_board
from tests.web.conftest import NOW
from vger.config import Settings
from vger.store.db import make_engine, upgrade

OUT = Path(__file__).resolve().parents[1] / "data" / "callbacks" / "bodies.json"
PAGES = (
    "/",
    "/quadrant",
    "/quarterly",
    "/scatter",
    "/forecast",
    "/flow",
    "/quality",
    "/aging",
    "/distributions",
    "/wip",
    "/efficiency",
    "/pr-stages",
)


def capture() -> list[dict]:
    from playwright.sync_api import sync_playwright

    from vger.web import create_app

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    path = Path(tempfile.mkdtemp()) / "capture.db"
    settings = Settings(_env_file=None, database_url=f"sqlite:///{path}", secret_key="capture")
    engine = make_engine(settings.database_url)
    upgrade(engine)
    example_board(engine)
    app = create_app(settings, engine=engine)
    app.server.config["VGER_NOW"] = NOW
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    bodies: dict[str, dict] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_page()

        def record(req):
            if "/_dash-update-component" in req.url and req.post_data:
                body = json.loads(req.post_data)
                bodies.setdefault(body["output"], {"page": current[0], "body": body})

        current = [""]
        page.on("request", record)

        # Told to send no Referer, the browser gets the empty layout (vger.web.shell), so
        # Dash's router and the navbar callback run and their bodies are recorded too.
        def no_referrer(route):
            if route.request.resource_type != "document":
                route.continue_()
                return
            html = route.fetch().text()
            meta = '<meta name="referrer" content="no-referrer">'
            route.fulfill(body=html.replace("<head>", "<head>" + meta, 1), content_type="text/html")

        page.route("**/*", no_referrer)
        for path in PAGES:
            current[0] = path
            page.goto(f"{base}{path}?board=example")
            page.wait_for_load_state("networkidle")
            _change_a_control(page)
        browser.close()
    server.shutdown()
    return sorted(bodies.values(), key=lambda b: (b["page"], b["body"]["output"]))


def _change_a_control(page) -> None:
    """Tick the page's first checkbox (a work type, a repository) and back."""
    boxes = page.locator("#_pages_content input[type=checkbox]:visible")
    if boxes.count():
        for _ in range(2):
            boxes.first.click()
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(300)


if __name__ == "__main__":
    found = capture()
    OUT.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n")
    print(f"{len(found)} callback bodies written to {OUT}")
