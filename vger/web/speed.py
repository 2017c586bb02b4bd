"""What keeps the pages light: compressed responses (flask-compress), static files cached
for a year under fingerprinted URLs, and a plotly.js of only the traces Vger draws.

Dash fingerprints its own component bundles (``bundle.v7_4_1m<mtime>.js``, one year of
``Cache-Control``), but ``dcc.Graph`` fetches the whole plotly.js (4.8 MB) from a fixed URL
revalidated on every visit, unless ``window.Plotly`` is already there. So the page loads
its own plotly.js first: ``static/vendor/plotly-vger.min.js``, plotly.js 4.1.1 with the
traces in ``BUNDLED_TRACES`` only (1.5 MB; built by ``tools/plotly-bundle``), from a URL
fingerprinted with a hash of its content.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from functools import cache
from importlib.resources import files

from dash import Dash
from flask import Flask, Request, Response, redirect, request
from flask_compress import Compress

YEAR = 31_536_000  # seconds
SUITES = "/_dash-component-suites/"


#: The plotly.js trace types in the vendored bundle; a figure may use no other
#: (tests/web/test_plotly_bundle.py checks the pages and the bundle against it).
BUNDLED_TRACES = frozenset({"scatter", "bar", "histogram", "scattergl"})
PLOTLY_BUNDLE = "vendor/plotly-vger.min.js"  # in the assets folder (static/)


@cache
def plotly_fingerprint() -> str:
    """``vendor/plotly-vger.min.js?m=<hash>``: the vendored plotly.js under a URL that
    changes with its content (cached for a year, see ``cache_static``)."""
    data = files("vger.static").joinpath(PLOTLY_BUNDLE).read_bytes()
    return f"{PLOTLY_BUNDLE}?m={hashlib.sha256(data).hexdigest()[:12]}"


def plotly_script(prefix: str) -> dict:
    """The ``external_scripts`` entry that loads plotly.js before the graphs need it."""
    return {"src": f"{prefix}assets/{plotly_fingerprint()}"}


#: Where ``dcc.Graph`` fetches plotly.js from when the page has none (Dash's 4.8 MB one).
DCC_PLOTLY = "/_dash-component-suites/plotly/package_data/plotly.min.js"


def plotly_where_charted(app: Dash, chartless: Collection[str]) -> None:
    """Load plotly.js (1.5 MB, ~50 ms of a cached page load's script time) only on pages
    that draw charts: the index of a path in ``chartless`` leaves its script out. A
    chart reached from such a page without a reload (a navbar link) makes ``dcc.Graph``
    fetch plotly.js itself, from :data:`DCC_PLOTLY`: redirected to the vendored bundle."""
    prefix = app.config.requests_pathname_prefix
    tag = f'<script src="{plotly_script(prefix)["src"]}"></script>'
    interpolate = app.interpolate_index

    unused = {path.strip("/") for path in chartless}

    def interpolate_index(**kwargs) -> str:
        if request.path.removeprefix(app.config.routes_pathname_prefix).strip("/") in unused:
            kwargs["scripts"] = kwargs["scripts"].replace(tag, "", 1)
        return interpolate(**kwargs)

    app.interpolate_index = interpolate_index

    @app.server.before_request
    def _vendored_plotly():
        if request.path.endswith(DCC_PLOTLY):
            response = redirect(plotly_script(prefix)["src"], 307)
            response.cache_control.no_cache = True
            return response
        return None


class StaticOnlyCache:
    """flask-compress cache backend keeping the compressed bodies of static files only
    (keys marked ``static:``): they are the same for every visitor; callbacks are not."""

    def __init__(self) -> None:
        self._store: dict[str, bytes] = {}

    def get(self, key: str) -> bytes | None:
        return self._store.get(key)

    def set(self, key: str, value: bytes) -> None:
        if ";static:" in key:
            self._store[key] = value


def _is_static(req: Request) -> bool:
    return req.method == "GET" and (
        SUITES in req.path or "/assets/" in req.path or req.path.endswith("/_favicon.ico")
    )


def _cache_key(req: Request) -> str:
    return f"static:{req.full_path}" if _is_static(req) else "dynamic"


def init_speed(server: Flask) -> None:
    """Compress responses (zstd, brotli or gzip, as the browser accepts; brotli at level
    4, about 0.15 CPU-s for plotly.js's 4.8 MB, then kept) and cache fingerprinted files."""
    server.config.setdefault("COMPRESS_ALGORITHM", ["zstd", "br", "gzip"])
    server.config.setdefault("COMPRESS_BR_LEVEL", 5)
    server.config.setdefault("COMPRESS_CACHE_BACKEND", StaticOnlyCache)
    server.config.setdefault("COMPRESS_CACHE_KEY", _cache_key)
    Compress(server)

    @server.after_request
    def cache_static(response: Response) -> Response:
        fingerprinted = SUITES in request.path and ".v" in request.path.rsplit("/", 1)[-1]
        busted = "/assets/" in request.path and "m" in request.args
        if response.status_code == 200 and (fingerprinted or busted):
            response.cache_control.no_cache = None  # Flask's static default
            response.cache_control.public = True
            response.cache_control.max_age = YEAR
            response.cache_control.immutable = True
        return response
