"""Logout means logout, and the login limit is shared by every worker: server-side
sessions and Flask-Limiter counts in the store (SQLite here) and in Redis; two apps on
one store stand for two gunicorn workers. Also VGER_PROXY_HOPS and the secret-key check."""

from __future__ import annotations

import os
import uuid
from datetime import timedelta

import pytest

from tests.web.test_admin import NOW, PASSWORD, csrf, login, make_app, post
from vger.config import Settings
from vger.errors import ConfigError

REDIS_URL = os.environ.get("VGER_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_settings():
    """Settings that keep sessions and login counts in the local Redis, under a prefix of
    this test's own (removed afterwards). Fails instead of skipping under CI=true."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        message = f"Redis not reachable at {REDIS_URL}: {type(exc).__name__}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    prefix = f"vger-test-{uuid.uuid4().hex}:"
    yield {"cache_url": REDIS_URL, "redis_prefix": prefix}
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)


@pytest.fixture(params=["store", "redis"])
def backend(request) -> dict:
    if request.param == "store":
        return {}
    return request.getfixturevalue("redis_settings")


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _with_cookie(app, value: str):
    client = app.server.test_client()
    client.set_cookie("session", value)
    return client


def test_a_cookie_captured_before_logout_no_longer_opens_admin(tmp_path, backend):
    app, _ = make_app(tmp_path, **backend)
    client = app.server.test_client()
    assert login(client).status_code == 302
    captured = _cookie(client)
    assert _with_cookie(app, captured).get("/admin/").status_code == 200
    assert post(client, "/admin/logout").status_code == 302
    replay = _with_cookie(app, captured).get("/admin/")
    assert replay.status_code == 302 and "/admin/login" in replay.location


def test_changing_the_password_ends_every_session(tmp_path, backend):
    app, engine = make_app(tmp_path, **backend)
    client = app.server.test_client()
    login(client)
    captured = _cookie(client)
    # the same store and secret key, restarted with a new VGER_ADMIN_PASSWORD
    from vger.web import create_app

    settings = Settings(
        _env_file=None,
        database_url=str(engine.url),
        admin_password="a new password",
        secret_key="test-secret-key",
        **backend,
    )
    restarted = create_app(settings, engine=engine)
    restarted.server.config["VGER_NOW"] = NOW
    assert _with_cookie(restarted, captured).get("/admin/").status_code == 302
    assert _with_cookie(app, captured).get("/admin/").status_code == 200  # old password


def test_sessions_end_when_idle_and_renew_while_used(tmp_path):
    app, _ = make_app(tmp_path, session_minutes=30, session_max_hours=2)
    client = app.server.test_client()
    login(client)
    for minutes in (20, 40, 60, 80, 100):  # a request every 20 minutes keeps it alive
        app.server.config["VGER_NOW"] = NOW + timedelta(minutes=minutes)
        assert client.get("/admin/").status_code == 200, minutes
    app.server.config["VGER_NOW"] = NOW + timedelta(minutes=125)  # past the 2 hours
    assert client.get("/admin/").status_code == 302
    login(client)
    app.server.config["VGER_NOW"] = NOW + timedelta(minutes=125 + 31)  # 31 minutes idle
    assert client.get("/admin/").status_code == 302


def test_the_cookie_is_short_lived_and_renewed(tmp_path):
    app, _ = make_app(tmp_path, session_minutes=30)
    client = app.server.test_client()
    cookie = login(client).headers["Set-Cookie"]
    assert "Expires=" in cookie
    assert app.server.permanent_session_lifetime == timedelta(minutes=30)


def test_the_login_limit_is_shared_by_every_worker(tmp_path, backend):
    first, engine = make_app(tmp_path, **backend)
    from vger.web import create_app

    second = create_app(first.server.extensions["vger"]["settings"], engine=engine)
    second.server.config["TESTING"] = True
    clients = [first.server.test_client(), second.server.test_client()]
    for k in range(5):
        assert login(clients[k % 2], "guess").status_code == 401
    for client in clients:
        blocked = login(client, PASSWORD)
        assert blocked.status_code == 429
        assert "Too many failed logins" in blocked.get_data(as_text=True)


def test_a_right_password_does_not_count_against_the_limit(tmp_path):
    app, _ = make_app(tmp_path)
    client = app.server.test_client()
    for _ in range(6):
        assert login(client).status_code == 302
        post(client, "/admin/logout")


def _login_from(client, address: str, password: str, via_proxy: bool):
    environ = {"REMOTE_ADDR": "127.0.0.1"} if via_proxy else {"REMOTE_ADDR": address}
    headers = {"X-Forwarded-For": address} if via_proxy else {}
    return client.post(
        "/admin/login",
        data={"password": password, "csrf_token": csrf(client)},
        environ_base=environ,
        headers=headers,
    )


def test_behind_a_proxy_each_client_has_its_own_limit(tmp_path):
    app, _ = make_app(tmp_path, proxy_hops=1)
    attacker, admin = app.server.test_client(), app.server.test_client()
    for _ in range(5):
        assert _login_from(attacker, "203.0.113.7", "guess", True).status_code == 401
    assert _login_from(attacker, "203.0.113.7", PASSWORD, True).status_code == 429
    assert _login_from(admin, "198.51.100.2", PASSWORD, True).status_code == 302


def test_without_proxy_hops_a_forged_forwarded_for_changes_nothing(tmp_path):
    app, _ = make_app(tmp_path)
    client = app.server.test_client()
    for k in range(5):
        forged = {"X-Forwarded-For": f"10.0.0.{k}"}
        client.post(
            "/admin/login", data={"password": "guess", "csrf_token": csrf(client)}, headers=forged
        )
    assert login(client, PASSWORD).status_code == 429


def test_the_store_counts_expire_with_their_window(sqlite_engine):
    import time

    from vger.store.web_state import SqlRateLimitStorage

    storage = SqlRateLimitStorage("vger+sql://", engine=sqlite_engine)
    assert storage.incr("k", 1) == 1 and storage.incr("k", 1) == 2
    assert storage.get("k") == 2 and storage.get_expiry("k") > time.time()
    time.sleep(1.1)
    assert storage.get("k") == 0 and storage.incr("k", 60) == 1
    storage.clear("k")
    assert storage.get("k") == 0 and storage.check()


def test_a_password_without_a_secret_key_refuses_to_start(tmp_path):
    from vger.web import create_app

    settings = Settings(
        _env_file=None, database_url=f"sqlite:///{tmp_path / 'k.db'}", admin_password="pw"
    )
    with pytest.raises(ConfigError, match="VGER_SECRET_KEY"):
        create_app(settings)
    assert create_app(settings, single_process=True) is not None  # vger serve
    no_login = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'k.db'}")
    assert create_app(no_login) is not None
