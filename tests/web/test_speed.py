"""Item 1 of issue 13: responses compressed, every script and asset under a fingerprinted
URL cached for a year, plotly.js among them."""

from __future__ import annotations

import gzip
import re

import brotli
import flask_compress.flask_compress
import pytest
from flask_compress.compat import compression

from vger.web import speed


def _scripts(client) -> list[str]:
    html = client.get("/quadrant?board=example").data.decode()
    return re.findall(r'<script src="([^"]+)"', html)


def test_page_and_callbacks_are_compressed(client):
    plain = client.get("/quadrant?board=example")
    assert "Content-Encoding" not in plain.headers  # no Accept-Encoding: as it was
    for encoding, decode in (
        ("br", brotli.decompress),
        ("gzip", gzip.decompress),
    ):
        packed = client.get("/quadrant?board=example", headers={"Accept-Encoding": encoding})
        assert packed.headers["Content-Encoding"] == encoding
        body = decode(packed.data)
        assert body.startswith(b"<!DOCTYPE html>") and body.rstrip().endswith(b"</html>")
        assert abs(len(body) - len(plain.data)) < 100  # the same page (but for request ids)
        assert len(packed.data) < len(plain.data) / 2
    api = client.get("/api/v1/quadrant?board=example", headers={"Accept-Encoding": "br"})
    assert api.headers["Content-Encoding"] == "br"
    assert b'"board": "example"' in brotli.decompress(api.data)


def test_scripts_are_fingerprinted_and_cached_for_a_year(client):
    scripts = _scripts(client)
    plotly = [s for s in scripts if "/assets/vendor/plotly-vger.min.js?m=" in s]
    assert len(plotly) == 1  # loaded by the page, so dcc.Graph never fetches the bare URL
    for src in scripts:
        response = client.get(src, headers={"Accept-Encoding": "br"})
        assert response.status_code == 200, src
        cache = response.cache_control
        assert cache.max_age == 31_536_000 and cache.public and not cache.no_cache, src
        response.close()  # a streamed body left unread warns when it is collected
    body = brotli.decompress(client.get(plotly[0], headers={"Accept-Encoding": "br"}).data)
    assert body.startswith(b"/**\n* plotly.js v") and b"var Plotly=" in body[:1000]
    assert b"_dash-component-suites/plotly/" not in "".join(scripts).encode()  # not twice


def test_dynamic_responses_are_never_served_from_the_compression_cache(client):
    first = client.get(
        "/api/v1/quadrant?board=example&from=2024-01-01&to=2024-01-07",
        headers={"Accept-Encoding": "br"},
    )
    second = client.get(
        "/api/v1/quadrant?board=example&from=2024-01-08&to=2024-01-14",
        headers={"Accept-Encoding": "br"},
    )
    one, two = brotli.decompress(first.data), brotli.decompress(second.data)
    assert b'"from": "2024-01-01"' in one and b'"from": "2024-01-08"' in two


# --- each body compressed once (the compressed-body cache) ----------------------------

LONG = "/api/v1/quadrant?board=example&from=2021-01-01&to=2024-01-28"  # 54 kB of JSON
DECODERS = {"br": brotli.decompress, "gzip": gzip.decompress}


@pytest.fixture
def compressions(monkeypatch):
    """Every body flask-compress compresses (its own function, counted, not replaced)."""
    seen: list[tuple[str, int]] = []
    real = flask_compress.flask_compress._compress_data

    def counted(app, data, algorithm):
        seen.append((algorithm, len(data)))
        return real(app, data, algorithm)

    monkeypatch.setattr(flask_compress.flask_compress, "_compress_data", counted)
    return seen


def _decoded(response) -> bytes:
    encoding = response.headers.get("Content-Encoding")
    if encoding == "zstd":
        return compression.zstd.decompress(response.data)
    return DECODERS[encoding](response.data) if encoding else response.data


def test_a_body_is_compressed_once_per_encoding_and_served_the_same(client, compressions):
    plain = client.get(LONG).data
    assert len(plain) >= speed.DIGEST_MIN  # a body worth keeping compressed
    answers = {}
    for encoding in ("br", "gzip", "zstd", "br", "gzip", "zstd"):
        response = client.get(LONG, headers={"Accept-Encoding": encoding})
        assert response.headers["Content-Encoding"] == encoding
        assert "Accept-Encoding" in response.headers["Vary"]
        assert _decoded(response) == plain  # what a fresh compression would decode to
        answers.setdefault(encoding, []).append(response.data)
    assert sorted(a for a, _ in compressions) == ["br", "gzip", "zstd"]  # once each
    assert all(first == again for first, again in answers.values())
    assert len({first for first, _ in answers.values()}) == 3  # one body per encoding


def test_another_body_is_never_served_an_old_compression(client, compressions):
    first = client.get(LONG, headers={"Accept-Encoding": "br"})
    other = client.get(LONG.replace("2021-01-01", "2021-02-01"), headers={"Accept-Encoding": "br"})
    one, two = _decoded(first), _decoded(other)
    assert b'"from": "2021-01-01"' in one and b'"from": "2021-02-01"' in two
    assert len(compressions) == 2


def test_new_data_is_compressed_afresh(example_app, compressions):
    from tests.web.test_cache import _sync_new_issues

    client = example_app.server.test_client()
    before = _decoded(client.get(LONG, headers={"Accept-Encoding": "br"}))
    assert _decoded(client.get(LONG, headers={"Accept-Encoding": "br"})) == before
    assert len(compressions) == 1
    _sync_new_issues(example_app.server.extensions["vger"]["engine"], "201")
    after = client.get(LONG, headers={"Accept-Encoding": "br"})
    assert _decoded(after) != before and b"EX-201" in _decoded(after)
    assert _decoded(after) == client.get(LONG).data  # the new body, not the old one's
    assert len(compressions) == 2


def test_small_answers_are_compressed_each_time_and_not_kept(client, compressions):
    small = "/api/v1/quadrant?board=example&from=2024-01-01&to=2024-01-28"
    for _ in range(2):
        response = client.get(small, headers={"Accept-Encoding": "br"})
        assert len(_decoded(response)) < speed.DIGEST_MIN
        assert response.headers["Content-Encoding"] == "br"
    assert len(compressions) == 2
    kept = client.application.extensions["vger-compress"].cache
    assert kept.get("br;dynamic") is None


def test_pages_without_charts_load_no_plotly(client):
    """plotly.js is on the pages that draw charts only; dcc.Graph's own URL for it (when a
    chart is reached without a reload) leads to the same vendored bundle."""
    from vger.web.views import VIEWS

    for view in VIEWS:
        html = client.get(f"{view.path}?board=example").data.decode()
        scripts = re.findall(r'<script src="([^"]+)"', html)
        assert len(scripts) > 5, view.path  # Dash's scripts are all there
        plotly = [s for s in scripts if "plotly" in s]
        assert len(plotly) == (1 if view.charts else 0), view.path
    charted = _scripts(client)
    fallback = client.get("/_dash-component-suites/plotly/package_data/plotly.min.js")
    assert fallback.status_code == 307
    assert fallback.headers["Location"].endswith(next(s for s in charted if "plotly" in s))
    assert fallback.cache_control.no_cache


def test_pages_load_the_regenerator_runtime_not_babels_polyfill(client):
    """Every page: the 25 KB regenerator runtime the bundles call, not Babel's 99 KB
    polyfill; pages with charts also load the Graph's chunk up front, fingerprinted."""
    from vger.web.views import VIEWS

    for view in VIEWS:
        html = client.get(f"{view.path}?board=example").data.decode()
        scripts = re.findall(r'<script src="([^"]+)"', html)
        assert not [s for s in scripts if "polyfill" in s], view.path
        regenerator = [s for s in scripts if "/assets/vendor/regenerator-runtime.js?m=" in s]
        assert len(regenerator) == 1 and scripts[0] == regenerator[0], view.path  # first
        chunk = [s for s in scripts if "async-graph" in s]
        assert len(chunk) == (1 if view.charts else 0), view.path
        if view.charts:
            assert re.search(r"/dcc/async-graph\.v[\w]+m\d+\.js$", chunk[0]), chunk
            assert scripts.index(chunk[0]) > scripts.index(
                next(s for s in scripts if "dash_core_components." in s)
            )
    body = client.get(regenerator[0]).data
    assert b"regeneratorRuntime = runtime" in body
