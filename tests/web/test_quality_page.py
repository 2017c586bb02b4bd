"""The data-quality page's layout and report, through its page functions on the store of
tests/web/test_quality_api.py: checks, words for what is missing, escaped summaries, and
each check's issues drawn when it is opened (one page of keys, a pager)."""

from __future__ import annotations

import json

import plotly

from tests.web import test_quality_api as shared
from vger.web.params import parse
from vger.web.views.quality import page as quality

# The store, app and crowded board of the quality API tests (fixtures by assignment).
engine, app, client, crowded = shared.engine, shared.app, shared.client, shared.crowded
ALL, UNRESOLVED = shared.ALL, shared.UNRESOLVED
EVIL = shared.EVIL


def _tree(component) -> dict:
    return json.loads(json.dumps(component, cls=plotly.utils.PlotlyJSONEncoder))


def _walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _text(node) -> list[str]:
    return [n for n in _walk_strings(node)]


def _walk_strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _walk_strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk_strings(value)


def _opened(params, tree) -> dict:
    """Each check's list as its opening draws it (``render_list``), by check id; a
    closed report draws no key."""
    ids = [
        n["props"]["id"]["check"]
        for n in _walk(tree)
        if isinstance(n.get("props", {}).get("id"), dict)
        and n["props"]["id"]["type"] == "quality-list"
    ]
    assert _keys(tree) == [] and all(
        n["props"]["children"] == quality.UNOPENED
        for n in _walk(tree)
        if isinstance(n.get("props", {}).get("id"), dict)
        and n["props"]["id"]["type"] == "quality-list"
    )
    return {check: _tree(quality.render_list(params, check)) for check in ids}


def test_quality_page_layout_and_report(app, client):
    params = parse({"board": "example"}).params
    with app.server.test_request_context("/quality?board=example"):
        layout = _tree(quality.layout(board="example"))
        assert "Example team · Example board · data quality" in _text(layout)
        tree = _tree(quality.render(params))
        opened = _opened(params, tree)
    rows = {
        n["props"]["id"].removeprefix("quality-row-"): n["props"]["children"]
        for n in _walk(tree)
        if str(n.get("props", {}).get("id", "")).startswith("quality-row-")
    }
    # a check that found something has a table row; the others share one line
    assert {k: int(v.split()[0]) for k, v in rows.items()} == {
        k: len(v) for k, v in ALL.items() if v
    }
    none = next(n for n in _walk(tree) if n.get("props", {}).get("id") == "quality-none")
    said = " ".join(_text(none))
    titles = {
        n["props"]["children"]
        for n in _walk(tree)
        if n.get("type") == "A" and str(n["props"].get("href", "")).startswith("#quality-check-")
    }
    assert len(titles) == len(rows) and not any(t in said for t in titles)
    assert f"{sum(1 for v in ALL.values() if not v)} checks found nothing" in said
    badges = {
        n["props"]["id"].removeprefix("quality-count-"): int(n["props"]["children"])
        for n in _walk(tree)
        if str(n.get("props", {}).get("id", "")).startswith("quality-count-")
    }
    # a card (with its count and its list) only for a check that found something
    assert badges == {k: len(v) for k, v in ALL.items() if v}
    assert set(opened) == set(badges)
    cards = {
        n["props"]["id"].removeprefix("quality-check-")
        for n in _walk(tree)
        if str(n.get("props", {}).get("id", "")).startswith("quality-check-")
    }
    assert cards == set(badges)
    links = {
        n["props"]["children"]: n["props"]
        for n in _walk(opened)
        if n.get("type") == "A" and "quality-key" in str(n["props"].get("className"))
    }
    assert set(links) == {"EX-1", "EX-2", "EX-4", "EX-5", "EX-6"}
    assert links["EX-5"]["href"] == "https://jira.example.com/browse/EX-5"
    assert links["EX-5"]["target"] == "_blank" and links["EX-5"]["rel"] == "noopener"
    csv = next(n for n in _walk(tree) if n.get("props", {}).get("id") == "quality-csv")
    assert csv["props"]["href"] == "/download/quality.csv?board=example"


def test_html_in_summaries_stays_text_on_the_page(app):
    params = parse({"board": "example"}).params
    with app.server.test_request_context("/quality?board=example"):
        tree = _opened(params, _tree(quality.render(params)))

    def texts(node) -> list[str]:  # its children that are strings (text nodes)
        children = node.get("props", {}).get("children")
        return [
            c
            for c in (children if isinstance(children, list) else [children])
            if isinstance(c, str)
        ]

    holders = [n for n in _walk(tree) if any(EVIL in t for t in texts(n))]
    assert holders and all(h["type"] == "Li" for h in holders)  # a text node of the key's item
    types = {n.get("type") for n in _walk(tree)}
    assert "Markdown" not in types and "Iframe" not in types
    assert "dangerously_allow_html" not in json.dumps(tree)


def test_quality_page_words_for_missing(app):
    with app.server.test_request_context("/quality?board=fresh"):
        fresh = _tree(quality.render(parse({"board": "fresh"}).params))
        assert any("no work states" in s for s in _text(fresh))
        unknown = _tree(quality.render(parse({"board": "nope"}).params))
        assert any("There is no board named 'nope'" in s for s in _text(unknown))
        listing = _tree(quality.layout(board="nope"))
        assert any("There is no board named 'nope'" in s for s in _text(listing))


def test_quality_is_in_the_navigation(app):
    from vger.web.components import page_links
    from vger.web.views import VIEWS

    assert ("Data quality", "/quality") in {(view.nav, view.path) for view in VIEWS}
    with app.server.test_request_context("/quality"):
        hrefs = [link.href for link in page_links("board=example", "/quality")]
    assert "/quality?board=example" in hrefs


def test_controls_keep_the_other_shared_parameters():
    params = quality.params_from_controls("example", ["Defect"], "board=example&from=2024-01-01")
    assert params.to_query() == "board=example&from=2024-01-01&types=Defect"


def _keys(tree) -> list[str]:
    return [
        n["props"]["children"]
        for n in _walk(tree)
        if n.get("type") == "A" and "quality-key" in str(n["props"].get("className"))
    ]


def test_quality_page_lists_one_page_of_keys_per_check(crowded, app):
    params = parse({"board": "example"}).params
    with app.server.test_request_context("/quality?board=example"):
        tree = _opened(params, _tree(quality.render(params)))
        unknown = _tree(quality.render_list(params, "no_such_check"))
        second = _tree(quality.render_page(params, "done_without_resolution", 2))
        past = _tree(quality.render_page(params, "done_without_resolution", 3))
    lists = {
        n["props"]["id"]["check"]: n
        for n in _walk(tree)
        if isinstance(n.get("props", {}).get("id"), dict)
        and n["props"]["id"]["type"] == "quality-keys"
    }
    assert _keys(lists["done_without_resolution"]) == UNRESOLVED[:10]
    pagers = {
        n["props"]["id"]["check"]: n["props"]
        for n in _walk(tree)
        if isinstance(n.get("props", {}).get("id"), dict)
        and n["props"]["id"]["type"] == "quality-pager"
    }
    assert set(pagers) == {"done_without_resolution"}  # every other check fits one page
    assert pagers["done_without_resolution"]["max_value"] == 2
    assert _keys(second) == ["EX-16", "EX-17"]
    assert _keys(past) == []
    others = sum(len(keys) for check, keys in ALL.items() if check != "done_without_resolution")
    assert len(_keys(tree)) == 10 + others
    assert any("There is no check 'no_such_check'" in t for t in _text(unknown))
