"""Hostile requests stop at the door: request bodies are capped, and a Dash callback
body that is not the shape Dash's renderer sends is a 400 in words before Dash reads it.

Dash trusts its renderer: ``inputs: null``, a list body, an unknown ``output`` or JSON
nested a thousand levels deep made it raise (a 500 with a traceback in the log). The
values inside a well-formed body may still be of any JSON type; the pages' parameter
parsing (:mod:`vger.web.params`) accepts any of them and falls back with a notice.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from flask import Flask, Response, g, jsonify, request
from werkzeug.exceptions import BadRequest

log = logging.getLogger(__name__)

#: Bytes a request body may have (a callback body of the largest page is a few kB;
#: an admin form a few hundred bytes). Larger: 413.
MAX_BODY = 256 * 1024
CALLBACK_PATH = "/_dash-update-component"


#: Paths whose answers are computed from the store (the rest are static or tiny).
DATA_PREFIXES = ("/api/", "/download/", "/_dash-update-component", "/_dash-layout")
BUSY = "The dashboard is busy; try again in a few seconds."


def init_app(
    server: Flask, callback_map: dict[str, Any], *, slots: int = 2, wait: float = 10.0
) -> None:
    """Cap request bodies, check Dash callback bodies, and let at most ``slots`` data
    requests compute at once in this process: others wait up to ``wait`` seconds, then
    get a 503 in words. With gunicorn's threaded workers the other threads stay free for
    /health, pages and assets, however many costly requests arrive."""
    server.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    server.config["MAX_FORM_MEMORY_SIZE"] = MAX_BODY
    gate = threading.BoundedSemaphore(max(1, slots))

    @server.before_request
    def _enter_gate():
        if not request.path.startswith(DATA_PREFIXES):
            return None
        if not gate.acquire(timeout=wait):
            log.warning("busy: refused %s after %.0f s", request.path, wait)
            if request.path.startswith("/download/"):
                answer = Response(BUSY + "\n", 503, mimetype="text/plain")
            else:
                answer = jsonify({"error": BUSY})
                answer.status_code = 503
            answer.headers["Retry-After"] = "5"
            return answer
        g.vger_gate = gate
        return None

    @server.teardown_request
    def _leave_gate(_exc):
        held = g.pop("vger_gate", None)
        if held is not None:
            held.release()

    @server.before_request
    def _check_callback_body():
        if request.path != CALLBACK_PATH or request.method != "POST":
            return None
        problem = callback_problem(_body(), callback_map)
        if problem is None:
            return None
        log.info("refused a callback body: %s", problem)
        return jsonify({"error": f"Not a callback request: {problem}."}), 400


def _body() -> object:
    """The request's JSON (cached by Flask for Dash), or a reason it is not JSON."""
    try:
        return request.get_json(force=True)
    except BadRequest:
        return _NotJson("the body is not JSON")
    except RecursionError:
        return _NotJson("the JSON is nested too deeply")


class _NotJson:
    def __init__(self, reason: str) -> None:
        self.reason = reason


def _is_prop(item: object) -> bool:
    return (
        isinstance(item, dict)
        and isinstance(item.get("id"), str | dict)
        and isinstance(item.get("property"), str)
    )


#: Properties of ``dcc.Location`` that Dash's own page routing reads as text.
URL_PROPS = ("pathname", "search", "hash", "href")


def _url_prop_ok(entry: dict) -> bool:
    if entry["property"] not in URL_PROPS:
        return True
    value = entry.get("value")
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    return entry["property"] != "pathname" or value.startswith("/")


def _props(value: object, count: int, name: str) -> str | None:
    if not isinstance(value, list):
        return f"{name} must be a list"
    if len(value) != count:
        return f"{name} must have {count} entries"
    for item in value:
        entries = item if isinstance(item, list) else [item]
        if len(entries) > 100 or not all(_is_prop(e) for e in entries):
            return f"every entry of {name} needs an id and a property"
        if not all(_url_prop_ok(e) for e in entries):
            return "a page address must be text (a path starting with /)"
    return None


def _outputs_problem(outputs: object, callback: dict[str, Any]) -> str | None:
    """``outputs`` must name ids and properties, one entry per output of a callback of
    several (Dash indexes them by position: fewer was an IndexError, a 500)."""
    declared = callback.get("output")
    if isinstance(declared, list | tuple) and not callback.get("no_output"):
        if not isinstance(outputs, list) or len(outputs) != len(declared):
            return f"outputs must have {len(declared)} entries"
    if outputs is not None and not (
        _is_prop(outputs)
        or (isinstance(outputs, list) and all(_is_prop(o) or isinstance(o, list) for o in outputs))
    ):
        return "outputs must name ids and properties"
    return None


def callback_problem(body: object, callback_map: dict[str, Any]) -> str | None:
    """What is wrong with a callback body, in words, or None when Dash can read it."""
    if isinstance(body, _NotJson):
        return body.reason
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    output = body.get("output")
    if not isinstance(output, str) or output not in callback_map:
        return "output names no callback of this app"
    callback = callback_map[output]
    if "callback" not in callback:  # a clientside callback: the browser runs it
        return "output names no server callback"
    problem = _props(body.get("inputs"), len(callback.get("inputs", [])), "inputs")
    if problem:
        return problem
    problem = _props(body.get("state", []), len(callback.get("state", [])), "state")
    if problem:
        return problem
    problem = _outputs_problem(body.get("outputs"), callback)
    if problem:
        return problem
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        return "changedPropIds must be a list of strings"
    return None
