"""Paths under /api that are not the API answer JSON, never the dashboard's HTML shell."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("path", ["/api", "/api/v2/quadrant", "/api/v1/nope?board=example"])
def test_unknown_api_paths_answer_a_json_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["error"].startswith("no API at /api") and "/api/v1/quadrant" in body["paths"]
