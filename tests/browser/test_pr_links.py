"""Issues linked to pull requests in a real browser on the demo store, from bookmarked
URLs: the scatter hover names each issue's linked PRs, and the data-quality page lists
completed issues without a PR and PRs naming no stored issue (a PR links to GitHub).
Expectations come straight from the store's tables (SQL + pandas, no vger.metrics)."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import text

from tests.browser.conftest import screenshot, wait_for_charts

pytestmark = pytest.mark.browser

BOARD = "platform"
BOOKMARK = "/scatter?board=platform&from=2026-08-03&to=2026-11-18"


def _links(engine) -> pd.DataFrame:
    """Every (issue key, PR) of the board's repositories, oldest PR first."""
    with engine.connect() as conn:
        frame = pd.read_sql(
            text(
                "select l.issue_key, r.full_name, l.number, p.created, p.url"
                " from pull_issue_link l join repo r on r.id = l.repo_id"
                " join pull_request p on p.repo_id = l.repo_id and p.number = l.number"
                " join board b on b.id = r.board_id where b.slug = :slug"
            ),
            conn,
            params={"slug": BOARD},
        )
    frame["created"] = pd.to_datetime(frame["created"], utc=True, format="ISO8601")
    return frame.sort_values(["issue_key", "created", "full_name", "number"])


def _hover_line(names: list[str]) -> str:
    if not names:
        return ""
    return (
        ("<br>PR: " if len(names) == 1 else "<br>PRs: ")
        + ", ".join(names[:5])
        + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    )


def test_scatter_hover_names_the_linked_prs(page, live_app):
    links = _links(live_app["engine"])
    by_key = {
        k: [f"{r}#{n}" for r, n in zip(g["full_name"], g["number"], strict=True)]
        for k, g in links.groupby("issue_key")
    }
    page.goto(live_app["url"] + BOOKMARK)
    wait_for_charts(page, ["scatter-chart-points"])
    shown = page.evaluate(
        "() => { const g = document.querySelector('#scatter-chart-points .js-plotly-plot');"
        " const out = []; g._fullData.forEach((t, c) => { if (t.mode !== 'markers') return;"
        " t.customdata.forEach((d, i) => out.push([d[1], d[6], c, i])); }); return out; }"
    )
    assert len(shown) > 100
    for key, line, _, _ in shown:
        assert line == _hover_line(by_key.get(key, [])), key
    with_prs = [s for s in shown if s[1]]
    assert 0.3 < len(with_prs) / len(shown) < 0.85
    key, line, curve, index = with_prs[0]
    label = page.evaluate(
        """async ([c, i]) => {
            const gd = document.querySelector('#scatter-chart-points .js-plotly-plot');
            window.Plotly.Fx.hover(gd, [{curveNumber: c, pointNumber: i}]);
            await new Promise((r) => setTimeout(r, 150));
            return gd.querySelector('.hoverlayer').textContent;
        }""",
        [curve, index],
    )
    assert key in label and by_key[key][0] in label
    screenshot(page, "scatter-linked-prs")
    assert page.js_errors == []


def test_quality_lists_issues_without_prs_and_prs_without_issues(page, live_app):
    engine = live_app["engine"]
    links = _links(engine)
    with engine.connect() as conn:
        issues = pd.read_sql(
            text(
                "select i.key, i.outcome from issue i join board b on b.id = i.board_id"
                " where b.slug = :slug and i.is_subtask = :no"
            ),
            conn,
            params={"slug": BOARD, "no": False},
        )
    done = issues[issues["outcome"] == "completed"]
    alone = done[~done["key"].isin(set(links["issue_key"]))]
    projects = set(issues["key"].str.rpartition("-")[0])
    unknown = links[
        ~links["issue_key"].isin(set(issues["key"]))
        & links["issue_key"].str.rpartition("-")[0].isin(projects)
    ]
    orphans = unknown.drop_duplicates(["full_name", "number"]).sort_values(["full_name", "number"])
    assert len(alone) > 100 and len(orphans) >= 1
    page.goto(live_app["url"] + f"/quality?board={BOARD}")
    page.wait_for_selector("#quality-table", timeout=20_000)
    assert int(page.inner_text("#quality-count-completed_without_pr")) == len(alone)
    assert int(page.inner_text("#quality-count-prs_without_issue")) == len(orphans)
    section = "#quality-check-prs_without_issue"
    page.locator(f"{section} summary").click()
    first = orphans.iloc[0]
    link = page.locator(f"{section} a.quality-key").first
    assert link.inner_text() == f"{first['full_name']}#{first['number']}"
    assert link.get_attribute("href") == first["url"]
    assert "no stored issue" in page.inner_text(section)
    assert page.js_errors == []
