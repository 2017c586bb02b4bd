"""Access control: every state-changing admin request needs the CSRF token (form or
header), every admin route a login; forged or foreign session cookies are no login;
VGER_REQUIRE_LOGIN closes the dashboards but health and assets."""

from __future__ import annotations

import pytest

from tests.web.test_admin import (
    PASSWORD,
    csrf,
    login,
    make_app,
    row_counts,
    text_of,
)


@pytest.fixture
def example(tmp_path):
    return make_app(tmp_path, example=True)


def _admin_urls(app, method: str) -> list[str]:
    urls = []
    for rule in app.server.url_map.iter_rules():
        if not rule.rule.startswith("/admin") or method not in rule.methods:
            continue
        if rule.endpoint.startswith("auth."):
            continue
        path = rule.rule.replace("<slug>", "example")
        if "/teams/" in path:
            path = path.replace("/teams/example", "/teams/ex-team")
        urls.append(path)
    return sorted(set(urls))


def test_every_state_changing_admin_request_needs_the_csrf_token(example):
    app, engine = example
    client = app.server.test_client()
    login(client)
    before = row_counts(engine)
    urls = _admin_urls(app, "POST")
    assert {
        "/admin/boards/example/delete",
        "/admin/boards/example/sync",
        "/admin/teams/new",
    } <= set(urls)
    other = app.server.test_client()
    other.get("/admin/login")
    foreign = csrf(other)
    words = "security token is missing or expired: reload the page and try again"
    for url in urls:
        for data in ({}, {"csrf_token": ""}, {"csrf_token": "forged"}, {"csrf_token": foreign}):
            response = client.post(url, data={"slug": "x", "name": "x", **data})
            assert response.status_code == 400, (url, data, response.status_code)
            assert words in text_of(response), (url, data)
        header = client.post(url, headers={"X-CSRF-Token": "forged"})
        assert header.status_code == 400 and words in text_of(header)
    logout = client.post("/admin/logout")
    assert logout.status_code == 400 and words in text_of(logout)
    assert row_counts(engine) == before
    assert client.get("/admin/").status_code == 200  # still logged in


def test_a_valid_token_in_the_csrf_header_is_accepted(example):
    client = example[0].server.test_client()
    login(client)
    answer = client.post("/admin/logout", headers={"X-CSRF-Token": csrf(client)})
    assert answer.status_code == 302
    assert client.get("/admin/").status_code == 302  # logged out


def test_login_form_needs_the_csrf_token(example):
    client = example[0].server.test_client()
    client.get("/admin/login")
    response = client.post("/admin/login", data={"password": PASSWORD})
    assert response.status_code == 400 and "security token is missing" in text_of(response)
    forged = client.post("/admin/login", data={"password": PASSWORD, "csrf_token": "x.y.z"})
    assert forged.status_code == 400 and "security token is missing" in text_of(forged)
    assert client.get("/admin/").status_code == 302


def test_every_admin_route_refuses_anonymous_requests(example):
    app, engine = example
    client = app.server.test_client()
    client.get("/admin/login")  # a session with a CSRF token, but no login
    token = csrf(client)
    before = row_counts(engine)
    gets = _admin_urls(app, "GET")
    posts = _admin_urls(app, "POST")
    assert len(gets) >= 10 and len(posts) >= 8
    for url in gets:
        response = client.get(url)
        assert response.status_code in (302, 401, 403), (url, response.status_code)
        if response.status_code == 302:
            assert response.location.startswith("/admin/login")
    for url in posts:
        response = client.post(url, data={"csrf_token": token, "slug": "x"})
        assert response.status_code in (302, 401, 403), (url, response.status_code)
    assert client.get("/admin/api/boards/example/status").status_code == 401
    assert client.post("/admin/api/boards/example/sync").status_code == 401
    assert row_counts(engine) == before


def test_a_forged_session_cookie_is_not_a_login(example):
    app, _ = example
    client = app.server.test_client()
    client.set_cookie("session", "eyJ1c2VyIjoiYWRtaW4ifQ.forged.signature", domain="localhost")
    assert client.get("/admin/").status_code == 302


def test_a_session_signed_with_another_key_is_not_a_login(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    app_a, _ = make_app(tmp_path / "a", secret_key="key-a")
    app_b, _ = make_app(tmp_path / "b", secret_key="key-b")
    a = app_a.server.test_client()
    login(a)
    cookie = a.get_cookie("session").value
    b = app_b.server.test_client()
    b.set_cookie("session", cookie, domain="localhost")
    assert b.get("/admin/").status_code == 302


DASHBOARD_URLS = [
    ("GET", "/"),
    ("GET", "/quadrant?board=example"),
    ("GET", "/_dash-layout"),
    ("GET", "/_dash-dependencies"),
    ("POST", "/_dash-update-component"),
    ("GET", "/download/throughput.csv?board=example"),
    ("GET", "/api/v1/quadrant?board=example"),
]


def test_require_login_closes_every_dashboard_but_health_and_assets(tmp_path):
    app, _ = make_app(tmp_path, example=True, require_login=True)
    client = app.server.test_client()
    for method, url in DASHBOARD_URLS:
        response = client.open(url, method=method, json={} if method == "POST" else None)
        assert response.status_code in (302, 401), (url, response.status_code)
        if url.startswith(("/_dash", "/api", "/download")):
            assert response.status_code == 401
    page = client.get("/quadrant?board=example")
    assert page.location.startswith("/admin/login?next=/quadrant")
    assert client.get("/health").status_code == 200
    assert client.get("/assets/vger.css").status_code == 200
    login(client)
    for method, url in DASHBOARD_URLS:
        if method == "GET":
            assert client.get(url).status_code == 200, url


def test_require_login_without_a_login_configured_is_closed_in_words(tmp_path):
    app, _ = make_app(tmp_path, example=True, require_login=True, admin_password=None)
    client = app.server.test_client()
    page = client.get("/quadrant?board=example")
    assert page.status_code == 403 and "VGER_ADMIN_PASSWORD" in text_of(page)
    assert client.get("/api/v1/quadrant?board=example").status_code == 403
    assert client.get("/health").status_code == 200


def test_require_login_accepts_the_trusted_header(tmp_path):
    app, _ = make_app(
        tmp_path,
        example=True,
        require_login=True,
        admin_password=None,
        trusted_user_header="X-User",
    )
    client = app.server.test_client()
    assert client.get("/api/v1/quadrant?board=example").status_code == 401
    ok = client.get("/api/v1/quadrant?board=example", headers={"X-User": "ada"})
    assert ok.status_code == 200


def test_dashboards_stay_open_without_require_login(example):
    client = example[0].server.test_client()
    for method, url in DASHBOARD_URLS:
        if method == "GET":
            assert client.get(url).status_code == 200, url
