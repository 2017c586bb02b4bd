"""The vendored plotly.js (static/vendor/plotly-vger.min.js, built by tools/plotly-bundle)
holds only some trace types: it must register every type a page draws."""

from __future__ import annotations

import re
from importlib.resources import files

from tests.web import hostile_corpus as hc
from tests.web.test_admin import make_app
from vger.web import speed


def _bundle_traces() -> set[str]:
    text = files("vger.static").joinpath(speed.PLOTLY_BUNDLE).read_text()
    return set(re.findall(r'moduleType:"trace",name:"(\w+)"', text))


def _figures(value) -> list[dict]:
    """Every Plotly figure (a dict with ``data`` and ``layout``) inside a callback answer."""
    if isinstance(value, dict):
        if isinstance(value.get("data"), list) and "layout" in value:
            return [value]
        return [f for v in value.values() for f in _figures(v)]
    if isinstance(value, list):
        return [f for v in value for f in _figures(v)]
    return []


def test_the_bundle_registers_exactly_the_declared_traces():
    assert _bundle_traces() == speed.BUNDLED_TRACES


def test_every_page_draws_only_bundled_traces(tmp_path):
    app, _ = make_app(tmp_path, example=True)
    client = app.server.test_client()
    types: set[str] = set()
    figures = 0
    for recorded in hc.BODIES:
        response = client.post("/_dash-update-component", json=recorded["body"])
        if response.status_code != 200:
            continue
        for figure in _figures(response.get_json()):
            figures += 1
            types |= {trace.get("type", "scatter") for trace in figure["data"]}
    assert figures >= 10 and {"scatter", "bar"} <= types  # the pages did draw
    assert types <= speed.BUNDLED_TRACES, types - speed.BUNDLED_TRACES
