"""The data-quality page in a real browser on the demo store: every check is shown with
the count ``vger.metrics.quality`` computes from the store; a check that found something
has a card whose list of keys is drawn when it is opened (by mouse or keyboard), one page
at a time (the pager turns to the next), and a key links to Jira."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import text

from tests.browser.conftest import NOW, screenshot
from tests.factories import whole_history_report
from vger.store import boards, workflows
from vger.web.views.quality.page import PAGE_KEYS

pytestmark = pytest.mark.browser  # `-m "not browser"` runs none of these

BOARD = "platform"


def _expected(engine) -> dict:
    """The checks computed here from the store's rows (every non-sub-task issue)."""
    with engine.connect() as conn:
        board = boards.get_board(conn, BOARD)
        workflow = workflows.get_workflow(conn, board.id)
        names = workflows.statuses(conn, board.id)
        issues = pd.read_sql(
            text(
                "select issue_id, key, status_id, resolution, created, start, done, outcome,"
                " lead_time_days, lead_time_working_days from issue"
                " where board_id = :b and is_subtask = :no"
            ),
            conn,
            params={"b": board.id, "no": False},
        )
        moves = pd.read_sql(
            text(
                "select t.issue_id, t.seq, t.at, t.from_status_id, t.to_status_id from transition t"
                " join issue i on i.board_id = t.board_id and i.issue_id = t.issue_id"
                " where t.board_id = :b and i.is_subtask = :no"
            ),
            conn,
            params={"b": board.id, "no": False},
        )
        flags = pd.read_sql(
            text(
                "select issue_id, at, flagged from issue_flag where board_id = :b"
                " order by issue_id, seq"
            ),
            conn,
            params={"b": board.id},
        )
    flags["at"] = pd.to_datetime(flags["at"], utc=True, format="ISO8601")
    flags["flagged"] = flags["flagged"].astype(bool)
    for column in ("created", "start", "done"):
        issues[column] = pd.to_datetime(issues[column], utc=True, format="ISO8601")
    moves["at"] = pd.to_datetime(moves["at"], utc=True, format="ISO8601")
    issues["lead_time"] = (
        issues["lead_time_working_days"] if board.working_days else issues["lead_time_days"]
    )
    checks = whole_history_report(
        issues,
        moves,
        workflow,
        now=pd.Timestamp(NOW),
        names=names,
        flags=flags,
        tz=board.tz,
        working_days=board.working_days,
    )
    return board, {c.id: c for c in checks}


def _shown_keys(page, check_id: str) -> list[str]:
    return page.locator(f"#quality-check-{check_id} a.quality-key").all_text_contents()


def test_quality_page_shows_the_stores_checks(page, live_app):
    board, expected = _expected(live_app["engine"])
    page.goto(live_app["url"] + f"/quality?board={BOARD}")
    page.wait_for_selector("#quality-table", timeout=20_000)
    # a check that found something: a row of the table and a card; the others, one line
    shown = {
        check_id: int(page.inner_text(f"#quality-row-{check_id}").split()[0])
        for check_id, check in expected.items()
        if check.count
    }
    assert shown == {k: c.count for k, c in expected.items() if c.count}
    assert shown["flagged_long"] > 0  # the demo has items blocked for weeks
    nothing = [c for c in expected.values() if not c.count]
    assert nothing  # and checks that found nothing
    none = page.inner_text("#quality-none")
    assert f"{len(nothing)} checks found nothing (0 each)" in none
    table = page.inner_text("#quality-table")
    for check in expected.values():
        card = page.locator(f"#quality-check-{check.id}")
        if check.count:
            assert check.title in table and check.title in card.inner_text()
            assert int(page.inner_text(f"#quality-count-{check.id}")) == check.count
        else:
            assert check.title in none and check.title not in table
            assert card.count() == 0
    page.locator("#quality-none summary").click()  # why each of them matters
    for check in nothing:
        assert f"{check.title}: {check.why}" in page.inner_text("#quality-none")
    # Few elements however many issues are flagged: no key until a check is opened.
    assert page.evaluate("document.querySelectorAll('*').length") < 3000
    assert page.locator("a.quality-key").count() == 0
    flagged = max(expected.values(), key=lambda c: len(c.rows))
    keys = list(flagged.rows["key"])
    assert len(keys) > PAGE_KEYS  # the demo needs more than one page for this check
    page.locator(f"#quality-check-{flagged.id} summary").click()
    page.wait_for_selector(f"#quality-check-{flagged.id} a.quality-key", timeout=10_000)
    assert _shown_keys(page, flagged.id) == keys[:PAGE_KEYS]
    link = page.locator(f"#quality-check-{flagged.id} a.quality-key", has_text=keys[0]).first
    assert link.is_visible()
    assert link.get_attribute("href") == f"{board.browse_url.rstrip('/')}/browse/{keys[0]}"
    assert link.get_attribute("target") == "_blank"
    page.locator(f"#quality-check-{flagged.id} .page-link", has_text="2").first.click()
    page.wait_for_function(
        "([id, key]) => [...document.querySelectorAll('#quality-check-' + id + ' a.quality-key')]"
        ".some(a => a.textContent === key)",
        arg=[flagged.id, keys[PAGE_KEYS]],
        timeout=10_000,
    )
    assert _shown_keys(page, flagged.id) == keys[PAGE_KEYS : 2 * PAGE_KEYS]
    # closing and opening again keeps the page turned to (no new list is drawn)
    summary = page.locator(f"#quality-check-{flagged.id} summary")
    summary.click()
    summary.click()
    page.wait_for_timeout(300)
    assert _shown_keys(page, flagged.id) == keys[PAGE_KEYS : 2 * PAGE_KEYS]
    assert page.locator("a.nav-link.active[href*='/quality']").count() >= 1
    screenshot(page, "quality")
    assert page.js_errors == []


def test_a_check_opens_from_the_keyboard(page, live_app):
    _, expected = _expected(live_app["engine"])
    check = next(c for c in expected.values() if c.count)
    page.goto(live_app["url"] + f"/quality?board={BOARD}")
    page.wait_for_selector("#quality-table", timeout=20_000)
    summary = page.locator(f"#quality-check-{check.id} summary")
    summary.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#quality-check-{check.id} a.quality-key", timeout=10_000)
    assert page.evaluate(f"() => document.querySelector('#quality-check-{check.id} details').open")
    assert _shown_keys(page, check.id) == list(check.rows["key"])[:PAGE_KEYS]
    assert page.js_errors == []


def test_quality_work_type_filter_writes_the_url(page, live_app):
    page.goto(live_app["url"] + f"/quality?board={BOARD}")
    page.wait_for_selector("#quality-table", timeout=20_000)
    first = page.locator("#quality-types input").first
    first.check()
    page.wait_for_function("() => location.search.includes('types=')", timeout=10_000)
    page.wait_for_selector("#quality-table", timeout=20_000)
    assert page.js_errors == []


def test_a_page_load_needs_no_callback_round_trip(page, live_app):
    outputs: list[str] = []
    page.on(
        "request",
        lambda r: (
            outputs.append(r.post_data_json.get("output", ""))
            if "_dash-update-component" in r.url
            else None
        ),
    )
    page.goto(live_app["url"] + f"/quality?board={BOARD}")
    page.wait_for_selector("#quality-table", timeout=20_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=10_000
    )
    page.wait_for_timeout(300)  # a late call would be counted too
    # the app's layout holds the page, its report and the navbar (vger.web.shell):
    # neither the router, the navbar, the report's callback nor the URL sync runs on load
    assert outputs == []


def test_a_chart_reached_from_the_quality_page_draws_with_the_vendored_plotly(page, live_app):
    """The quality page draws no chart and loads no plotly.js; a chart page reached from
    it by the navbar (no reload) gets the vendored bundle, never Dash's 4.8 MB one."""
    fetched: list[tuple[str, int]] = []
    page.on(
        "response",
        lambda r: fetched.append((r.url, r.status)) if "plotly" in r.url else None,
    )
    page.goto(live_app["url"] + f"/quality?board={BOARD}")
    page.wait_for_selector("#quality-table", timeout=20_000)
    assert page.evaluate("() => typeof window.Plotly") == "undefined"
    assert fetched == []
    page.locator("#nav-links a", has_text="Quadrant").click()
    page.wait_for_selector("#quad-chart-throughput .main-svg", timeout=30_000)
    assert [status for _, status in fetched] == [307, 200]
    assert "/assets/vendor/plotly-vger.min.js?m=" in fetched[-1][0]
    assert page.evaluate("() => typeof window.Plotly") == "object"
    assert page.js_errors == []
