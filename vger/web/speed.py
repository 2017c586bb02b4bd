"""What keeps the pages light: compressed responses (flask-compress), each body compressed
once (static files by URL, other answers by a hash of their body), static files cached
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
import re
from collections.abc import Collection
from functools import cache
from importlib.resources import files
from pathlib import Path

from cachelib.simple import SimpleCache
from dash import Dash, dcc
from dash.fingerprint import build_fingerprint
from flask import Flask, Request, Response, g, redirect, request
from flask_compress import Compress

from vger.web.cache import LocalCache

YEAR = 31_536_000  # seconds
SUITES = "/_dash-component-suites/"


#: The plotly.js trace types in the vendored bundle; a figure may use no other
#: (tests/web/test_plotly_bundle.py checks the pages and the bundle against it).
BUNDLED_TRACES = frozenset({"scatter", "bar", "histogram", "scattergl"})
PLOTLY_BUNDLE = "vendor/plotly-vger.min.js"  # in the assets folder (static/)


@cache
def fingerprinted(path: str) -> str:
    """``<path>?m=<hash>``: a file of the assets folder (``vendor/...``) under a URL that
    changes with its content (cached for a year, see ``cache_static``)."""
    data = files("vger.static").joinpath(path).read_bytes()
    return f"{path}?m={hashlib.sha256(data).hexdigest()[:12]}"


def plotly_script(prefix: str) -> dict:
    """The ``external_scripts`` entry that loads plotly.js before the graphs need it."""
    return {"src": f"{prefix}assets/{fingerprinted(PLOTLY_BUNDLE)}"}


#: Where ``dcc.Graph`` fetches plotly.js from when the page has none (Dash's 4.8 MB one).
DCC_PLOTLY = "/_dash-component-suites/plotly/package_data/plotly.min.js"


def vendored_script(name: str, prefix: str) -> str:
    """A ``<script>`` tag for ``vendor/<name>`` under a URL fingerprinted with its content."""
    return f'<script src="{prefix}assets/{fingerprinted(f"vendor/{name}")}"></script>'


#: Dash's first script: Babel's polyfill (core-js 2 and the regenerator runtime, 99 KB,
#: 30-40 ms of script time on every load). The browsers Dash 4 runs in have everything
#: core-js 2 adds; its bundles only need the global ``regeneratorRuntime``
#: (``regeneratorRuntime.mark`` in their lazy loaders), which ``vendor/regenerator-runtime.js``
#: (regenerator-runtime 0.14.1, MIT, 25 KB unminified) defines instead.
POLYFILL = re.compile(r'<script src="[^"]*/deps/polyfill@[^"]*"></script>')
#: ``dcc.Graph``'s code is a chunk that the Graph fetches once it is drawn, from a URL
#: without a fingerprint: revalidated (a round trip, after the layout's) on every visit.
#: Pages with charts load it with their scripts instead, from Dash's fingerprinted URL
#: (a year of cache); webpack finds the chunk installed and asks for nothing.
GRAPH_CHUNK = "dcc/async-graph.js"


def graph_chunk_script(prefix: str) -> str:
    """The ``<script>`` tag of :data:`GRAPH_CHUNK` under Dash's own fingerprint (package
    version and file time), which Dash serves with a year of cache."""
    path = Path(dcc.__file__).parent / Path(GRAPH_CHUNK).name
    fingerprint = build_fingerprint(GRAPH_CHUNK, dcc.__version__, int(path.stat().st_mtime))
    return f'<script src="{prefix}_dash-component-suites/dash/{fingerprint}"></script>'


def lean_scripts(app: Dash, chartless: Collection[str]) -> None:
    """Only the scripts a page needs. Every page: the regenerator runtime instead of
    Babel's polyfill (:data:`POLYFILL`). Pages with charts: the Graph's chunk up front
    (:data:`GRAPH_CHUNK`). Pages in ``chartless``: no plotly.js (1.5 MB, ~50 ms of a cached
    page load's script time). A chart reached from such a page without a reload (a navbar
    link) makes ``dcc.Graph`` fetch plotly.js itself, from :data:`DCC_PLOTLY`: redirected
    to the vendored bundle."""
    prefix = app.config.requests_pathname_prefix
    tag = f'<script src="{plotly_script(prefix)["src"]}"></script>'
    regenerator = vendored_script("regenerator-runtime.js", prefix)
    graph = graph_chunk_script(prefix)
    interpolate = app.interpolate_index

    unused = {path.strip("/") for path in chartless}

    def interpolate_index(**kwargs) -> str:
        scripts = POLYFILL.sub(regenerator, kwargs["scripts"], count=1)
        if request.path.removeprefix(app.config.routes_pathname_prefix).strip("/") in unused:
            scripts = scripts.replace(tag, "", 1)
        else:
            scripts += graph
        return interpolate(**{**kwargs, "scripts": scripts})

    app.interpolate_index = interpolate_index

    @app.server.before_request
    def _vendored_plotly():
        if request.path.endswith(DCC_PLOTLY):
            response = redirect(plotly_script(prefix)["src"], 307)
            response.cache_control.no_cache = True
            return response
        return None


#: Answers smaller than this are compressed afresh (microseconds; not worth an entry).
DIGEST_MIN = 16 * 1024
BODIES_KEPT = 64  # compressed answers kept per process (a 1.2 MB JSON is ~0.4 MB zstd)
BODY_SECONDS = 3600


class CompressedBodies:
    """flask-compress cache backend: a body is compressed once per encoding, never again
    while it is kept. Static files are keyed by URL (``static:``; fingerprinted, the same
    for every visitor) and kept for the process's life; other answers by a hash of their
    body (``body:``, see :func:`init_speed`), so a new body (new data, another page or
    view) can never get an old one's compression, and no invalidation is needed. Those
    are kept in a bounded per-process cache (the least recently served go first). The
    rest (``dynamic``: small or streamed answers) is never kept."""

    def __init__(self) -> None:
        self._static: dict[str, bytes] = {}
        self._bodies: SimpleCache = LocalCache(BODIES_KEPT, BODY_SECONDS)

    def get(self, key: str) -> bytes | None:
        if ";static:" in key:
            return self._static.get(key)
        return self._bodies.get(key) if ";body:" in key else None

    def set(self, key: str, value: bytes) -> None:
        if ";static:" in key:
            self._static[key] = value
        elif ";body:" in key:
            self._bodies.set(key, value)  # again on a hit: kept as recently served


def _is_static(req: Request) -> bool:
    return req.method == "GET" and (
        SUITES in req.path or "/assets/" in req.path or req.path.endswith("/_favicon.ico")
    )


def _cache_key(req: Request) -> str:
    if _is_static(req):
        return f"static:{req.full_path}"
    digest = g.get("vger_body_digest")
    return f"body:{digest}" if digest else "dynamic"


def init_speed(server: Flask) -> None:
    """Compress responses (zstd, brotli or gzip, as the browser accepts; brotli at level
    4, about 0.15 CPU-s for plotly.js's 4.8 MB, then kept) and cache fingerprinted files."""
    server.config.setdefault("COMPRESS_ALGORITHM", ["zstd", "br", "gzip"])
    server.config.setdefault("COMPRESS_BR_LEVEL", 5)
    server.config.setdefault("COMPRESS_CACHE_BACKEND", CompressedBodies)
    server.config.setdefault("COMPRESS_CACHE_KEY", _cache_key)
    compress = Compress(server)
    server.extensions["vger-compress"] = compress  # its cache: compressed bodies

    # Registered after flask-compress's own, so it runs before it (Flask runs them in
    # reverse): the hash that keys the compressed body. Compressing the quadrant's JSON
    # of a 1,000,000-issue board (1.2 MB) cost each cached answer 7 ms (zstd) to 60 ms
    # (gzip); hashing it costs 1 ms.
    @server.after_request
    def digest_body(response: Response) -> Response:
        if (
            not _is_static(request)
            and not response.is_streamed
            and response.mimetype in compress.compress_mimetypes_set
            and (response.content_length or 0) >= DIGEST_MIN
        ):
            body = response.get_data()
            g.vger_body_digest = hashlib.blake2b(body, digest_size=20).hexdigest()
        return response

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
