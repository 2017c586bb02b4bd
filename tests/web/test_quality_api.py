"""The data-quality page, its CSV and JSON, and the rest of the JSON API (boards,
quarterly, scatter) through the Flask test client: the example board of
tests/factories.py plus two issues added through the real load path. Unknown boards
are a 404 in words, bad parameters give notices and never a 500, HTML in summaries
stays text."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pandas as pd
import pytest

from tests.factories import NAMES, example_board, utc
from tests.web.test_admin import login, make_app
from vger.config import Settings
from vger.store import boards, teams, workflows
from vger.store import sync as store_sync
from vger.store.db import make_engine, upgrade
from vger.store.issues import save_issues
from vger.web.params import parse

NOW = datetime(2024, 2, 1, 12, 0, tzinfo=UTC)
EVIL = '<script>alert("x")</script><b>bold</b> & more'


def _issue(issue_id, key, issue_type, created, status_id, status, resolution, summary=""):
    return {
        "issue_id": issue_id,
        "key": key,
        "issue_type": issue_type,
        "is_subtask": False,
        "parent_key": None,
        "summary": summary or f"{key} summary",
        "status_id": status_id,
        "status_name": status,
        "resolution": resolution,
        "created": utc(created),
        "updated": utc(created),
    }


def _moves(issue_id, *steps):
    names = {**NAMES, "9": "Blocked"}
    return [
        {
            "issue_id": issue_id,
            "seq": k,
            "at": utc(at),
            "from_status_id": a,
            "to_status_id": b,
            "from_status": names[a],
            "to_status": names[b],
        }
        for k, (a, b, at) in enumerate(steps)
    ]


@pytest.fixture
def engine(tmp_path):
    """Example 5 plus EX-5 (a Story now in the unmapped status Blocked, HTML in its
    summary) and EX-6 (a Bug done without a resolution), and a board ``fresh`` that has
    no work states and no issues."""
    engine = make_engine(f"sqlite:///{tmp_path / 'quality.db'}")
    upgrade(engine)
    board = example_board(engine)
    with engine.begin() as conn:
        workflows.upsert_statuses(conn, board.id, [{"status_id": "9", "name": "Blocked"}])
        save_issues(
            conn,
            boards.get_board(conn, "example"),
            [
                _issue("105", "EX-5", "Story", "2024-01-10 09:00", "9", "Blocked", None, EVIL),
                _issue("106", "EX-6", "Bug", "2024-01-10 09:00", "5", "Done", None),
            ],
            _moves("105", ("1", "3", "2024-01-11 09:00"), ("3", "9", "2024-01-12 09:00"))
            + _moves("106", ("1", "2", "2024-01-11 09:00"), ("2", "5", "2024-01-12 09:00")),
        )
        teams.add_team(conn, "new-team", "New team", tz="Europe/Berlin")
        boards.add_board(conn, "fresh", "new-team", name="Fresh board", jql="project = NEW")
    return engine


@pytest.fixture
def app(tmp_path, engine):
    from vger.web import create_app

    settings = Settings(_env_file=None, database_url=str(engine.url), secret_key="test-key")
    app = create_app(settings, engine=engine)
    app.server.config["VGER_NOW"] = NOW
    app.server.config["TESTING"] = True
    return app


@pytest.fixture
def client(app):
    return app.server.test_client()


ALL = {
    "history_cut": [],
    "completed_without_start": ["EX-2"],
    "unmapped_now": ["EX-5"],
    "unmapped_statuses": ["EX-5"],
    "done_without_resolution": ["EX-6"],
    "resolved_not_done": [],
    "reopened": ["EX-4"],
    "backward_moves": ["EX-1"],
    "skipped_interval": ["EX-2"],
    "entered_late": [],
    "before_created": [],
    "out_of_order": [],
    "long_lead_times": [],
    "stuck": [],
    "flagged_long": [],
}
DEFECTS = {k: [] for k in ALL} | {
    "completed_without_start": ["EX-2"],
    "done_without_resolution": ["EX-6"],
    "skipped_interval": ["EX-2"],
}


def _json(client, url, status=200) -> dict:
    response = client.get(url)
    assert response.status_code == status, response.data[:300]
    assert response.mimetype == "application/json"
    return json.loads(response.data)


def _csv(client, url) -> pd.DataFrame:
    response = client.get(url)
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return pd.read_csv(io.StringIO(response.get_data(as_text=True)), keep_default_na=False)


# --- quality: JSON, CSV ---------------------------------------------------------------------


@pytest.mark.parametrize(("query", "expected"), [("", ALL), ("&types=Defect", DEFECTS)])
def test_quality_json_lists_each_check(client, query, expected):
    body = _json(client, f"/api/v1/quality?board=example{query}")
    assert body["board"] == "example" and body["notices"] == []
    assert body["issues_checked"] == (6 if not query else 3)
    got = {c["id"]: [i["key"] for i in c["issues"]] for c in body["checks"]}
    assert got == expected
    counts = {c["id"]: c["count"] for c in body["checks"]}
    assert counts == {k: len(v) for k, v in expected.items()}
    for check in body["checks"]:
        assert check["why"].endswith(".")
        for item in check["issues"]:
            assert item["url"] == f"https://jira.example.com/browse/{item['key']}"
    assert body["empty"] is None


def test_quality_unmapped_status_named_in_words(client):
    body = _json(client, "/api/v1/quality?board=example")
    checks = {c["id"]: c for c in body["checks"]}
    assert checks["unmapped_statuses"]["unit"] == "statuses"
    assert checks["unmapped_now"]["issues"][0]["detail"] == "now in Blocked (status id 9)"


def test_quality_csv_is_the_json(client):
    frame = _csv(client, "/download/quality.csv?board=example")
    assert list(frame.columns) == ["check", "key", "detail"]
    expected = [(check, key) for check, keys in ALL.items() for key in keys]
    assert list(zip(frame["check"], frame["key"], strict=True)) == expected
    defects = _csv(client, "/download/quality.csv?board=example&types=Defect")
    assert sorted(set(defects["key"])) == ["EX-2", "EX-6"]


def test_quality_unknown_board_and_bad_parameters(client):
    body = _json(client, "/api/v1/quality?board=nope", 404)
    assert body == {"error": "There is no board named 'nope'."}
    assert client.get("/download/quality.csv?board=nope").status_code == 404
    body = _json(client, "/api/v1/quality?board=example&types=Nope,Defect&from=yesterday")
    assert any("Nope" in n for n in body["notices"])
    assert any("from" in n for n in body["notices"])
    assert body["types"] == ["Defect"]


def test_quality_board_without_work_states_says_so(client):
    body = _json(client, "/api/v1/quality?board=fresh")
    assert body["checks"] == [] and "no work states" in body["empty"]
    assert _csv(client, "/download/quality.csv?board=fresh").empty


@pytest.fixture
def crowded(engine):
    """The example board plus EX-7 … EX-17: eleven more Bugs done without a resolution,
    so that check lists twelve issues (EX-6 … EX-17)."""
    extra = range(7, 18)
    with engine.begin() as conn:
        save_issues(
            conn,
            boards.get_board(conn, "example"),
            [
                _issue(str(100 + k), f"EX-{k}", "Bug", "2024-01-10 09:00", "5", "Done", None)
                for k in extra
            ],
            [
                move
                for k in extra
                for move in _moves(
                    str(100 + k), ("1", "2", "2024-01-11 09:00"), ("2", "5", "2024-01-12 09:00")
                )
            ],
        )
    return engine


UNRESOLVED = [f"EX-{k}" for k in range(6, 18)]


def test_quality_json_lists_one_page_per_check(crowded, client):
    body = _json(client, "/api/v1/quality?board=example")
    unresolved = next(c for c in body["checks"] if c["id"] == "done_without_resolution")
    assert body["page"] == 1 and body["limit"] == 50
    assert unresolved["count"] == 12 and unresolved["issues_listed"] == 12
    assert [i["key"] for i in unresolved["issues"]] == UNRESOLVED
    pages = {
        n: _json(client, f"/api/v1/quality?board=example&limit=5&page={n}") for n in (1, 2, 3, 4)
    }
    for n, page in pages.items():
        checks = {c["id"]: c for c in page["checks"]}
        assert checks["done_without_resolution"]["pages"] == 3
        assert checks["done_without_resolution"]["count"] == 12  # counts never paged
        got = [i["key"] for i in checks["done_without_resolution"]["issues"]]
        assert got == UNRESOLVED[(n - 1) * 5 : n * 5]
        assert [i["key"] for i in checks["reopened"]["issues"]] == (["EX-4"] if n == 1 else [])
        assert page["notices"] == []


def test_quality_json_pages_one_check(crowded, client):
    body = _json(
        client, "/api/v1/quality?board=example&check=done_without_resolution&limit=10&page=2"
    )
    assert [c["id"] for c in body["checks"]] == ["done_without_resolution"]
    assert [i["key"] for i in body["checks"][0]["issues"]] == ["EX-16", "EX-17"]


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("page=0", "page='0' is not a whole number from 1 to"),
        ("page=two", "page='two' is not a whole number"),
        ("limit=5000", "limit='5000' is not a whole number from 1 to 1000"),
        ("check=nope", "There is no check 'nope'"),
    ],
)
def test_quality_json_bad_paging_falls_back_in_words(crowded, client, query, words):
    body = _json(client, f"/api/v1/quality?board=example&{query}")
    assert any(words in n for n in body["notices"]), body["notices"]
    plain = _json(client, "/api/v1/quality?board=example")
    assert body["page"] == 1 and body["limit"] == 50
    assert [c["id"] for c in body["checks"]] == [c["id"] for c in plain["checks"]]


def test_quality_csv_streams_every_row(crowded, client):
    response = client.get("/download/quality.csv?board=example")
    assert response.is_streamed
    frame = pd.read_csv(io.StringIO(response.get_data(as_text=True)), keep_default_na=False)
    unresolved = frame[frame["check"] == "done_without_resolution"]
    assert list(unresolved["key"]) == UNRESOLVED


def test_quality_csv_is_the_reports_rows_and_the_same_when_cached(crowded, app, client):
    """The CSV's rows are written once and kept with the report: a second download is
    the same body, the rows of quality_csv_chunks (every check, every listed issue)."""
    from vger.web.views.common import choose_board
    from vger.web.views.quality.data import quality_data
    from vger.web.views.quality.export import CSV_COLUMNS, quality_csv_chunks

    first = client.get("/download/quality.csv?board=example").get_data(as_text=True)
    assert client.get("/download/quality.csv?board=example").get_data(as_text=True) == first
    with app.server.test_request_context(), crowded.connect() as conn:
        data = quality_data(conn, choose_board(conn, parse({"board": ["example"]}).params), NOW)
    rows = pd.concat(list(quality_csv_chunks(data)), ignore_index=True)
    assert len(rows) > 12
    assert first == rows[CSV_COLUMNS].to_csv(index=False)


# --- the rest of the API --------------------------------------------------------------------


def test_boards_api(client, engine):
    body = _json(client, "/api/v1/boards")
    teams = {t["slug"]: t for t in body["teams"]}
    assert set(teams) == {"ex-team", "new-team"}
    (example,) = teams["ex-team"]["boards"]
    assert example == {
        "slug": "example",
        "name": "Example board",
        "time_zone": "UTC",
        "work_types": {"Defect": ["Bug"], "Feature": ["Story"]},
        "repositories": [],
        "last_successful_sync": None,
    }
    assert teams["new-team"]["time_zone"] == "Europe/Berlin"
    with engine.begin() as conn:
        board = boards.get_board(conn, "example")
        boards.add_repo(conn, board.id, "acme/api")
        run = store_sync.start_run(conn, "jira", "example", board.id)
        store_sync.finish_run(conn, run, "ok")
    (example,) = {t["slug"]: t for t in _json(client, "/api/v1/boards")["teams"]}["ex-team"][
        "boards"
    ]
    assert example["repositories"] == ["acme/api"]
    assert datetime.fromisoformat(example["last_successful_sync"]).tzinfo is not None


RANGE = "board=example&from=2024-01-01&to=2024-01-14"


def test_scatter_api_is_the_scatter_csv(client):
    body = _json(client, f"/api/v1/scatter?{RANGE}")
    csv = _csv(client, f"/download/scatter.csv?{RANGE}")
    assert [p["key"] for p in body["points"]] == list(csv["key"]) == ["EX-1", "EX-4", "EX-6"]
    assert [p["days"] for p in body["points"]] == [7.0, 9.0, 1.0]  # EX-6: Selected → Done
    assert body["levels"] == pytest.approx({"50": 7.0, "80": 8.2, "90": 8.6})
    assert body["from"] == "2024-01-01" and body["to"] == "2024-01-14"
    assert body["points"][0]["url"] == "https://jira.example.com/browse/EX-1"


def test_quarterly_api_is_the_quarterly_csv(client):
    body = _json(client, "/api/v1/quarterly?board=example&to=2024-03-31")
    csv = _csv(client, "/download/quarterly-throughput.csv?board=example&to=2024-03-31")
    assert [q["quarter"] for q in body["throughput"]] == list(csv["quarter"])
    assert [q["count"] for q in body["throughput"]] == list(csv["count"])
    last = body["throughput"][-1]
    assert last["quarter"] == "FY2024 Q1" and last["count"] == 4  # EX-1, EX-2, EX-4, EX-6
    lead = {q["quarter"]: q for q in body["lead_time"]}
    assert lead["FY2024 Q1"]["n"] == 3 and lead["FY2024 Q1"]["50"] == 7.0


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/quarterly?board=nope",
        "/api/v1/scatter?board=nope",
        "/api/v1/quality?board=nope",
    ],
)
def test_unknown_board_is_a_json_404_in_words(client, url):
    assert _json(client, url, 404) == {"error": "There is no board named 'nope'."}


BAD = [
    "board=example&from=2024-13-45&to=nonsense",
    "board=example&quarters=9&source=svn",
    "board=example&types=%3Cb%3E&repos=x/y",
    "board=example&from=2024-02-01&to=2024-01-01",
    "board=example&window=-3&lines=zig",
    "board=fresh&source=github",
    "board=fresh",
    "board=" + "x" * 300,
    "board=example&board=fresh",
]


@pytest.mark.parametrize("query", BAD)
@pytest.mark.parametrize("path", ["/api/v1/quarterly", "/api/v1/scatter", "/api/v1/quality"])
def test_bad_parameters_never_500(client, path, query):
    response = client.get(f"{path}?{query}")
    assert response.status_code in (200, 404), (path, query, response.data[:300])
    body = json.loads(response.data)
    assert "error" in body or isinstance(body["notices"], list)


def test_bad_parameters_give_notices(client):
    body = _json(client, "/api/v1/scatter?board=example&from=2024-13-45&source=svn")
    assert len(body["notices"]) >= 2
    body = _json(client, "/api/v1/quarterly?board=example&quarters=9")
    assert any("quarters" in n for n in body["notices"]) and body["quarters"] == 4


def test_require_login_protects_the_new_api(tmp_path):
    app, _ = make_app(tmp_path, example=True, require_login=True)
    client = app.server.test_client()
    urls = [
        "/api/v1/boards",
        "/api/v1/quarterly?board=example",
        "/api/v1/scatter?board=example",
        "/api/v1/quality?board=example",
        "/download/quality.csv?board=example",
    ]
    for url in urls:
        assert client.get(url).status_code == 401, url
    assert client.get("/quality?board=example").status_code in (302, 401)
    login(client)
    for url in urls:
        assert client.get(url).status_code == 200, url
