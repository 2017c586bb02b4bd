"""The quadrant through the Flask test client and its page functions: METRICS.md
example 5 numbers in CSVs, JSON and figures; bad parameters give words, never a 500."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from vger.web.views.quadrant import page as quadrant

RANGE = "board=example&from=2024-01-01&to=2024-01-14"


def _csv(client, url: str) -> pd.DataFrame:
    response = client.get(url)
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return pd.read_csv(io.StringIO(response.data.decode()), keep_default_na=False)


def test_health_reports_store(client):
    assert client.get("/health").get_json() == {"status": "ok", "store": "ok"}


def test_throughput_csv_matches_worked_example(client):
    frame = _csv(client, f"/download/throughput.csv?{RANGE}")
    assert frame["week"].tolist() == ["2024-01-01", "2024-01-08"]
    assert frame["count"].tolist() == [1, 2]
    assert frame["keys"].tolist() == ["EX-2", "EX-1 EX-4"]


def test_throughput_csv_with_work_type_filter(client):
    frame = _csv(client, f"/download/throughput.csv?{RANGE}&types=Defect")
    assert frame["count"].tolist() == [1, 0]


def test_leadtime_csv_has_days_per_state(client):
    frame = _csv(client, f"/download/leadtime.csv?{RANGE}").set_index("key")
    assert float(frame.loc["EX-1", "days"]) == pytest.approx(7.0)
    assert float(frame.loc["EX-4", "days"]) == pytest.approx(9.0)
    assert (
        frame.loc["EX-1", ["days_Ready", "days_Doing", "days_Review"]].astype(float).tolist()
    ) == pytest.approx([1.0, 4.5, 1.5])
    assert float(frame.loc["EX-4", "days_Done"]) == pytest.approx(6.0)
    assert frame.loc["EX-2", "days"] == ""  # completed without start: no lead time
    assert "EX-3" not in frame.index  # abandoned


@pytest.mark.parametrize("chart", ["throughput", "leadtime", "backlog", "variation"])
def test_csv_downloads_stream_the_same_body_twice(client, chart):
    first = client.get(f"/download/{chart}.csv?{RANGE}")
    assert first.is_streamed  # written piece by piece, never one big string
    body = first.get_data(as_text=True)
    assert body.count("\n") >= 2 and body.splitlines()[0].startswith(("week", "key"))
    assert client.get(f"/download/{chart}.csv?{RANGE}").get_data(as_text=True) == body  # cached


def test_backlog_csv_absolute_and_relative(client):
    absolute = _csv(client, f"/download/backlog.csv?{RANGE}")
    assert absolute[["created", "completed", "abandoned"]].values.tolist() == [[4, 1, 1], [4, 3, 1]]
    relative = _csv(
        client,
        "/download/backlog.csv?board=example&from=2024-01-08&to=2024-01-14&backlog=relative",
    )
    assert relative[["created", "completed", "abandoned"]].values.tolist() == [[0, 2, 0]]


def test_api_matches_csv_and_reports_notices(client):
    body = client.get(f"/api/v1/quadrant?{RANGE}&window=zz").get_json()
    assert [w["count"] for w in body["throughput"]] == [1, 2]
    assert body["lead_time"]["overall"]["50"] == pytest.approx(8.0)
    assert any("window" in n for n in body["notices"])


def test_api_lists_one_page_of_each_weeks_keys_and_the_csv_every_key(client):
    csv = _csv(client, f"/download/throughput.csv?{RANGE}")
    whole = client.get(f"/api/v1/quadrant?{RANGE}").get_json()
    assert (whole["page"], whole["limit"], whole["pages"]) == (1, 100, 1)
    assert [w["keys"] for w in whole["throughput"]] == csv["keys"].tolist()
    pages = [client.get(f"/api/v1/quadrant?{RANGE}&limit=1&page={n}").get_json() for n in (1, 2, 3)]
    assert [p["pages"] for p in pages] == [2, 2, 2]  # the busiest week has 2 keys
    assert [[w["keys"] for w in p["throughput"]] for p in pages] == [
        ["EX-2", "EX-1"],
        ["", "EX-4"],  # in the CSV's order: by done time
        ["", ""],  # past the last page: nothing
    ]
    for p in pages:  # the counts, lines and everything else do not page
        assert [w["count"] for w in p["throughput"]] == [1, 2]
        assert {k: v for k, v in p.items() if k not in ("throughput", "page", "limit")} == {
            k: v for k, v in whole.items() if k not in ("throughput", "page", "limit")
        } | {"pages": 2}
        assert [{k: v for k, v in w.items() if k != "keys"} for w in p["throughput"]] == [
            {k: v for k, v in w.items() if k != "keys"} for w in whole["throughput"]
        ]


@pytest.mark.parametrize("query", ["limit=0", "limit=10001", "limit=x", "page=0", "page=-1"])
def test_api_bad_page_or_limit_is_a_notice_and_the_default(client, query):
    body = client.get(f"/api/v1/quadrant?{RANGE}&{query}").get_json()
    name = query.split("=")[0]
    assert (body["page"], body["limit"]) == (1, 100)
    assert any(n.startswith(f"{name}=") for n in body["notices"]), body["notices"]
    assert [w["keys"] for w in body["throughput"]] == ["EX-2", "EX-1 EX-4"]


@pytest.mark.parametrize(
    "query",
    [
        "board=nope",
        "board=%27%20OR%201%3D1%20--",
        "from=garbage&to=2024-99-99",
        "types=%3Cscript%3E",
        "window=1e9",
        "source=gitlab",
        "lines=%00",
    ],
)
def test_bad_parameters_never_500(client, query):
    for url in (
        f"/download/throughput.csv?{query}",
        f"/api/v1/quadrant?{query}",
        f"/quadrant?{query}",
    ):
        response = client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        assert b"Traceback" not in response.data


def test_unknown_board_csv_is_a_404_in_words(client):
    response = client.get("/download/throughput.csv?board=nope")
    assert response.status_code == 404
    assert b"There is no board named" in response.data


def test_unknown_chart_is_a_404_page(client):
    response = client.get("/download/nope.csv")
    assert response.status_code == 404 and b"There is no chart" in response.data


def test_layout_seeds_controls_from_the_url(example_app):
    with example_app.server.test_request_context():
        tree = quadrant.layout(
            board="example",
            **{"from": "2024-01-01", "to": "2024-01-14"},
            types="Defect",
            lines="straight",
            window="6",
            tags="1",
        )
    values = {c.id: getattr(c, "value", None) for c in _walk(tree) if getattr(c, "id", None)}
    assert values["quad-board"] == "example"
    assert values["quad-from"] == "2024-01-01" and values["quad-to"] == "2024-01-14"
    assert values["quad-types"] == ["Defect"] and values["quad-lines"] == "straight"
    assert values["quad-window"] == 6 and values["quad-tags"] == ["1"]


def test_layout_for_unknown_board_lists_boards(example_app):
    with example_app.server.test_request_context():
        tree = quadrant.layout(board="nope")
    text = " ".join(str(getattr(c, "children", "")) for c in _walk(tree))
    assert "There is no board named 'nope'" in text and "Example board" in text


def test_layout_shows_notices_for_bad_values(example_app):
    with example_app.server.test_request_context():
        tree = quadrant.layout(board="example", window="400", types="Nope")
    text = " ".join(str(getattr(c, "children", "")) for c in _walk(tree))
    assert "Ignored window='400'" in text and "Ignored work type 'Nope'" in text


def test_render_draws_worked_example(example_app):
    with example_app.server.test_request_context():
        params = quadrant.params_from_controls(
            "example",
            "jira",
            "2024-01-01",
            "2024-01-14",
            [],
            [],
            12,
            "rolling",
            "overall",
            "absolute",
            [],
        )
        out = quadrant.render(params)
    throughput, _, backlog, lead = out[:4]
    assert list(throughput.data[0].y) == [1, 2]
    assert list(backlog.data[0].y) == [4, 4] and list(backlog.data[1].y) == [1, 3]
    assert "2 complete weeks" in out[4] and "team time zone UTC" in out[4]
    assert out[8].startswith("/download/throughput.csv?board=example")


def test_render_explains_an_empty_range(example_app):
    with example_app.server.test_request_context():
        params = quadrant.params_from_controls(
            "example",
            "jira",
            "2023-01-02",
            "2023-01-08",
            [],
            [],
            12,
            "rolling",
            "overall",
            "absolute",
            [],
        )
        out = quadrant.render(params)
    assert "No issue was completed between 2023-01-02 and 2023-01-08" in str(out[-1])


def test_render_in_new_york_moves_a_late_completion(tmp_path):
    """METRICS.md example 5: 2024-01-07 23:30 New York is week 2024-01-01 there."""
    from datetime import UTC, datetime

    from tests.factories import example_board, issue, moves
    from vger.config import Settings
    from vger.store.db import make_engine, upgrade
    from vger.store.issues import save_issues
    from vger.web import create_app

    engine = make_engine(f"sqlite:///{tmp_path / 'ny.db'}")
    upgrade(engine)
    board = example_board(engine, tz="America/New_York")
    with engine.begin() as conn:
        save_issues(
            conn,
            board,
            [issue("200", "EX-9", "Bug", "2024-01-05 10:00", "Done", "Done")],
            moves("200", ("To Do", "Done", "2024-01-08 04:30")),
        )
    app = create_app(Settings(database_url=str(engine.url)), engine=engine)
    app.server.config["VGER_NOW"] = datetime(2024, 2, 1, tzinfo=UTC)
    frame = _csv(app.server.test_client(), f"/download/throughput.csv?{RANGE}")
    assert "EX-9" in frame.loc[frame["week"] == "2024-01-01", "keys"].iat[0]


def _walk(component):
    yield component
    children = getattr(component, "children", None)
    if children is None:
        return
    if not isinstance(children, list | tuple):
        children = [children]
    for child in children:
        if hasattr(child, "to_plotly_json"):
            yield from _walk(child)


def test_render_by_work_state_matches_the_worked_example(example_app):
    """A 7.0 days (Ready 1.0, Doing 4.5, Review 1.5) and D 9.0 (Ready 2.0, Done 6.0, Doing 1.0)."""
    with example_app.server.test_request_context():
        params = quadrant.params_from_controls(
            "example",
            "jira",
            "2024-01-01",
            "2024-01-14",
            [],
            [],
            12,
            "rolling",
            "states",
            "absolute",
            [],
        )
        lead = quadrant.render(params)[3]
    p50 = next(t for t in lead.data if t.name == "50 %")
    assert dict(zip(p50.x, p50.y, strict=True)) == pytest.approx(
        {"Overall": 8.0, "Ready": 1.5, "Doing": 2.75, "Review": 0.75, "Done": 3.0}
    )


def test_pages_say_in_words_when_the_store_is_unreachable(example_app):
    """A layout that hits an unreachable store shows a sentence, not a blank page."""
    import dash
    from sqlalchemy import create_engine

    example_app.server.extensions["vger"]["engine"] = create_engine(
        "sqlite:////nonexistent-dir/x.db"
    )
    with example_app.server.test_request_context():
        for page in dash.page_registry.values():
            tree = page["layout"](board="example")
            assert getattr(tree, "id", None) == "page-error", page["path"]
            assert "store cannot be reached" in str(tree.children.children)
