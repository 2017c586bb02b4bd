"""Security headers on every response, and a CSP that names Dash's inline script."""

from __future__ import annotations

import base64
import hashlib
import re

from tests.web.test_admin import login, make_app

EXPECTED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def test_every_response_carries_the_security_headers(tmp_path):
    app, _ = make_app(tmp_path, example=True)
    client = app.server.test_client()
    responses = [
        client.get(path)
        for path in (
            "/",
            "/quadrant?board=example",
            "/api/v1/quadrant?board=example",
            "/download/throughput.csv?board=example",
            "/api/v1/quadrant?board=nope",
            "/health",
            "/admin/login",
            "/admin/",
            "/assets/vger.css",
            "/no/such/page.csv",
        )
    ]
    responses.append(client.post("/_dash-update-component", json=[]))
    responses.append(client.post("/admin/login", data=b"x" * 2_000_000))
    login(client)
    responses.append(client.get("/admin/teams/example/delete"))
    for response in responses:
        for name, value in EXPECTED.items():
            assert response.headers.get(name) == value, (response.request.path, name)
        policy = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy
        # 'unsafe-eval' only for scattergl's shaders (vger/web/security.py says why)
        assert "script-src 'self' 'unsafe-eval' 'sha256-" in policy


def test_the_csp_allows_exactly_the_inline_scripts_of_the_page(tmp_path):
    app, _ = make_app(tmp_path, example=True)
    response = app.server.test_client().get("/quadrant")
    # scripts inside comments (Dash's "no Internet Explorer" notice) never run
    html = re.sub(r"<!--.*?-->", "", response.get_data(as_text=True), flags=re.S)
    policy = response.headers["Content-Security-Policy"]
    inline = re.findall(
        r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>(.*?)</script>", html, re.S
    )
    assert inline, "the page has Dash's inline renderer script"
    for script in inline:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy
