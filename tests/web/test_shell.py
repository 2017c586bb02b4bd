"""The layout a page's renderer asks for comes with that page drawn in (vger.web.shell):
exactly what Dash's router callback would answer, the URL holders set to the page's
path and query, the navbar filled; without a usable Referer, the empty container."""

from __future__ import annotations

import json

import pytest

from vger.web.shell import CONTENT, LOCATION, STORE

PAGE = "/quadrant"
SEARCH = "?board=example&range=26w"


def _layout(client, referrer: str | None) -> tuple[dict, object]:
    headers = {"Referer": referrer} if referrer is not None else {}
    response = client.get("/_dash-layout", headers=headers)
    assert response.status_code == 200
    return _by_id(response.get_json()), response


def _by_id(tree) -> dict:
    """Every component with an id in a layout's JSON, by id."""
    found: dict = {}

    def walk(node):
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, dict) and "props" in node:
            props = node["props"]
            if isinstance(props.get("id"), str):
                found[props["id"]] = props
            walk(props.get("children"))

    walk(tree)
    return found


def _router(client, pathname: str, search: str) -> dict:
    """What Dash's page-routing callback answers for the URL (the pre-shell page load)."""
    deps = client.get("/_dash-dependencies").get_json()
    output = next(d["output"] for d in deps if f"{CONTENT}.children" in d["output"])
    body = {
        "output": output,
        "outputs": [
            {"id": CONTENT, "property": "children"},
            {"id": STORE, "property": "data"},
        ],
        "inputs": [
            {"id": LOCATION, "property": "pathname", "value": pathname},
            {"id": LOCATION, "property": "search", "value": search},
        ],
        "changedPropIds": [f"{LOCATION}.pathname"],
        "state": [],
    }
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200
    return response.get_json()["response"]


def test_the_layout_holds_the_page_the_router_would_draw(client):
    client.get("/")  # Dash's first-request checks
    ids, _ = _layout(client, f"http://localhost{PAGE}{SEARCH}")
    routed = _router(client, PAGE, SEARCH)
    content = ids[CONTENT]["children"]
    assert content["props"]["children"]  # the page itself, not an empty container
    assert json.dumps(content, sort_keys=True) == json.dumps(
        routed[CONTENT]["children"], sort_keys=True
    )
    assert ids[STORE]["data"] == routed[STORE]["data"]
    assert "Example" in ids[STORE]["data"]["title"]
    for location in (LOCATION, "app-url"):
        assert (ids[location]["pathname"], ids[location]["search"]) == (PAGE, SEARCH)
    # the navbar's links keep the shared parameters; the freshness line is there
    hrefs = [link["props"]["href"] for link in ids["nav-links"]["children"]]
    assert "/scatter?board=example&range=26w" in hrefs
    assert "No successful sync" in json.dumps(ids["freshness"]["children"])


def test_the_quadrant_is_drawn_with_its_charts(client):
    client.get("/")
    ids, _ = _layout(client, f"http://localhost{PAGE}{SEARCH}")
    figure = ids["quad-chart-throughput"]["figure"]
    assert figure["data"], "the first draw's figure is in the layout"


@pytest.mark.parametrize(
    "referrer",
    [
        None,  # no Referer at all
        "http://localhost/",  # the origin alone (a long URL's Referer is cut to it)
        "http://localhost/nope?board=example",  # no such page
        "http://localhost/?board=example",  # the boards list: left to the router
        "",
    ],
)
def test_without_a_page_the_callbacks_fill_the_layout(client, referrer):
    client.get("/")
    ids, _ = _layout(client, referrer)
    assert ids[CONTENT].get("children") is None
    assert ids[LOCATION].get("pathname") is None and ids["app-url"].get("pathname") is None
    assert ids["nav-links"].get("children") is None
    assert ids[STORE].get("data") is None


def test_the_layout_is_never_stored(client):
    client.get("/")
    _, response = _layout(client, f"http://localhost{PAGE}{SEARCH}")
    assert response.headers["Cache-Control"] == "no-store"
    assert "Referer" in response.headers["Vary"]


def test_an_unknown_board_shows_the_page_list_of_boards(client):
    client.get("/")
    ids, _ = _layout(client, "http://localhost/quality?board=nope")
    assert "There is no board named 'nope'" in json.dumps(ids[CONTENT]["children"])


def test_a_first_request_for_the_layout_draws_the_page(client):
    """Dash checks the (empty) layout for duplicate ids on its first request, before the
    page is drawn into it: the navbar repeats the page links' ids."""
    ids, _ = _layout(client, f"http://localhost{PAGE}{SEARCH}")
    assert ids[CONTENT]["children"]


def test_the_page_fetches_its_layout_while_its_scripts_load(client):
    """Both requests the renderer makes first are preloaded by the page (same URL, mode
    and credentials as the renderer's fetch, so the browser hands it the preloaded one)."""
    html = client.get("/quality?board=example").data.decode()
    head = html[: html.index("</head>")]
    for name in ("_dash-layout", "_dash-dependencies"):
        assert f'<link rel="preload" href="/{name}" as="fetch" crossorigin="anonymous">' in head


def test_a_page_layout_reads_the_boards_once(client):
    """The board choice, the freshness line and the page's start share one read of the
    boards per request (vger.web.state.request_boards); it was five."""
    from sqlalchemy import event

    engine = client.application.extensions["vger"]["engine"]
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        by_id, _ = _layout(client, f"http://localhost{PAGE}{SEARCH}")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert CONTENT in by_id and by_id[CONTENT]["children"]  # the page is drawn in
    board_reads = [s for s in seen if "FROM board JOIN team" in s and "WHERE" not in s]
    assert len(board_reads) == 1, board_reads
