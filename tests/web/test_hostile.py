"""The hostile-input suite: a fixed corpus (tests/web/hostile_corpus.py) of extreme
dates, huge and repeated lists, wrong JSON types, NUL and invalid UTF-8, malformed
percent-encoding, 10,000-character strings and oversized bodies, fired at every public
route and at the Dash callback endpoint. Never a 500, never a traceback in a response or
an error in the log, and each request's CPU time (in-process, not wall time) under
``CPU_BOUND``."""

from __future__ import annotations

import logging

import pytest

from tests.web import hostile_corpus as hc
from tests.web.test_admin import make_app

CPU_BOUND = 1.0  # seconds of CPU per request (the project's budget)


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory):
    app, engine = make_app(tmp_path_factory.mktemp("hostile"), example=True)
    return app


def _check(client, requests, caplog) -> list[str]:
    problems = []
    with caplog.at_level(logging.WARNING):
        for request in requests:
            caplog.clear()
            response, cpu = hc.measure(client, request)
            text = response.get_data(as_text=True)
            if response.status_code >= 500:
                problems.append(f"{request.label}: {response.status_code}")
            if "Traceback" in text or 'File "' in text:
                problems.append(f"{request.label}: a traceback in the response")
            if cpu > CPU_BOUND:
                problems.append(f"{request.label}: {cpu:.2f} CPU-seconds")
            errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
            if errors:
                problems.append(f"{request.label}: logged {errors[0].getMessage()[:80]}")
    return problems


def test_hostile_queries_at_every_route(hostile_app, caplog):
    client = hostile_app.server.test_client()
    assert _check(client, list(hc.route_requests()), caplog) == []


def test_hostile_callback_bodies(hostile_app, caplog):
    client = hostile_app.server.test_client()
    assert _check(client, list(hc.callback_requests()), caplog) == []


def test_every_recorded_callback_body_is_still_answered(hostile_app):
    """The corpus stays honest: the recorded bodies are what the pages send today."""
    client = hostile_app.server.test_client()
    for recorded in hc.BODIES:
        response = client.post("/_dash-update-component", json=recorded["body"])
        assert response.status_code in (200, 204), recorded["body"]["output"]


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("a list body", 400),
        ("inputs null", 400),
        ("unknown output", 400),
        ("outputs null", 400),
        ("one output of two", 400),
        ("a clientside output", 400),
        ("deeply nested JSON", 400),
        ("invalid JSON", 400),
        ("oversized body", 413),
    ],
)
def test_broken_callback_bodies_are_refused_in_words(hostile_app, label, expected):
    client = hostile_app.server.test_client()
    request = next(r for r in hc.callback_requests() if r.label == label)
    response = request.fire(client)
    assert response.status_code == expected
    if expected == 400:
        assert response.get_json()["error"].startswith("Not a callback request:")


def test_an_open_ended_range_is_cut_to_ten_years_before_today(hostile_app):
    client = hostile_app.server.test_client()
    body = client.get("/api/v1/quadrant?board=example&from=0001-01-01").get_json()
    assert body["from"] >= "2014-01-01"
    assert any("range was cut" in n for n in body["notices"])
    assert any("dates run from 1970-01-01" in n for n in body["notices"])


def test_sixty_thousand_types_are_cut_to_twenty(hostile_app):
    from vger.web.params import MAX_LIST, parse

    parsed = parse({"types": [f"t{i}" for i in range(60_000)]})
    assert len(parsed.params.types) == MAX_LIST
    assert parse({"types": "a,b,a,c"}).params.types == ("a", "b", "c")


def test_wrongly_typed_values_parse_to_defaults():
    from vger.web.params import parse

    parsed = parse({"board": {}, "from": 123, "types": 5, "to": True, "repos": [None, {}]})
    assert parsed.params.board is None and parsed.params.end is None
    assert parsed.params.types == ("5",) and parsed.params.repos == ()
    assert any("from='123'" in n for n in parsed.notices)


def test_data_requests_beyond_the_slots_wait_then_get_a_503_in_words(tmp_path):
    """While the process's data-request slots are taken, another data request gets a
    503 with Retry-After after the wait, and /health still answers at once."""
    import threading

    app, _ = make_app(tmp_path, example=True, busy_slots=1, busy_wait_seconds=0.2)
    release = threading.Event()
    entered = threading.Event()

    def hold():  # a data request that takes as long as the test wants
        entered.set()
        release.wait(10)
        return "done"

    app.server.add_url_rule("/api/v1/test-hold", "test_hold", hold)
    holder = threading.Thread(target=lambda: app.server.test_client().get("/api/v1/test-hold"))
    holder.start()
    try:
        assert entered.wait(10)
        client = app.server.test_client()
        busy = client.get("/api/v1/quadrant?board=example")
        assert busy.status_code == 503 and busy.headers["Retry-After"] == "5"
        assert "busy" in busy.get_json()["error"]
        assert client.get("/download/throughput.csv?board=example").status_code == 503
        assert client.get("/health").status_code == 200
    finally:
        release.set()
        holder.join()
    assert app.server.test_client().get("/api/v1/quadrant?board=example").status_code == 200


def test_a_large_board_gets_a_shorter_range_with_a_notice():
    from datetime import date, timedelta

    from vger.web.params import MAX_DAYS, parse
    from vger.web.range_cap import MIN_DAYS, clamp_range, max_days

    today = date(2024, 2, 1)
    params = parse({"from": "2020-01-01"}).params
    assert max_days(100) == MAX_DAYS and max_days(10_000_000) == MIN_DAYS
    cut, notices = clamp_range(params, today, 20_000)
    assert cut.start == today - timedelta(days=max_days(20_000)) and cut.start > params.start
    assert "20,000 issues" in notices[0]
    assert clamp_range(params, today, 100) == (params, [])  # 4 years of a small board
