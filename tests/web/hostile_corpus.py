"""A fixed corpus of hostile requests at every public route and at the Dash callback
endpoint (bodies recorded from a real page load: tests/data/callbacks/bodies.json), and
a way to fire one and measure its CPU time in-process. Shared by
tests/web/test_hostile.py and ``python -m bench.hostile``."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

BODIES = json.loads(
    (Path(__file__).resolve().parents[1] / "data" / "callbacks" / "bodies.json").read_text()
)
PAGES = ("/", "/quadrant", "/quarterly", "/scatter", "/forecast", "/flow", "/quality")
JSON_ROUTES = (
    "/api/v1/boards",
    "/api/v1/quadrant",
    "/api/v1/quarterly",
    "/api/v1/scatter",
    "/api/v1/quality",
)
CSV_ROUTES = tuple(
    f"/download/{name}.csv"
    for name in (
        "throughput",
        "variation",
        "backlog",
        "volume",
        "leadtime",
        "forecast",
        "flow",
        "quality",
    )
)
#: The output of a clientside callback (the work-type hint): in the app's callback map,
#: but run by the browser; the server has no function for it.
CLIENTSIDE_OUTPUT = "quad-types-hint.children"
OTHER_ROUTES = ("/health", "/admin/login", "/admin/", "/_dash-layout", "/_dash-dependencies")
#: Bytes of a body larger than any the app accepts (vger.web.guard.MAX_BODY is 256 kB).
OVERSIZED = 2 * 1024 * 1024

DATES = ("0001-01-01", "9999-12-31", "1969-12-31", "2024-02-30", "+002024-01-01", "99999999")
MANY = ",".join(f"t{i}" for i in range(60_000))
SAME = ",".join(["x"] * 60_000)
LONG = "x" * 10_000
# Raw (already percent-encoded) values: NUL, invalid UTF-8, malformed escapes, markup.
RAW_VALUES = ("%00", "%FF%FE%FD", "%", "%zz", "%E0%A4%A", quote(LONG), "%3Cscript%3E", "%7B%7D")
PARAMS = (
    "board",
    "source",
    "from",
    "to",
    "types",
    "repos",
    "window",
    "lines",
    "tags",
    "leadtime",
    "backlog",
    "quarters",
    "sample",
    "by",
    "items",
    "range",
    "bands",
    "page",
    "limit",
    "check",
)


def queries(board: str = "example") -> list[str]:
    """Hostile query strings (without ``?``) about ``board``."""
    out = [f"board={board}&{p}={d}" for d in DATES for p in ("from", "to", "by")]
    out += ["from=0001-01-01&to=9999-12-31", "from=9999-12-31&to=0001-01-01", "from=0001-01-01"]
    out += [f"board={board}&{p}={v}" for v in (MANY, SAME, LONG) for p in ("types", "repos")]
    out += [f"board={board}&" + "&".join(["types=a"] * 5_000)]
    out += [f"board={board}&" + "&".join(f"types=t{i}" for i in range(5_000))]
    out += ["&".join(f"{p}={raw}" for p in PARAMS) for raw in RAW_VALUES]
    out += ["%00=%00", f"board={board}&&&==&%", f"board[]=x&board={board}&source[]="]
    return out


#: Values a callback input may be given that the page never sends.
WRONG = (
    {},
    123,
    True,
    None,
    [],
    [{}],
    [[[[["deep"]]]]],
    LONG,
    "0001-01-01",
    "9999-12-31",
    "\x00",
    "\ud800",
    -1e308,
    [f"t{i}" for i in range(60_000)],
)


@dataclass(frozen=True)
class Hostile:
    """One request: ``label`` says what it is in a failure message."""

    label: str
    method: str
    path: str
    query: str = ""
    body: bytes | None = None
    referrer: str | None = None

    def fire(self, client):
        url = f"{self.path}?{self.query}" if self.query else self.path
        if self.method == "GET":
            return client.get(url, headers={"Referer": self.referrer} if self.referrer else {})
        return client.post(url, data=self.body, content_type="application/json")


def _callback(label: str, body: object) -> Hostile:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Hostile(label, "POST", "/_dash-update-component", body=data)


def _with_values(body: dict, values: dict[int, object], board: str = "example") -> dict:
    out = copy.deepcopy(body)
    for item in out["inputs"]:  # recorded on the example board
        if item.get("value") == "example":
            item["value"] = board
    for index, value in values.items():
        out["inputs"][index]["value"] = value
    return out


def callback_requests(board: str = "example") -> Iterator[Hostile]:
    """Every recorded body with wrong values in its inputs, then broken bodies."""
    pages_body = next(b["body"] for b in BODIES if "_pages_content" in b["body"]["output"])
    for path in PAGES:
        for query in queries(board):
            body = copy.deepcopy(pages_body)
            body["inputs"][0]["value"] = path
            body["inputs"][1]["value"] = "?" + query
            yield _callback(f"page {path}?{query[:80]}", body)
    for recorded in BODIES:
        body = recorded["body"]
        n = len(body["inputs"])
        yield _callback(f"recorded {body['output'][:60]}", _with_values(body, {}, board))
        for value in WRONG:
            shown = repr(value)[:40]
            yield _callback(
                f"{body['output'][:60]} all inputs {shown}",
                _with_values(body, dict.fromkeys(range(n), value), board),
            )
        for index in range(n):
            for value in ({}, WRONG[-1], True):
                yield _callback(
                    f"{body['output'][:60]} input {index} {repr(value)[:40]}",
                    _with_values(body, {index: value}, board),
                )
    first = BODIES[-1]["body"]
    broken: dict[str, object] = {
        "a list body": [first],
        "inputs null": {**first, "inputs": None},
        "state null": {**first, "state": None},
        "inputs of numbers": {**first, "inputs": [1, 2, 3]},
        "no output": {k: v for k, v in first.items() if k != "output"},
        "unknown output": {**first, "output": "nope.children"},
        "output a dict": {**first, "output": {"x": 1}},
        "outputs a string": {**first, "outputs": "x"},
        "outputs null": {**pages_body, "outputs": None},
        "one output of two": {**pages_body, "outputs": pages_body["outputs"][:1]},
        "a clientside output": {**first, "output": CLIENTSIDE_OUTPUT},
        "changedPropIds 5": {**first, "changedPropIds": 5},
        "too few inputs": {**first, "inputs": first["inputs"][:1]},
        "a string": "hello",
        "null": None,
    }
    for label, body in broken.items():
        yield _callback(label, body)
    yield _callback("deeply nested JSON", b"[" * 100_000 + b"]" * 100_000)
    yield _callback("nested 900 levels", b'{"output": ' + b"[" * 900 + b"]" * 900 + b"}")
    yield _callback("invalid JSON", b'{"output": ')
    yield _callback("invalid UTF-8", b'{"output": "\xff\xfe"}')
    yield _callback("NUL bytes", b"\x00" * 1000)
    yield _callback("empty body", b"")
    yield _callback("oversized body", b'{"x": "' + b"a" * OVERSIZED + b'"}')


def route_requests(board: str = "example") -> Iterator[Hostile]:
    """Every public route with every hostile query string."""
    for path in (*PAGES, *JSON_ROUTES, *CSV_ROUTES, *OTHER_ROUTES):
        for query in queries(board):
            yield Hostile(f"GET {path}?{query[:80]}", "GET", path, query)
    for path in ("/admin/login", "/api/v1/quadrant", "/download/flow.csv"):
        yield Hostile(f"POST {path} oversized", "POST", path, body=b"a" * OVERSIZED)
    # the layout draws the page its Referer names (vger.web.shell)
    for path in PAGES:
        for query in queries(board):
            referrer = f"http://localhost{path}?{query}"
            yield Hostile(
                f"layout of {path}?{query[:80]}", "GET", "/_dash-layout", "", None, referrer
            )
    for referrer in ("x", "http://localhost/%FF%00?board=%00", "http://localhost//quadrant", LONG):
        yield Hostile(f"layout of {referrer[:40]}", "GET", "/_dash-layout", "", None, referrer)


def corpus(board: str = "example") -> list[Hostile]:
    return [*route_requests(board), *callback_requests(board)]


def measure(client, request: Hostile):
    """(response, CPU seconds of this process spent answering it)."""
    before = time.process_time()
    response = request.fire(client)
    response.get_data()
    return response, time.process_time() - before
