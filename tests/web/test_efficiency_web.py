"""The efficiency view on the worked example (docs/metrics.md "Flow efficiency" and
"Blocked time"): its data, figures, CSV and JSON by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from tests.factories import example_board
from vger.store import working
from vger.store.boards import get_board
from vger.store.db import make_engine, upgrade
from vger.store.issues import save_issues
from vger.web.params import parse
from vger.web.views.common import choose_board
from vger.web.views.efficiency.data import efficiency_data
from vger.web.views.efficiency.figures import histogram_figure, split_figure, weekly_figure

NOW = datetime(2024, 2, 1, 12, 0, tzinfo=UTC)
A_FLAGS = [
    ("2024-01-01 12:00", True),
    ("2024-01-03 09:00", False),
    ("2024-01-05 21:00", True),
    ("2024-01-08 09:00", False),
    ("2024-01-08 21:00", True),
]


def flagged_example(engine, *, working_days: bool = False, extra: tuple = ()):
    """Example 5 with Ready a queue and item A (EX-1) flagged as in the worked example."""
    from tests.factories import EXAMPLE_ISSUES, EXAMPLE_TRANSITIONS, utc

    board = example_board(engine, working_days=working_days)
    with engine.begin() as conn:
        working.set_working(conn, board.id, {"Ready": False})
        rows = [
            {"issue_id": "101", "seq": k, "at": utc(at), "flagged": on}
            for k, (at, on) in enumerate(A_FLAGS)
        ] + [{"issue_id": i, "seq": k, "at": utc(at), "flagged": on} for i, k, at, on in extra]
        save_issues(
            conn, get_board(conn, board.slug), EXAMPLE_ISSUES, EXAMPLE_TRANSITIONS, flags=rows
        )
    return board


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'e.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


def data_for(engine, **query):
    with engine.connect() as conn:
        choice = choose_board(
            conn, parse({"board": ["example"], **{k: [v] for k, v in query.items()}}).params, NOW
        )
        return efficiency_data(conn, choice, NOW)


def test_worked_example_items(engine):
    flagged_example(engine)
    data = data_for(engine, **{"from": "2024-01-01", "to": "2024-01-14"})
    assert data.empty_message is None
    items = data.items.set_index("key")
    assert list(items.index) == ["EX-1", "EX-4"]
    assert items.loc[
        "EX-1", ["lead_time", "working", "waiting", "flagged"]
    ].tolist() == pytest.approx([7.0, 6.0, 1.0, 4.0])
    assert items.loc[
        "EX-4", ["lead_time", "working", "waiting", "flagged"]
    ].tolist() == pytest.approx([9.0, 1.0, 8.0, 0.0])
    assert items["efficiency"].tolist() == pytest.approx([6 / 7, 1 / 9])
    weekly = data.weekly
    assert np.isnan(weekly["median"].iloc[0]) and weekly["median"].iloc[1] == pytest.approx(
        61 / 126
    )
    assert data.histogram["items"].tolist() == [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    by_state = data.by_state.set_index("state")
    assert by_state.loc["All working states", 50] == pytest.approx(3.5)
    assert by_state.loc["All waiting states", 80] == pytest.approx(6.6)
    assert data.flags == {
        "Backlog": False,
        "Ready": False,
        "Doing": True,
        "Review": True,
        "Done": False,
    }


def test_working_days_board_counts_flagged_in_working_days(engine):
    flagged_example(engine, working_days=True)
    data = data_for(engine, **{"from": "2024-01-01", "to": "2024-01-14"})
    a = data.items.set_index("key").loc["EX-1"]
    assert a["lead_time"] == pytest.approx(5.0) and a["flagged"] == pytest.approx(2.0)
    assert data.unit == "working days"


def test_editing_the_flags_recomputes(engine):
    board = flagged_example(engine)
    query = {"from": "2024-01-01", "to": "2024-01-14"}
    before = data_for(engine, **query).items["efficiency"].tolist()
    with engine.begin() as conn:
        working.set_working(conn, board.id, {"Ready": True, "Done": True})
    after = data_for(engine, **query).items["efficiency"].tolist()
    assert before == pytest.approx([6 / 7, 1 / 9]) and after == pytest.approx([1.0, 1.0])


def test_words_for_github_and_an_empty_range(engine):
    flagged_example(engine)
    assert "Jira issues" in data_for(engine, source="github").empty_message
    assert (
        "No issue with a lead time"
        in data_for(engine, **{"from": "2023-01-02", "to": "2023-01-08"}).empty_message
    )


def test_figures_escape_state_names_and_mark_the_flags(engine):
    flagged_example(engine)
    data = data_for(engine, **{"from": "2024-01-01", "to": "2024-01-14"})
    split = split_figure(data.by_state, unit="days")
    assert split.data[0].x[0] == "Ready · waiting" and split.data[0].x[1] == "Doing · working"
    assert split.data[0].marker.color[0] != split.data[0].marker.color[1]
    hist = histogram_figure(data.histogram, 61 / 126, items=2)
    assert "median 48%" in hist.layout.title.text and list(hist.data[0].y)[8] == 1
    weekly = weekly_figure(data.weekly)
    assert weekly.data[0].y[1] == pytest.approx(61 / 126)
    by_state = data.by_state.copy()
    by_state.loc[0, "state"] = "<b>Ready</b>"
    assert "&lt;b&gt;" in split_figure(by_state, unit="days").data[0].x[0]


# --- page, CSV and JSON through the app ---------------------------------------------


@pytest.fixture
def app(tmp_path):
    from vger.config import Settings
    from vger.web import create_app

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'web.db'}", secret_key="test-key")
    engine = make_engine(settings.database_url)
    upgrade(engine)
    flagged_example(engine)
    app = create_app(settings, engine=engine)
    app.server.config["VGER_NOW"] = NOW
    app.server.config["TESTING"] = True
    return app


RANGE = "board=example&from=2024-01-01&to=2024-01-14"


def test_csv_by_hand(app):
    import csv
    import io

    response = app.server.test_client().get(f"/download/efficiency.csv?{RANGE}")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == [
        "key",
        "summary",
        "type",
        "start",
        "done",
        "days",
        "days_working",
        "days_waiting",
        "efficiency",
        "days_flagged",
    ]
    assert rows[1] == [
        "EX-1",
        "EX-1 summary",
        "Story",
        "2024-01-02T09:00:00Z",
        "2024-01-09T09:00:00Z",
        "7.0",
        "6.0",
        "1.0",
        "0.8571",
        "4.0",
    ]
    assert rows[2][0] == "EX-4" and rows[2][5:] == ["9.0", "1.0", "8.0", "0.1111", "0.0"]
    assert len(rows) == 3


def test_json_twin(app):
    body = app.server.test_client().get(f"/api/v1/efficiency?{RANGE}").get_json()
    assert [i["key"] for i in body["items"]] == ["EX-1", "EX-4"]
    assert body["items"][0]["days_flagged"] == 4.0 and body["items_total"] == 2
    paged = app.server.test_client().get(f"/api/v1/efficiency?{RANGE}&limit=1&page=2").get_json()
    assert [i["key"] for i in paged["items"]] == ["EX-4"] and paged["pages"] == 2
    assert paged["weekly_median"] == body["weekly_median"]  # only the items are paged
    assert body["weekly_median"][1]["median"] == pytest.approx(61 / 126)
    assert body["working_states"]["Ready"] is False
    states = {r["state"]: r for r in body["lead_time_by_state"]}
    assert states["All waiting states"]["50"] == pytest.approx(4.5)
    unknown = app.server.test_client().get("/api/v1/efficiency?board=nope")
    assert unknown.status_code == 404 and "nope" in unknown.get_json()["error"]


def test_csv_of_an_empty_range_says_why(app):
    response = app.server.test_client().get(
        "/download/efficiency.csv?board=example&from=2023-01-02&to=2023-01-08"
    )
    assert response.status_code == 404
    assert "No issue with a lead time" in response.get_data(as_text=True)


def test_page_callback_outputs(app):
    from vger.web.views.efficiency import page

    with app.server.app_context():
        out = page.update("example", "jira", "2024-01-01", "2024-01-14", [], [], None)
    histogram, weekly, states, *notes_, link, status, from_msg, to_msg = out
    assert list(histogram.data[0].y)[8] == 1 and list(histogram.data[0].y)[1] == 1
    assert weekly.data[0].y[1] == pytest.approx(61 / 126)
    assert "Ready · waiting" in states.data[0].x
    assert "working states: Doing, Review" in notes_[0]
    assert link.endswith(f"/download/efficiency.csv?{RANGE}")
    assert "median flow efficiency 48%" in str(status) and "1 flagged in Jira" in str(status)
    with app.server.app_context():
        github = page.update("example", "github", "2024-01-01", "2024-01-14", [], [], None)
    assert "Choose Jira issues" in str(github[-3])


def test_page_layout_from_a_bookmark(app):
    from vger.web.views.efficiency import page

    with app.server.app_context():
        layout = page.layout(board="example", **{"from": "2024-01-01", "to": "2024-01-14"})
    text = str(layout)
    assert "flow efficiency" in text and "eff-chart-histogram" in text
    assert "eff-chart-states" in text


def test_quality_lists_items_flagged_longer_than_the_85_percent_lead_time(tmp_path):
    """Lead times 7 and 9 days: p85 = 7 + 0.85 × 2 = 8.7. EX-4 (D) flagged from
    01-02 12:00 (its start) and never cleared: 9.0 days until done → listed; EX-1's
    4.0 days are not."""
    from vger.config import Settings
    from vger.web import create_app

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'q.db'}", secret_key="test-key")
    engine = make_engine(settings.database_url)
    upgrade(engine)
    flagged_example(engine, extra=(("104", 0, "2024-01-02 12:00", True),))
    app = create_app(settings, engine=engine)
    app.server.config["VGER_NOW"] = NOW
    body = (
        app.server.test_client().get("/api/v1/quality?board=example&check=flagged_long").get_json()
    )
    (check,) = body["checks"]
    assert check["title"] == "Flagged longer than the 85 % lead time (over 8.7 days)"
    assert [(i["key"], i["detail"]) for i in check["issues"]] == [
        ("EX-4", "flagged 9.0 days (limit 8.7)")
    ]


def test_leadtime_csv_lists_days_flagged(app):
    import csv
    import io

    response = app.server.test_client().get(f"/download/leadtime.csv?{RANGE}")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["key"], r["days"], r["days_flagged"]) for r in rows] == [
        ("EX-2", "", ""),  # completed without start: no lead time, no window
        ("EX-1", "7.0", "4.0"),
        ("EX-4", "9.0", "0.0"),
    ]
    github = app.server.test_client().get(f"/download/leadtime.csv?{RANGE}&source=github")
    assert "days_flagged" not in github.get_data(as_text=True).splitlines()[0]
