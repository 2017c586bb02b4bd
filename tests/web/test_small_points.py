"""Issue 11, point 8: exact open paths under VGER_REQUIRE_LOGIN, and JSON/CSV 503s in
words when the store cannot be reached."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine

from tests.web.test_admin import make_app


@pytest.mark.parametrize(
    "path", ["/healthz", "/health-check", "/administrator", "/admin-panel", "/assetsx/a.css"]
)
def test_require_login_open_paths_match_exactly(tmp_path, path):
    app, _ = make_app(tmp_path, example=True, require_login=True)
    client = app.server.test_client()
    response = client.get(path)
    assert response.status_code == 302 and "/admin/login" in response.location, path
    assert client.get("/health").status_code == 200
    assert client.get("/admin/").status_code == 302  # /admin guards itself


JSON_PATHS = [
    "/api/v1/boards",
    "/api/v1/quadrant?board=example",
    "/api/v1/quarterly?board=example",
    "/api/v1/scatter?board=example",
    "/api/v1/quality?board=example",
]
CSV_PATHS = [
    "/download/throughput.csv?board=example",
    "/download/leadtime.csv?board=example",
    "/download/forecast.csv?board=example",
    "/download/flow.csv?board=example",
    "/download/quality.csv?board=example",
]


def test_an_unreachable_store_is_a_503_in_words(tmp_path):
    app, _ = make_app(tmp_path, example=True)
    app.server.extensions["vger"]["engine"] = create_engine("sqlite:////nonexistent-dir/x.db")
    client = app.server.test_client()
    for path in JSON_PATHS:
        response = client.get(path)
        assert response.status_code == 503, path
        assert "store cannot be reached" in response.get_json()["error"]
    for path in CSV_PATHS:
        response = client.get(path)
        assert response.status_code == 503, path
        assert response.mimetype == "text/plain"
        assert "store cannot be reached" in response.get_data(as_text=True)
    assert client.get("/health").status_code == 503


def test_an_unfinished_first_sync_is_said_on_the_pages_and_in_the_api(tmp_path):
    import sqlalchemy as sa

    from vger.store import boards, sync
    from vger.store import schema as s
    from vger.web.views.quadrant import page as quadrant

    app, engine = make_app(tmp_path, example=True)
    client = app.server.test_client()
    with engine.begin() as conn:
        board = boards.get_board(conn, "example")
        loaded = conn.execute(
            sa.select(sa.func.count()).select_from(s.issue).where(s.issue.c.board_id == board.id)
        ).scalar_one()
        run = sync.start_run(conn, "jira", "example", board.id)
        sync.checkpoint(conn, run, counts={"added": loaded, "expected": 250})
    sentence = f"First sync not finished: {loaded} of 250 issues loaded."
    assert sentence in client.get("/api/v1/quadrant?board=example").get_json()["notices"]
    assert sentence in client.get("/api/v1/scatter?board=example").get_json()["notices"]
    with app.server.test_request_context("/quadrant?board=example"):
        assert sentence in str(quadrant.layout(board="example"))
    with engine.begin() as conn:
        sync.finish_run(conn, run, "ok")
    notices = client.get("/api/v1/quadrant?board=example").get_json()["notices"]
    assert not [n for n in notices if n.startswith("First sync")]


def test_an_unreachable_redis_is_a_503_in_words_never_a_500(tmp_path):
    """Sessions and the login limit live in Redis when VGER_CACHE_URL names one; when it
    does not answer, a login and an admin page say so with a 503."""
    from tests.servers import free_port
    from tests.web.test_admin import csrf

    closed = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    app, _ = make_app(tmp_path, example=True, cache_url=closed)
    client = app.server.test_client()
    answer = client.post("/admin/login", data={"password": "x", "csrf_token": csrf(client)})
    assert answer.status_code == 503
    assert "Redis" in answer.get_data(as_text=True)
    api = client.get("/api/v1/quadrant?board=example")
    assert api.status_code in (200, 503)
    if api.status_code == 503:
        assert "Redis" in api.get_json()["error"]
