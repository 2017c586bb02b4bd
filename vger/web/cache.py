"""Cache of computed series (Flask-Caching), keyed by what the numbers depend on.

A key is (board and its settings, work types, repositories, the view's query string,
the team's local date, the store's data version — :func:`vger.store.queries.data_version`:
the board's sync runs and work states). Every ETL run records a sync run, so the next
request after a run computes afresh: no stale numbers, and no explicit invalidation.

Backends: ``SimpleCache`` per process by default (without pickling: :class:`LocalCache`) (one per gunicorn worker or Lambda
container); Redis, shared by every process, when ``VGER_CACHE_URL=redis://...`` is set
(needs the ``redis`` package; Plotly figures stored as their JSON: :class:`SharedSerializer`), behind a per-process :class:`LocalCache` of the values
this process has used: a Redis hit is unpickled once per process, not on every request
(the quadrant page's cached figures cost ~50 ms to unpickle), and a worker that gunicorn
recycled finds the shared values instead of computing them cold. A key names
everything its value depends on, so neither layer can serve a stale value.
``VGER_CACHE_SECONDS=0`` turns caching off.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import logging
import pickle
from collections.abc import Callable
from typing import Any, TypeVar

import pandas as pd
from cachelib.serializers import RedisSerializer
from cachelib.simple import SimpleCache
from flask import Flask, current_app, has_app_context
from flask_caching import Cache
from plotly.basedatatypes import BaseFigure

from vger.config import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")
EXTENSION = "vger-cache"
NEAR = "vger-cache-near"  # the per-process layer in front of a shared (Redis) cache
#: Entries kept per process by SimpleCache (a 100,000-issue board's quadrant is a few MB).
SIMPLE_THRESHOLD = 64


def cache_config(settings: Settings) -> dict[str, Any]:
    """Flask-Caching configuration for ``settings``."""
    if settings.cache_seconds <= 0:
        return {"CACHE_TYPE": "NullCache", "CACHE_NO_NULL_WARNING": True}
    config: dict[str, Any] = {
        "CACHE_DEFAULT_TIMEOUT": settings.cache_seconds,
        "CACHE_KEY_PREFIX": settings.redis_prefix,  # "vger:": one per installation
    }
    if settings.cache_url:
        config.update(CACHE_TYPE="RedisCache", CACHE_REDIS_URL=settings.cache_url)
    else:
        config.update(CACHE_TYPE="vger.web.cache.local_cache", CACHE_THRESHOLD=SIMPLE_THRESHOLD)
    return config


class _Identity:
    """A cachelib serializer that keeps the object: no pickling within one process."""

    def dumps(self, value: Any) -> Any:
        return value

    def loads(self, value: Any) -> Any:
        return value


class LocalCache(SimpleCache):
    """cachelib's ``SimpleCache`` (per process, LRU-ish threshold, timeouts) holding the
    objects themselves: unpickling a 100,000-issue quadrant took ~70 ms per hit. Callers
    get a detached copy (:func:`detach`), so the cached value cannot be changed."""

    serializer = _Identity()


def local_cache(app, config, args, kwargs):  # Flask-Caching's CACHE_TYPE factory protocol
    kwargs.update(
        threshold=config["CACHE_THRESHOLD"], default_timeout=config["CACHE_DEFAULT_TIMEOUT"]
    )
    return LocalCache(*args, **kwargs)


def _figure(cls: type[BaseFigure], spec: dict) -> BaseFigure:
    """A figure rebuilt from the JSON dict of one that was valid when it was stored:
    without validating it again (Plotly's own ``_validate=False``)."""
    return cls(spec, _validate=False)


class _FigurePickler(pickle.Pickler):
    """A pickler that stores each Plotly figure as its JSON dict (what Dash sends)."""

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, BaseFigure):
            return _figure, (type(obj), obj.to_plotly_json())
        return NotImplemented


class SharedSerializer(RedisSerializer):
    """cachelib's Redis serializer (pickle), with Plotly figures stored as their JSON
    dicts and rebuilt without validation: a figure pickles as its constructor call, so
    reading a page's cached figures from Redis validated every value again (the 1M-issue
    quadrant's four figures: 136 ms CPU, 490 ms in a worker's first request, on every
    worker gunicorn recycled). Now ~10 ms; the JSON sent is the same (its layout's keys in
    the order a rebuilt figure has them, as before)."""

    def dumps(self, value: Any, protocol: int = pickle.HIGHEST_PROTOCOL) -> bytes:
        if type(value) is int:  # kept as text for Redis INCR, as cachelib does
            return super().dumps(value, protocol)
        out = io.BytesIO()
        out.write(b"!")
        _FigurePickler(out, protocol).dump(value)
        return out.getvalue()


def detach(value: Any) -> Any:
    """A copy of ``value`` whose DataFrames/Series are shallow copies (pandas
    copy-on-write keeps them independent) inside dataclasses, recursively; other values
    are shared (they are immutable in practice: dates, strings, tuples, boards)."""
    if isinstance(value, pd.DataFrame | pd.Series):
        return value.copy(deep=False)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: detach(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init
        }
        return dataclasses.replace(value, **changes)
    return value


def init_cache(server: Flask, settings: Settings) -> Cache:
    """Attach a cache to the Flask ``server`` (one backend per app)."""
    cache = Cache(config=cache_config(settings))
    cache.init_app(server)
    server.extensions[EXTENSION] = cache
    if settings.cache_url and settings.cache_seconds > 0:
        server.extensions["cache"][cache].serializer = SharedSerializer()
        server.extensions[NEAR] = LocalCache(SIMPLE_THRESHOLD, settings.cache_seconds)
    return cache


def current_cache() -> Cache | None:
    """The current app's cache, or None outside an app (CLI, benchmarks, plain calls)."""
    if not has_app_context():
        return None
    return current_app.extensions.get(EXTENSION)


def make_key(name: str, *parts: object) -> str:
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:40]
    return f"{name}:{digest}"


def cached(name: str, parts: tuple, compute: Callable[[], T]) -> T:
    """``compute()``, or its cached result for ``(name, parts)``. A cache backend that
    fails (Redis down) is logged and bypassed: numbers are never wrong, only slower."""
    cache = current_cache()
    if cache is None:
        return compute()
    key = make_key(name, *parts)
    near = current_app.extensions.get(NEAR)
    hit = None if near is None else near.get(key)
    if hit is not None:
        return detach(hit)
    try:
        hit = cache.get(key)
    except Exception as exc:  # noqa: BLE001 - a broken cache must not break the page
        log.warning("cache get failed (%s): computing", type(exc).__name__)
        return compute()
    if hit is None:
        hit = compute()
        try:
            cache.set(key, hit)
        except Exception as exc:  # noqa: BLE001
            log.warning("cache set failed (%s)", type(exc).__name__)
    if near is not None:
        near.set(key, hit)
    return detach(hit)


def clear() -> None:
    """Drop every entry of the current app's cache (e.g. after an admin change)."""
    cache = current_cache()
    if cache is not None:
        cache.clear()
        near = current_app.extensions.get(NEAR)
        if near is not None:
            near.clear()
