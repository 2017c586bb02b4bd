"""What keeps the pages light: compressed responses (flask-compress), static files cached
for a year under fingerprinted URLs, plotly.js loaded from such a URL.

Dash fingerprints its own component bundles (``bundle.v7_4_1m<mtime>.js``, one year of
``Cache-Control``), but ``dcc.Graph`` fetches plotly.js from a fixed URL revalidated on
every visit, unless ``window.Plotly`` is already there. So the page loads plotly.js itself,
from a URL fingerprinted with a hash of its content (served by Dash's own route).
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib.resources import files

from flask import Flask, Request, Response, request
from flask_compress import Compress

YEAR = 31_536_000  # seconds
SUITES = "/_dash-component-suites/"


@cache
def plotly_fingerprint() -> str:
    """``package_data/plotly.v<version>m<hash>.min.js``: the bundled plotly.js under a
    name that changes with its content (Dash serves it with a year of caching)."""
    import plotly

    data = files("plotly").joinpath("package_data/plotly.min.js").read_bytes()
    digest = hashlib.sha256(data).hexdigest()[:12]
    version = plotly.__version__.replace(".", "_")
    return f"package_data/plotly.v{version}m{digest}.min.js"


def plotly_script(prefix: str) -> dict:
    """The ``external_scripts`` entry that loads plotly.js before the graphs need it."""
    return {"src": f"{prefix}_dash-component-suites/plotly/{plotly_fingerprint()}"}


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
