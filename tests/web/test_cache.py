"""The quadrant's computed series are cached per (board, parameters, local date, data
version) and a sync run invalidates them: no stale numbers after an ETL run."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime

import pandas as pd
import pytest
from sqlalchemy import event

from tests.factories import example_board, issue, moves
from vger.config import Settings
from vger.store import boards, workflows
from vger.store.issues import save_issues
from vger.store.sync import finish_run, start_run

NOW = datetime(2024, 2, 1, 12, 0, tzinfo=UTC)
URL = "/api/v1/quadrant?board=example&from=2024-01-01&to=2024-01-28"


@pytest.fixture
def store(engine):
    example_board(engine)
    return engine


def _app(engine, **settings):
    from vger.web import create_app

    app = create_app(Settings(secret_key="k", **settings), engine=engine)
    app.server.config["VGER_NOW"] = NOW
    return app


@contextmanager
def statements(engine):
    seen: list[str] = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listen)


def _reads_issues(seen: list[str]) -> list[str]:
    return [q for q in seen if "FROM issue" in q or "from issue" in q]


def _total(client) -> int:
    body = client.get(URL).get_json()
    return sum(week["count"] for week in body["throughput"])


def _sync_new_issues(engine, *issue_ids: str) -> None:
    """Store completed issues the way an ETL run does: save_issues + a successful sync run."""
    with engine.begin() as conn:
        board = boards.get_board(conn, "example")
        run = start_run(conn, "jira", board.slug, board.id)
        rows, history = [], []
        for n, issue_id in enumerate(issue_ids):
            rows.append(
                issue(issue_id, f"EX-{issue_id}", "Story", "2024-01-15 09:00", "Done", "Done")
            )
            history += moves(
                issue_id,
                ("To Do", "In Progress", "2024-01-16 09:00"),
                ("In Progress", "Done", f"2024-01-{17 + n:02d} 09:00"),
            )
        save_issues(conn, board, rows, history)
        finish_run(conn, run, "ok", counts={"added": len(rows)})


def test_unchanged_store_hits_the_cache(store):
    client = _app(store).server.test_client()
    with statements(store) as cold:
        first = client.get(URL)
    with statements(store) as warm:
        second = client.get(URL)
    assert first.status_code == second.status_code == 200
    assert first.get_json() == second.get_json()
    assert _reads_issues(cold), "the first request reads the issues"
    assert _reads_issues(warm) == [], "the second request is served from the cache"
    assert len(warm) < len(cold)


def test_sync_run_invalidates_the_cache(store):
    client = _app(store).server.test_client()
    before = _total(client)
    assert _total(client) == before  # cached
    _sync_new_issues(store, "201", "202")
    assert _total(client) == before + 2  # new numbers right after the run
    with statements(store) as warm:
        assert _total(client) == before + 2
    assert _reads_issues(warm) == []


def test_quadrant_render_uses_the_cache_and_sees_new_data(store):
    from vger.web.params import parse
    from vger.web.views.quadrant import page as quadrant

    app = _app(store)
    params = parse({"board": "example", "from": "2024-01-01", "to": "2024-01-28"}).params
    with app.server.app_context():
        status_before = str(quadrant.render(params)[-1])
        with statements(store) as warm:
            assert str(quadrant.render(params)[-1]) == status_before
        assert _reads_issues(warm) == []
        _sync_new_issues(store, "301")
        status_after = str(quadrant.render(params)[-1])
    assert "3 completed issues" in status_before
    assert "4 completed issues" in status_after


def test_parameters_are_part_of_the_key(store):
    client = _app(store).server.test_client()
    everything = _total(client)
    defects = client.get(URL + "&types=Defect").get_json()
    assert sum(w["count"] for w in defects["throughput"]) < everything


def test_work_state_change_invalidates(store):
    client = _app(store).server.test_client()
    client.get(URL + "&leadtime=states")
    with store.begin() as conn:
        board = boards.get_board(conn, "example")
        states = [("Backlog", ["1"]), ("Doing", ["2", "3", "4"]), ("Done", ["5", "6"])]
        workflows.set_workflow(conn, board.id, states, (1, 1))
    with statements(store) as after:
        client.get(URL + "&leadtime=states")
    assert _reads_issues(after), "a work-state change recomputes"


def test_cache_can_be_turned_off(store):
    client = _app(store, cache_seconds=0).server.test_client()
    client.get(URL)
    with statements(store) as again:
        client.get(URL)
    assert _reads_issues(again)


def test_redis_setting_selects_the_redis_backend():
    from vger.web.cache import cache_config

    config = cache_config(Settings(cache_url="redis://127.0.0.1:6379/0"))
    assert config["CACHE_TYPE"] == "RedisCache"
    assert config["CACHE_REDIS_URL"] == "redis://127.0.0.1:6379/0"
    assert cache_config(Settings())["CACHE_TYPE"] == "vger.web.cache.local_cache"


def test_cached_values_cannot_be_changed_by_callers(store):
    from vger.web.params import parse
    from vger.web.views.common import choose_board
    from vger.web.views.quadrant.data import quadrant_data

    app = _app(store)
    params = parse({"board": "example", "from": "2024-01-01", "to": "2024-01-28"}).params
    with app.server.app_context(), store.connect() as conn:
        first = quadrant_data(conn, choose_board(conn, params), NOW)
        outcome = first.items["outcome"].iloc[0]
        first.items["key"] = "changed"
        # outcome is a category: another of its values, not a new one
        first.items.loc[first.items.index[0], "outcome"] = (
            "abandoned" if outcome != "abandoned" else "completed"
        )
        first.quadrant.throughput["count"] = -1
        second = quadrant_data(conn, choose_board(conn, params), NOW)
    assert "changed" not in set(second.items["key"])
    again = second.items["outcome"].iloc[0]
    assert again == outcome or (pd.isna(again) and pd.isna(outcome))
    assert (second.quadrant.throughput["count"] >= 0).all()


@pytest.fixture
def shared_cache():
    """Settings of a cache in the test Redis under a prefix of its own (removed after)."""
    import os
    import uuid

    import redis

    url = os.environ.get("VGER_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis not reachable at {url}: {exc}")
        pytest.skip(f"Redis not reachable at {url}")
    prefix = f"vger-test-{uuid.uuid4().hex}:"

    def drop() -> int:
        keys = list(client.scan_iter(match=f"{prefix}*"))
        return client.delete(*keys) if keys else 0

    yield {"cache_url": url, "redis_prefix": prefix}, drop
    drop()


def test_redis_values_are_shared_and_kept_near_each_process(store, shared_cache):
    settings, drop = shared_cache
    worker = _app(store, **settings).server.test_client()
    with statements(store) as cold:
        first = worker.get(URL).get_json()
    assert _reads_issues(cold)
    # another worker (a recycled one, or another Lambda) finds the values in Redis
    other = _app(store, **settings).server.test_client()
    with statements(store) as shared:
        assert other.get(URL).get_json() == first
    assert _reads_issues(shared) == []
    # each process keeps what it used: the Redis entries gone, neither computes again
    assert drop() > 0
    with statements(store) as near:
        assert worker.get(URL).get_json() == first
        assert other.get(URL).get_json() == first
    assert _reads_issues(near) == []
    # new data: a new key in both layers, so both processes show the new numbers
    _sync_new_issues(store, "201")
    assert _total(worker) == _total(other) == sum(w["count"] for w in first["throughput"]) + 1


def test_page_figures_read_from_redis_are_the_figures_that_were_stored(store, shared_cache):
    """The page's cached outputs go through Redis with each Plotly figure stored as its
    JSON (rebuilt without validating it again): another worker sends the same JSON (its
    layout's keys in another order, as when Redis held pickled figures), and its figures
    are figures of the same class."""
    import json

    from dash._utils import to_json
    from plotly.basedatatypes import BaseFigure

    from vger.web.params import parse
    from vger.web.views.quadrant import page as quadrant

    settings, _ = shared_cache
    params = parse({"board": "example", "from": "2024-01-01", "to": "2024-01-28"}).params
    with _app(store, **settings).server.app_context():
        stored = quadrant.render(params)
    with _app(store, **settings).server.app_context(), statements(store) as other:
        shared = quadrant.render(params)
    assert _reads_issues(other) == []  # from Redis, not computed again
    figures = [v for v in stored if isinstance(v, BaseFigure)]
    assert len(figures) == 4
    assert [type(v) for v in shared] == [type(v) for v in stored]
    assert json.loads(to_json(shared)) == json.loads(to_json(stored))
    assert [t.type for t in shared[0].data] == [t.type for t in figures[0].data]


def test_the_redis_serializer_keeps_other_values_as_pickle_does():
    import pandas as pd

    from vger.web.cache import SharedSerializer

    serializer = SharedSerializer()
    frame = pd.DataFrame({"key": ["A-1", "A-2"], "days": [1.5, None]})
    back = serializer.loads(serializer.dumps(("quadrant", frame, {"weeks": [1, 2]})))
    assert back[0] == "quadrant" and back[2] == {"weeks": [1, 2]}
    pd.testing.assert_frame_equal(back[1], frame)
    assert serializer.dumps(7) == b"7"  # integers stay text, as Redis INCR needs
