"""/aging, /distributions and /wip through the Flask test client and their page
functions, on docs/metrics.md example 5 plus the open items E and F of the aging worked
example: CSVs and JSON twins checked against the hand-computed values of the docs."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from tests.factories import example_board, issue, moves
from vger.config import Settings
from vger.store import boards
from vger.store.db import make_engine, upgrade
from vger.store.issues import save_issues
from vger.store.wip_reads import aging_rows, wip_rows
from vger.web.params import parse
from vger.web.views.aging import page as aging
from vger.web.views.distributions import page as distributions
from vger.web.views.wip import page as wip

NOW = datetime(2024, 1, 15, 9, 0, tzinfo=UTC)  # Monday: weeks 01-01 and 01-08 complete
RANGE = "from=2024-01-01&to=2024-01-14"
HOSTILE = "<img src=x onerror=alert(1)>"


def _open_rows() -> tuple[list, list]:
    """E (Story) and F (Bug) of the aging worked example, F with a hostile summary."""
    rows = [
        issue("105", "EX-5", "Story", "2024-01-08 09:00", "In Progress", None),
        issue("106", "EX-6", "Bug", "2024-01-02 09:00", "In Review", None, summary=HOSTILE),
    ]
    history = moves(
        "105",
        ("To Do", "Selected", "2024-01-09 09:00"),
        ("Selected", "In Progress", "2024-01-10 09:00"),
    ) + moves(
        "106",
        ("To Do", "Selected", "2024-01-03 09:00"),
        ("Selected", "In Progress", "2024-01-03 15:00"),
        ("In Progress", "In Review", "2024-01-04 09:00"),
    )
    return rows, history


def _open_items(engine) -> None:
    with engine.begin() as conn:
        save_issues(conn, boards.get_board(conn, "example"), *_open_rows())


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'aging.db'}")
    upgrade(engine)
    example_board(engine)
    _open_items(engine)
    return engine


@pytest.fixture
def app(engine):
    from vger.web import create_app

    settings = Settings(database_url=str(engine.url), secret_key="test-key")
    app = create_app(settings, engine=engine)
    app.server.config["VGER_NOW"] = NOW
    app.server.config["TESTING"] = True
    return app


@pytest.fixture
def client(app):
    return app.server.test_client()


def _csv(client, url: str) -> pd.DataFrame:
    response = client.get(url)
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return pd.read_csv(io.StringIO(response.data.decode()), keep_default_na=False, dtype=str)


def test_aging_csv_is_the_worked_example_a_few_days_later(client):
    # At Mon 01-15 09:00: E started 01-09 09:00 (age 6.0), in Doing since 01-10 09:00
    # (5.0); F started 01-03 09:00 (12.0), in Review since 01-04 09:00 (11.0). Bands from
    # A and D: Doing 50 % = 7.5 (E within), Review 95 % = 8.9 (F past it).
    frame = _csv(client, f"/download/aging.csv?{RANGE}").set_index("key")
    assert sorted(frame.index) == ["EX-5", "EX-6"]
    assert frame.loc["EX-5", ["state", "age_days", "days_in_state", "passed_percentile"]].tolist() == [
        "Doing", "6.0", "5.0", "0",
    ]  # fmt: skip
    assert frame.loc["EX-6", ["state", "age_days", "days_in_state", "passed_percentile"]].tolist() == [
        "Review", "12.0", "11.0", "95",
    ]  # fmt: skip
    assert frame.loc["EX-6", "state_since"] == "2024-01-04T09:00:00Z"
    assert frame.loc["EX-6", "url"] == "https://jira.example.com/browse/EX-6"
    assert frame.loc["EX-6", "work_type"] == "Defect"


def test_aging_json_twin_has_the_rows_and_the_bands(client):
    body = client.get(f"/api/v1/aging?{RANGE}").get_json()
    assert body["empty"] is None and body["unit"] == "days"
    bands = {b["state"]: b for b in body["bands"]}
    assert [bands["Review"][f"p{k}"] for k in (50, 70, 85, 95)] == pytest.approx([8, 8.4, 8.7, 8.9])
    assert bands["Doing"]["items"] == 2
    rows = {r["key"]: r for r in body["rows"]}
    assert rows["EX-6"]["passed_percentile"] == 95 and rows["EX-5"]["age_days"] == 6.0


def test_aging_json_pages_its_rows(client):
    every = client.get(f"/api/v1/aging?{RANGE}").get_json()
    keys = [r["key"] for r in every["rows"]]
    assert every["rows_total"] == len(keys) == 2 and every["pages"] == 1
    second = client.get(f"/api/v1/aging?{RANGE}&limit=1&page=2").get_json()
    assert (second["page"], second["limit"], second["pages"]) == (2, 1, 2)
    assert [r["key"] for r in second["rows"]] == keys[1:] and second["rows_total"] == 2
    past = client.get(f"/api/v1/aging?{RANGE}&limit=1&page=3").get_json()
    assert past["rows"] == [] and past["rows_total"] == 2
    bad = client.get(f"/api/v1/aging?{RANGE}&limit=0&page=x").get_json()
    assert [r["key"] for r in bad["rows"]] == keys and bad["limit"] == 1000
    assert any("limit='0'" in n for n in bad["notices"])
    assert any("page='x'" in n for n in bad["notices"])


def test_aging_work_type_filter(client):
    frame = _csv(client, f"/download/aging.csv?{RANGE}&types=Defect")
    assert frame["key"].tolist() == ["EX-6"]
    # only Defects completed: none in the range (B has no start), so no band is passed
    assert frame["passed_percentile"].tolist() == ["0"]


def test_aging_page_points_open_jira_and_escape_the_summary(app):
    with app.server.app_context():
        figure, note, link, _ = aging.render(
            parse({"from": ["2024-01-01"], "to": ["2024-01-14"]}).params
        )
    points = [t for t in figure.data if t.type == "scatter"]
    custom = [c for t in points for c in t.customdata]
    assert sorted(c[0] for c in custom) == [
        "https://jira.example.com/browse/EX-5",
        "https://jira.example.com/browse/EX-6",
    ]
    assert HOSTILE not in str(figure.to_plotly_json())
    assert "&lt;img src=x onerror=alert(1)&gt;" in [c[2] for c in custom]
    ticks = list(figure.layout.xaxis.ticktext)
    assert ticks == ["Ready", "Doing", "Review"]
    assert "2 items started and not done" in note and "the 2 items completed" in note
    assert link.startswith("/download/aging.csv?")


def test_aging_of_pull_requests_without_repositories_says_so(app):
    with app.server.app_context():
        out = aging.render(parse({"source": ["github"]}).params)
    assert "has no GitHub repositories" in str(out[-1].children)


def test_wip_and_net_flow_csvs_are_the_worked_example(client):
    # E and F are in progress too: E from 01-09 09:00, F from 01-03 09:00.
    frame = _csv(client, f"/download/wip.csv?{RANGE}")
    assert frame["wip"].astype(int).tolist() == [0, 2, 4, 4, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2]
    flow = _csv(client, f"/download/netflow.csv?{RANGE}")
    assert flow[["week", "arrivals", "departures", "net"]].values.tolist() == [
        ["2024-01-01", "4", "1", "3"],
        ["2024-01-08", "1", "2", "-1"],
    ]
    body = client.get(f"/api/v1/netflow?{RANGE}").get_json()
    assert [r["net"] for r in body["rows"]] == [3, -1]


def test_distribution_csvs(client):
    lead = _csv(client, f"/download/leadtime-histogram.csv?{RANGE}")
    counts = dict(zip(lead["days_from"], lead["items"], strict=True))
    assert {k: v for k, v in counts.items() if v != "0"} == {"7": "1", "9": "1"}  # A, D
    assert set(lead["within_50"]) == {"8.0"} and set(lead["within_90"]) == {"8.8"}
    weekly = _csv(client, f"/download/throughput-histogram.csv?{RANGE}")
    assert weekly[["items_from", "weeks"]].values.tolist() == [["0", "0"], ["1", "1"], ["2", "1"]]
    assert set(weekly["likelihood_50_at_least"]) == {"1.5"}  # weeks [1, 2]


def test_pages_render_two_charts_and_the_navigation(app, client):
    with app.server.app_context():
        params = parse({"from": ["2024-01-01"], "to": ["2024-01-14"]}).params
        d = distributions.render(params)
        w = wip.render(params)
    assert [len(d), len(w)] == [7, 7]
    assert d[2].startswith("/download/leadtime-histogram.csv?") and d[5].startswith(
        "/download/throughput-histogram.csv?"
    )
    assert w[2].startswith("/download/wip.csv?") and w[5].startswith("/download/netflow.csv?")
    assert list(w[0].data[0].y) == [0, 2, 4, 4, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2]
    # the navigation is the shell's navbar, drawn with the page's layout
    referrer = {"Referer": "http://localhost/aging?board=example"}
    shell = json.dumps(client.get("/_dash-layout", headers=referrer).get_json())
    assert '"/wip?board=example' in shell and '"/distributions?board=example' in shell


@pytest.mark.parametrize(
    "url", ["/download/aging.csv", "/download/wip.csv", "/download/netflow.csv"]
)
def test_unknown_board_is_a_404_in_words(client, url):
    response = client.get(f"{url}?board=nope")
    assert response.status_code == 404
    assert b"There is no board named" in response.data


def test_bad_dates_fall_back_with_a_notice(client):
    body = client.get("/api/v1/wip?from=yesterday&to=2024-13-45").get_json()
    assert body["notices"] and body["rows"]


def test_reads_are_bounded_by_the_range(engine):
    with engine.connect() as conn:
        board = boards.get_board(conn, "example")
        late = datetime(2024, 1, 12, tzinfo=UTC), datetime(2024, 1, 19, tzinfo=UTC)
        issues = aging_rows(conn, board, *late)
        rows = wip_rows(conn, board, *late)
    # A was done 01-09: out of the bands' range; D (done 01-11) too; E, F are open, read
    # with their stored marks (no history is read)
    assert sorted(issues["key"]) == ["EX-5", "EX-6"]
    marks = issues.set_index("key")
    assert marks["state_since"].notna().all() and marks["leave_days"].isna().all()
    # in progress at some time of [01-12, 01-19): E and F only (D left 01-11)
    assert sorted(rows["key"]) == ["EX-5", "EX-6"]


def test_open_pull_requests_age_since_created_on_the_demo(tmp_path):
    from sqlalchemy import text

    from vger.demo import build_demo
    from vger.web import create_app

    now = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
    engine = make_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    upgrade(engine)
    build_demo(engine, seed=7, now=now)
    app = create_app(Settings(database_url=str(engine.url), secret_key="k"), engine=engine)
    app.server.config["VGER_NOW"] = now
    frame = _csv(app.server.test_client(), "/download/aging.csv?board=platform&source=github")
    with engine.connect() as conn:
        open_prs = pd.read_sql(
            text(
                "select r.full_name || '#' || p.number as key, p.created from pull_request p"
                " join repo r on r.id = p.repo_id join board b on b.id = r.board_id"
                " where b.slug = 'platform' and p.merged is null and p.closed is null"
            ),
            conn,
        )
    assert sorted(frame["key"]) == sorted(open_prs["key"]) and len(frame) > 3
    created = pd.to_datetime(open_prs.set_index("key")["created"], utc=True)
    ages = (pd.Timestamp(now) - created).dt.total_seconds() / 86400
    got = frame.set_index("key")["age_days"].astype(float)
    assert got.to_dict() == pytest.approx(ages.round(4).to_dict(), abs=1e-4)
    assert set(frame["state"]) == {"open"} and frame["url"].str.startswith("https://").all()


def test_aging_marks_items_flagged_in_jira(engine, app, client):
    """Issue 15 item 7 on the aging view. EX-6 flagged from 01-05 09:00 and still flagged
    at 01-15 09:00: 10.0 days, flagged now; EX-5 flagged 01-10 09:00 to 01-11 09:00:
    1.0 day, not flagged now."""
    from tests.factories import utc

    with engine.begin() as conn:
        board = boards.get_board(conn, "example")
        flags = [
            {"issue_id": "106", "seq": 0, "at": utc("2024-01-05 09:00"), "flagged": True},
            {"issue_id": "105", "seq": 0, "at": utc("2024-01-10 09:00"), "flagged": True},
            {"issue_id": "105", "seq": 1, "at": utc("2024-01-11 09:00"), "flagged": False},
        ]
        rows, history = _open_rows()
        save_issues(conn, board, rows, history, flags=flags)
    frame = _csv(client, f"/download/aging.csv?{RANGE}").set_index("key")
    assert frame.loc["EX-6", ["flagged_now", "days_flagged"]].tolist() == ["True", "10.0"]
    assert frame.loc["EX-5", ["flagged_now", "days_flagged"]].tolist() == ["False", "1.0"]
    with app.server.app_context():
        figure = aging.render(
            parse({"board": "example", "from": "2024-01-01", "to": "2024-01-14"}).params
        )[0]
    points = {
        str(c[1]): (trace.marker.symbol[k], c[7])
        for trace in figure.data
        if trace.customdata is not None and np.ndim(trace.customdata) == 2  # the item points
        for k, c in enumerate(trace.customdata)
    }
    # plotly.js's marker symbol codes: 4 draws "x", 0 "circle"
    assert points["EX-6"] == (4, "<br>⚑ flagged now · 10.0 days flagged")
    assert points["EX-5"] == (0, "<br>1.0 days flagged")


def test_a_crowded_state_draws_its_oldest_items_and_says_how_many_are_not_drawn():
    from vger.web.views.aging.figures import drawn

    items = pd.DataFrame(
        {
            "position": [1] * 5 + [2] * 2,
            "age": [9.0, 7.0, 5.0, 3.0, 1.0, 4.0, 2.0],
            "key": ["A", "B", "C", "D", "E", "F", "G"],
        }
    )
    assert drawn(items, most=3)["key"].tolist() == ["A", "B", "C", "F", "G"]
    assert drawn(items, most=10)["key"].tolist() == list("ABCDEFG")


def test_a_store_without_aging_marks_gets_them_on_upgrade(engine, client):
    """Rows stored before revision 0010 have no marks: ``vger db upgrade`` re-derives
    their boards, and the view then answers what it answered before."""
    from alembic import command

    from vger.store.db import alembic_config

    before = _csv(client, f"/download/aging.csv?{RANGE}")
    command.downgrade(alembic_config(engine), "0009_pr_review_stages")  # no marks there
    upgrade(engine)
    with engine.connect() as conn:
        missing = conn.exec_driver_sql(
            "SELECT count(*) FROM issue WHERE start IS NOT NULL AND state_since IS NULL"
        ).scalar()
    assert missing == 0
    from vger.web import cache

    with client.application.app_context():
        cache.clear()
    assert _csv(client, f"/download/aging.csv?{RANGE}").equals(before)
