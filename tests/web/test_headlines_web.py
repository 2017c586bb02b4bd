"""Quadrant headlines in the page, /api/v1/quadrant and /download/headlines.csv on the
example board (docs/metrics.md example 5): weeks of Jan 1 (EX-2 done) and Jan 8 (EX-1,
EX-4 done; lead times 7 and 9 days); EX-3 abandoned; all four created in the first week."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from vger.web.views.quadrant import page as quadrant

RANGE = "board=example&from=2024-01-01&to=2024-01-14"


def _csv(client) -> pd.DataFrame:
    response = client.get(f"/download/headlines.csv?{RANGE}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert (
        "vger-example-jira-headlines-2024-01-01-2024-01-14.csv"
        in (response.headers["Content-Disposition"])
    )
    return pd.read_csv(io.StringIO(response.data.decode())).set_index("headline")


def test_headlines_csv_by_hand(client):
    frame = _csv(client)
    assert list(frame.index) == ["throughput", "leadtime", "backlog", "variation", "story"]
    # weekly counts [1, 2]: median 1.5; 80th pct of [7, 9] = 8.6; 4 created − 3 completed
    # − 1 abandoned = 0; population std / mean of [1, 2] = 0.5 / 1.5
    assert frame.loc["throughput", "now"] == pytest.approx(1.5)
    assert frame.loc["leadtime", "now"] == pytest.approx(8.6)
    assert frame.loc["backlog", "now"] == 0
    assert frame.loc["variation", "now"] == pytest.approx(1 / 3)
    # the data begins on 2024-01-01: the two weeks before hold nothing to compare with
    assert frame["previous"].isna().all()
    assert set(frame["direction"].dropna()) == {"no comparison"}
    assert frame.loc["throughput", "text"] == (
        "Throughput 1.5 issues / week at 50 % (no earlier data to compare)"
    )
    assert frame.loc["story", "text"].startswith("In the last 2 weeks a typical week finished 1.5")


def test_api_page_and_csv_say_the_same(client, example_app):
    body = client.get(f"/api/v1/quadrant?{RANGE}").get_json()
    frame = _csv(client)
    cards = body["headlines"]["cards"]
    assert body["headlines"]["weeks"] == 2
    assert body["headlines"]["story"] == frame.loc["story", "text"]
    for name, card in cards.items():
        assert card["text"] == frame.loc[name, "text"]
        assert card["now"] == pytest.approx(frame.loc[name, "now"])
        assert card["from"] == "2024-01-01" and card["to"] == "2024-01-14"
    with example_app.server.test_request_context():
        params = quadrant.params_from_controls(
            "example", "jira", "2024-01-01", "2024-01-14", [], [], 12, "rolling", "overall",
            "absolute", [],
        )  # fmt: skip
        outputs = quadrant.render(params)
    # chart order: throughput, variation, backlog, lead time; then the story
    assert list(outputs[12:17]) == [
        cards["throughput"]["text"],
        cards["variation"]["text"],
        cards["backlog"]["text"],
        cards["leadtime"]["text"],
        body["headlines"]["story"],
    ]


def test_every_chart_card_has_how_to_read(example_app):
    with example_app.server.test_request_context():
        tree = quadrant.layout(board="example")
    text = str(tree.to_plotly_json())
    for chart in ("throughput", "variation", "backlog", "leadtime"):
        assert f"quad-chart-{chart}-how" in text and f"quad-chart-{chart}-headline" in text
    assert "How to read this" in text and "coefficient of variation" in text


def test_an_empty_range_says_it_once_and_links_to_the_data(example_app):
    with example_app.server.test_request_context():
        params = quadrant.params_from_controls(
            "example", "jira", "2023-01-02", "2023-01-08", [], [], 12, "rolling", "overall",
            "absolute", [],
        )  # fmt: skip
        out = quadrant.render(params)
    figures, status = out[:4], out[-1]
    assert all(not f.layout.annotations or not f.layout.annotations[0].text for f in figures)
    text = str(status.children)
    assert text.count("No issue was completed between 2023-01-02 and 2023-01-08") == 1
    # EX-4 was the last completed, on 2024-01-11; the link shows the 90 days up to it
    assert "was on 2024-01-11" in text
    link = status.children[-2]
    assert link.href == "/quadrant?board=example&from=2023-10-14&to=2024-01-11&window=12"
