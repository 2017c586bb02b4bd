"""What a page's chart callback reads and writes: the shared controls as its inputs, its
outputs by name (a NamedTuple and where each field is shown) instead of by position, and
its registration as the page's first draw (:func:`page_callback`, :func:`first_draw`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State
from dash._callback import NoUpdate
from dash.development.base_component import Component

from vger.web.feedback import slot_id, typed_messages
from vger.web.figures import empty_figure
from vger.web.params import ViewParams, from_shared_controls, shared_controls_query


def chart_places(
    prefix: str, charts: Sequence[str], csv: Sequence[str], *single: str
) -> dict[str, tuple[str, str]]:
    """Where a page of chart cards (:func:`vger.web.components.chart_card`) shows its
    outputs: each chart ``c``'s figure (field ``c``) and note (``c_note``), the CSV link
    of each chart in ``csv`` (``c_csv``), and each ``single`` output (``status``,
    ``answers``…) in the element ``<prefix>-<name>``."""
    return {
        **{c: (f"{prefix}-chart-{c}", "figure") for c in charts},
        **{f"{c}_note": (f"{prefix}-chart-{c}-note", "children") for c in charts},
        **{f"{c}_csv": (f"{prefix}-chart-{c}-csv", "href") for c in csv},
        **{name: (f"{prefix}-{name}", "children") for name in single},
    }


def named_outputs(shown: type, where: Mapping[str, tuple[str, str]]) -> list[Output]:
    """The callback's Outputs for a page's outputs, a NamedTuple ``shown`` (its fields in
    order): ``where`` gives each field's (component id, property). The page returns one
    ``shown`` value: outputs by name, never by position."""
    fields = shown._fields
    if set(fields) != set(where):
        raise ValueError(f"outputs without a place or places without an output: {fields}")
    return [Output(*where[name]) for name in fields]


def failure(
    shown: type, where: Mapping[str, tuple[str, str]], message: str, colour: str, status=None
):
    """A ``shown`` (see :func:`named_outputs`) that says in words what is missing or
    wrong: every figure an empty chart with ``message``, every CSV link ``#``, every
    other output empty, and ``status`` (default: an alert of ``colour``)."""
    blank = empty_figure(message)
    empty = {"figure": blank, "href": "#"}
    values = {name: empty.get(where[name][1], "") for name in shown._fields}
    values["status"] = dbc.Alert(message, color=colour) if status is None else status
    return shown(**values)


def one_chart_outputs(prefix: str, graph: str) -> list[Output]:
    """The chart callback's Outputs of a one-chart page with From and To fields (aging,
    scatter, flow): figure, note, CSV link, status, then the two fields' messages (the
    order of :func:`vger.web.components.one_chart_failure` and ``shared_update``)."""
    return [
        Output(graph, "figure"),
        Output(f"{graph}-note", "children"),
        Output(f"{graph}-csv", "href"),
        Output(f"{prefix}-status", "children"),
        Output(slot_id(prefix, "from"), "children"),
        Output(slot_id(prefix, "to"), "children"),
    ]


SHARED_CONTROLS = ("board", "source", "from", "to", "types", "repos", "preset")


def shared_inputs(prefix: str) -> list[Input]:
    """The callback inputs of the shared controls (board, source, From, To, work types,
    repositories, range preset), in the order ``update`` functions take them."""
    return [Input(f"{prefix}-{name}", "value") for name in SHARED_CONTROLS]


def shared_update(
    render: Callable[[ViewParams], tuple], board, source, start, end, types, repos, relative=None
) -> tuple:
    """A chart callback over the shared controls: ``render`` of the view they stand for,
    then the messages under the From and To fields."""
    query = shared_controls_query(board, source, start, end, types, repos, relative)
    params = from_shared_controls(board, source, start, end, types, repos, relative)
    return render(params) + typed_messages(query, ("from", "to"))


#: Per page path: the Outputs, Inputs/States and function of its page callback.
_FIRST_DRAWS: dict[str, tuple[tuple[Output, ...], tuple[Input | State, ...], Callable]] = {}


def page_callback(app: Dash, path: str, *dependencies: Output | Input | State):
    """Register a page's main callback (its charts, report...) so a page load costs no
    callback round trip of its own: the page's layout (drawn into the app's layout by
    :mod:`vger.web.shell`, or the answer of Dash's router callback) comes with the
    outputs already in it, computed by the same function from the values
    the layout gives the controls (:func:`first_draw`); the callback runs only when a
    control changes (``prevent_initial_call``). Decorator, like ``app.callback``."""
    outputs = tuple(d for d in dependencies if isinstance(d, Output))
    inputs = tuple(d for d in dependencies if not isinstance(d, Output))

    def decorate(func: Callable) -> Callable:
        app.callback(*outputs, *inputs, prevent_initial_call=True)(func)
        _FIRST_DRAWS[path] = (outputs, inputs, func)
        return func

    return decorate


def first_draw(path: str, page: object) -> object:
    """``page`` with the outputs of the page callback of ``path`` (if any) set: what the
    callback answers for the values the controls start with, so what a page shows on
    load is exactly what the browser would have asked the callback for."""
    draw = _FIRST_DRAWS.get(path)
    if draw is None or not isinstance(page, Component):
        return page
    outputs, inputs, func = draw
    by_id = {c.id: c for c in page._traverse_ids() if isinstance(c.id, str)}
    if isinstance(getattr(page, "id", None), str):
        by_id[page.id] = page
    values = [getattr(by_id[d.component_id], d.component_property, None) for d in inputs]
    answer = func(*values)
    answers = (answer,) if len(outputs) == 1 else tuple(answer)
    for output, value in zip(outputs, answers, strict=True):
        if not isinstance(value, NoUpdate):
            setattr(by_id[output.component_id], output.component_property, value)
    return page
