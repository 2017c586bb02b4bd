"""The quarterly page and the scatterplot through the Flask test client and their page
functions: METRICS.md example 5 (and example 6 pull requests) in CSVs and figures; bad
parameters, empty ranges and boards never synced give words, never a 500."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pandas as pd
import pytest
from dash import no_update

from tests.factories import example_board
from tests.web.dash_tree import text as _text
from tests.web.dash_tree import walk as _walk
from vger.config import Settings
from vger.store import boards, teams, workflows
from vger.store.db import make_engine, upgrade
from vger.store.pulls import save_pull_requests
from vger.web.params import parse
from vger.web.views.quarterly import page as quarterly
from vger.web.views.scatter import page as scatter

NOW = datetime(2024, 7, 1, 12, 0, tzinfo=UTC)  # FY2024 Q3 (January start) has just begun
RANGE = "board=example&from=2024-01-01&to=2024-01-14"


def _pr(number: int, created: str, merged: str | None, closed: str | None, plus: int, minus: int):
    at = lambda text: datetime.fromisoformat(text).replace(tzinfo=UTC) if text else None  # noqa: E731
    return {
        "number": number,
        "title": f"PR {number} <b>bold</b>",
        "author": "dev",
        "state": "merged" if merged else ("rejected" if closed else "open"),
        "draft": False,
        "created": at(created),
        "updated": at(closed or merged or created),
        "merged": at(merged),
        "closed": at(closed),
        "additions": plus,
        "deletions": minus,
        "url": f"https://github.com/acme/api/pull/{number}",
    }


@pytest.fixture
def qs_app(tmp_path):
    """The example board (UTC, fiscal year from January) plus the example 6 pull
    requests, and an empty board ``fresh`` that was never synced."""
    from vger.web import create_app

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'qs.db'}", secret_key="test-key")
    engine = make_engine(settings.database_url)
    upgrade(engine)
    board = example_board(engine)
    with engine.begin() as conn:
        repo_id = boards.add_repo(conn, board.id, "acme/api")
        save_pull_requests(
            conn,
            repo_id,
            [
                _pr(1, "2024-01-01T10:00", "2024-01-03T10:00", "2024-01-03T10:00", 100, 20),
                _pr(2, "2024-01-02T10:00", None, "2024-01-09T10:00", 5, 5),
                _pr(3, "2024-01-05T12:00", "2024-01-08T12:00", "2024-01-08T12:00", 30, 0),
            ],
        )
        teams.add_team(conn, "new-team", "New team", tz="Europe/Berlin", fiscal_start_month=4)
        boards.add_board(conn, "fresh", "new-team", name="Fresh board", jql="project = NEW")
    app = create_app(settings, engine=engine)
    app.server.config["VGER_NOW"] = NOW
    app.server.config["TESTING"] = True
    return app


@pytest.fixture
def qs_client(qs_app):
    return qs_app.server.test_client()


def _csv(client, url: str) -> pd.DataFrame:
    response = client.get(url)
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return pd.read_csv(io.StringIO(response.data.decode()), keep_default_na=False)


# ----------------------------------------------------------------------------- CSVs


def test_quarterly_throughput_csv_counts_fiscal_quarters(qs_client):
    frame = _csv(qs_client, "/download/quarterly-throughput.csv?board=example&to=2024-03-31")
    assert frame["quarter"].tolist() == ["FY2023 Q2", "FY2023 Q3", "FY2023 Q4", "FY2024 Q1"]
    assert frame["start"].tolist() == ["2023-04-01", "2023-07-01", "2023-10-01", "2024-01-01"]
    assert frame["end"].tolist()[-1] == "2024-03-31"
    assert frame["count"].tolist() == [0, 0, 0, 3]  # A, B, D completed; C abandoned
    assert frame["complete"].tolist() == [True, True, True, True]
    # likelihood over [0, 0, 0, 3]: the 50th/20th/10th percentiles (linear)
    assert frame["likelihood_50_at_least"].tolist() == [0.0] * 4
    assert set(frame.columns) >= {"likelihood_80_at_least", "likelihood_90_at_least"}


def test_quarterly_in_progress_quarter_is_left_out_of_the_likelihood(qs_client):
    frame = _csv(qs_client, "/download/quarterly-throughput.csv?board=example&quarters=6")
    assert frame["quarter"].tolist()[-1] == "FY2024 Q3"
    assert frame["complete"].tolist() == [True] * 5 + [False]
    assert frame["count"].tolist() == [0, 0, 0, 3, 0, 0]
    # complete quarters [0, 0, 0, 3, 0]: the 50th percentile is 0, none reaches 3
    assert frame["likelihood_50_at_least"].iat[0] == 0.0


def test_quarterly_throughput_with_work_type_and_fiscal_year(qs_client):
    frame = _csv(
        qs_client, "/download/quarterly-throughput.csv?board=example&to=2024-03-31&types=Defect"
    )
    assert frame["count"].tolist() == [0, 0, 0, 1]  # B only


def test_quarterly_leadtime_csv_lists_items_with_a_lead_time(qs_client):
    frame = _csv(qs_client, "/download/quarterly-leadtime.csv?board=example&to=2024-03-31")
    assert frame.columns.tolist() == ["quarter", "done", "key", "summary", "type", "days"]
    assert frame["key"].tolist() == ["EX-1", "EX-4"]  # B has no lead time
    assert frame["done"].tolist() == ["2024-01-09", "2024-01-11"]
    assert frame["quarter"].tolist() == ["FY2024 Q1", "FY2024 Q1"]
    assert frame["days"].astype(float).tolist() == pytest.approx([7.0, 9.0])


def test_quarterly_github_counts_merged_pull_requests(qs_client):
    frame = _csv(
        qs_client, "/download/quarterly-throughput.csv?board=example&source=github&to=2024-03-31"
    )
    assert frame["count"].tolist() == [0, 0, 0, 2]  # #2 was closed unmerged
    lead = _csv(
        qs_client, "/download/quarterly-leadtime.csv?board=example&source=github&to=2024-03-31"
    )
    assert lead["key"].tolist() == ["acme/api#1", "acme/api#3"]
    assert lead["days"].astype(float).tolist() == pytest.approx([2.0, 3.0])


def test_scatter_csv_rows(qs_client):
    frame = _csv(qs_client, f"/download/scatter.csv?{RANGE}")
    assert frame.columns.tolist() == [
        "key",
        "summary",
        "type",
        "work_type",
        "done",
        "days",
        "url",
        "pull_requests",
    ]
    assert frame["key"].tolist() == ["EX-1", "EX-4"]
    assert frame["pull_requests"].tolist() == ["", ""]  # its PRs name no key
    assert frame["type"].tolist() == ["Story", "Story"]
    assert frame["work_type"].tolist() == ["Feature", "Feature"]
    assert frame["done"].tolist() == ["2024-01-09T09:00:00Z", "2024-01-11T12:00:00Z"]
    assert frame["days"].astype(float).tolist() == pytest.approx([7.0, 9.0])
    assert frame["url"].tolist() == [
        "https://jira.example.com/browse/EX-1",
        "https://jira.example.com/browse/EX-4",
    ]


def test_scatter_csv_for_pull_requests(qs_client):
    frame = _csv(qs_client, f"/download/scatter.csv?{RANGE}&source=github")
    assert frame["key"].tolist() == ["acme/api#1", "acme/api#3"]
    assert frame["work_type"].tolist() == ["acme/api", "acme/api"]
    assert frame["url"].tolist() == [
        "https://github.com/acme/api/pull/1",
        "https://github.com/acme/api/pull/3",
    ]
    assert frame["summary"].iat[0] == "PR 1 <b>bold</b>"  # raw in the CSV, escaped on the chart


def test_scatter_csv_with_a_work_type_without_lead_times_is_empty(qs_client):
    frame = _csv(qs_client, f"/download/scatter.csv?{RANGE}&types=Defect")
    assert len(frame) == 0 and "key" in frame.columns


def test_bad_quarters_falls_back_to_four(qs_client, qs_app):
    frame = _csv(qs_client, "/download/quarterly-throughput.csv?board=example&quarters=7")
    assert len(frame) == 4
    with qs_app.server.test_request_context():
        tree = quarterly.layout(board="example", quarters="7")
    values = {c.id: getattr(c, "value", None) for c in _walk(tree) if getattr(c, "id", None)}
    assert values["qtr-quarters"] == 4
    assert "Ignored quarters='7': use 4, 6 or 8." in _text(tree)


@pytest.mark.parametrize(
    "url",
    [
        "/download/quarterly-throughput.csv",
        "/download/quarterly-leadtime.csv",
        "/download/scatter.csv",
    ],
)
def test_unknown_board_csv_is_a_404_that_lists_boards(qs_client, url):
    response = qs_client.get(f"{url}?board=nope")
    assert response.status_code == 404
    assert b"There is no board named" in response.data and b"example, fresh" in response.data


@pytest.mark.parametrize("module", [quarterly, scatter])
def test_unknown_board_page_lists_the_boards(qs_app, module):
    with qs_app.server.test_request_context():
        tree = module.layout(board="nope")
    text = _text(tree)
    assert "There is no board named 'nope'" in text
    assert "Example board" in text and "Fresh board" in text
    links = [c.href for c in _walk(tree) if getattr(c, "className", None) == "board-link"]
    assert all(link.startswith(f"/{module.PATH.strip('/')}?board=") for link in links)


def test_quadrant_csv_routes_still_answer(qs_client):
    assert qs_client.get(f"/download/throughput.csv?{RANGE}").status_code == 200


# ----------------------------------------------------------------------------- pages


def test_quarterly_layout_seeds_controls_from_the_url(qs_app):
    with qs_app.server.test_request_context():
        tree = quarterly.layout(board="example", to="2024-03-31", quarters="8", types="Defect")
    values = {c.id: getattr(c, "value", None) for c in _walk(tree) if getattr(c, "id", None)}
    assert values["qtr-board"] == "example" and values["qtr-to"] == "2024-03-31"
    assert values["qtr-quarters"] == 8 and values["qtr-types"] == ["Defect"]


def test_quarterly_render_draws_bars_lines_and_notes(qs_app):
    with qs_app.server.test_request_context():
        params = quarterly.params_from_controls("example", "jira", "2024-03-31", 4, [], [])
        tp, lt, note_tp, note_lt, csv_tp, csv_lt, _status = quarterly.render(params)
    assert list(tp.data[0].x) == ["FY2023 Q2", "FY2023 Q3", "FY2023 Q4", "FY2024 Q1"]
    assert list(tp.data[0].y) == [0, 0, 0, 3]
    assert [t.name for t in tp.data[1:]] == ["50 %: at least", "80 %: at least", "90 %: at least"]
    assert list(lt.data[0].y)[-1] == pytest.approx(8.0)  # median of 7 and 9
    assert list(lt.data[2].y)[-1] == pytest.approx(8.8)
    assert "4 quarters (4 complete)" in note_tp and "linear percentiles" in note_tp
    assert "team time zone UTC" in note_tp and "fiscal year starts in January" in note_tp
    assert "done − start in days" in note_lt
    assert csv_tp == "/download/quarterly-throughput.csv?board=example&to=2024-03-31"
    assert csv_lt.startswith("/download/quarterly-leadtime.csv?board=example")


def test_quarterly_keeps_from_for_the_other_pages(qs_app):
    params = quarterly.params_from_controls(
        "example", "jira", "2024-03-31", 6, [], [], start="2024-01-01"
    )
    assert params.to_query() == "board=example&from=2024-01-01&to=2024-03-31&quarters=6"
    dropped = quarterly.params_from_controls(
        "example", "jira", "2023-12-31", 4, [], [], start="2024-01-01"
    )
    assert dropped.start is None


def test_quarterly_nothing_completed_says_so(qs_app):
    with qs_app.server.test_request_context():
        params = quarterly.params_from_controls("example", "jira", "2023-06-30", 4, [], [])
        out = quarterly.render(params)
    assert "No issue was completed in the 4 quarters FY2022 Q3 to FY2023 Q2" in str(out[-1])
    assert out[0].layout.annotations[0].text.startswith("No issue was completed")


def test_never_synced_board_says_what_is_missing(qs_app):
    with qs_app.server.test_request_context():
        q = quarterly.render(quarterly.params_from_controls("fresh", "jira", None, 4, [], []))
        s = scatter.render(scatter.params_from_controls("fresh", "jira", None, None, [], []))
        pr = scatter.render(scatter.params_from_controls("fresh", "github", None, None, [], []))
    assert "No issues are stored for board Fresh board yet" in str(q[-1])
    assert "No issues are stored for board Fresh board yet" in str(s[-1])
    assert "Board Fresh board has no GitHub repositories" in str(pr[-1])


def test_scatter_render_points_lines_and_escaping(qs_app):
    with qs_app.server.test_request_context():
        fig, note, link, _status = scatter.render(
            scatter.params_from_controls("example", "github", "2024-01-01", "2024-01-14", [], [])
        )
    points = fig.data[0]
    assert points.name == "acme/api" and list(points.y) == pytest.approx([2.0, 3.0])
    assert points.customdata[0][0] == "https://github.com/acme/api/pull/1"
    assert points.customdata[0][2] == "PR 1 &lt;b&gt;bold&lt;/b&gt;"
    lines = {t.name.split(" within")[0]: list(t.y) for t in fig.data[1:]}
    assert lines["50 %"] == pytest.approx([2.5, 2.5])
    assert lines["90 %"] == pytest.approx([2.9, 2.9])
    assert "2 merged pull requests with a lead time" in note and "2 complete weeks" in note
    assert link == "/download/scatter.csv?board=example&source=github&from=2024-01-01&to=2024-01-14"


def test_scatter_colours_by_work_type_with_other_for_unmapped(qs_app):
    engine = qs_app.server.extensions["vger"]["engine"]
    with engine.begin() as conn:
        board = boards.get_board(conn, "example")
        workflows.set_work_types(conn, board.id, {"Defect": ["Bug"]})  # Story now unmapped
    with qs_app.server.test_request_context():
        fig, *_ = scatter.render(
            scatter.params_from_controls("example", "jira", "2024-01-01", "2024-01-14", [], [])
        )
    assert fig.data[0].name == "Other" and len(fig.data[0].y) == 2


def test_scatter_range_shorter_than_a_week(qs_app):
    with qs_app.server.test_request_context():
        one_day = scatter.render(
            scatter.params_from_controls("example", "jira", "2024-01-09", "2024-01-09", [], [])
        )
        empty = scatter.render(
            scatter.params_from_controls("example", "jira", "2024-02-06", "2024-02-07", [], [])
        )
        no_lead = scatter.render(
            scatter.params_from_controls(
                "example", "jira", "2024-01-01", "2024-01-03", ["Defect"], []
            )
        )
    # the whole week of 2024-01-09 counts: A and D
    assert [list(t.y) for t in one_day[0].data[:1]] == [[7.0, 9.0]]
    assert "No issue was completed between 2024-02-06 and 2024-02-07" in str(empty[-1])
    assert "1 issue was completed between 2024-01-01 and 2024-01-03" in str(no_lead[-1])
    assert "none has a lead time" in str(no_lead[-1])


def test_scatter_future_range_says_so(qs_app):
    with qs_app.server.test_request_context():
        out = scatter.render(
            scatter.params_from_controls("example", "jira", "2025-01-01", "2025-02-01", [], [])
        )
    assert "lies in the future" in str(out[-1])


def test_many_points_are_drawn_with_webgl_and_a_click_is_resolved_on_the_server(
    qs_app, monkeypatch
):
    from vger.web import cache
    from vger.web.views.scatter import figures as scatter_figures

    params = scatter.params_from_controls("example", "jira", "2024-01-01", "2024-01-14", [], [])
    with qs_app.server.test_request_context():
        small, *_ = scatter.render(params)
        monkeypatch.setattr(scatter_figures, "WEBGL_POINTS", 1)  # two points are "many"
        cache.clear()  # the page's outputs are cached per view; this one is drawn anew
        big, *_ = scatter.render(params)
        clicks = {n: scatter.clicked_url(params, {"curve": 0, "index": n}) for n in (0, 1)}
        nothing = scatter.clicked_url(params, None)
        line = scatter.clicked_url(params, {"curve": 5, "index": 0})
    assert small.data[0].type == "scatter" and small.data[0].customdata is not None
    points = big.data[0]
    assert points.type == "scattergl" and points.customdata is None
    assert list(points.y) == pytest.approx(list(small.data[0].y))  # the same lead times
    done = pd.to_datetime(list(points.x), unit="ms")
    assert [d.strftime("%Y-%m-%dT%H:%M:%S") for d in done] == list(small.data[0].x)
    assert clicks == {
        0: "https://jira.example.com/browse/EX-1",
        1: "https://jira.example.com/browse/EX-4",
    }
    assert nothing is no_update and line is no_update


@pytest.mark.parametrize("module", [scatter, quarterly])
def test_scatter_and_quarterly_are_cached(qs_app, module):
    from sqlalchemy import event

    engine = qs_app.server.extensions["vger"]["engine"]
    reads: list[str] = []

    def seen(_conn, _cursor, statement, *_args):
        if "FROM issue" in statement:
            reads.append(statement)

    params = parse({"board": "example", "from": "2024-01-01", "to": "2024-03-31"}).params
    with qs_app.server.test_request_context():
        first = module.render(params)
        event.listen(engine, "before_cursor_execute", seen)
        try:
            again = module.render(params)
        finally:
            event.remove(engine, "before_cursor_execute", seen)
    assert reads == []  # the second view reads no issue
    assert again[0].to_json() == first[0].to_json()
