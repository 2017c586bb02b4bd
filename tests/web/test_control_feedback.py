"""Issue 13 items 5 and 4: a value typed into a control that the URL contract refuses
is said in words next to that control (the chart callbacks' outputs); the range
presets are on the quarterly, scatter and forecast pages too, and their date pickers
hold only explicit dates, so changing another control never freezes a relative range."""

from __future__ import annotations

import pytest

from tests.web.dash_tree import by_id as _by_id
from tests.web.dash_tree import walk as _walk
from vger.web.feedback import control_messages, notice_parameter
from vger.web.views.flow import page as flow
from vger.web.views.forecast import page as forecast
from vger.web.views.quadrant import page as quadrant
from vger.web.views.quarterly import page as quarterly
from vger.web.views.scatter import page as scatter


def _parent_of(tree, id_: str):
    """The component whose direct children include ``id_``."""
    for c in _walk(tree):
        children = getattr(c, "children", None)
        if isinstance(children, list | tuple) and any(
            getattr(k, "id", None) == id_ for k in children
        ):
            return c
    raise AssertionError(f"no parent of {id_}")


def _quadrant(start=None, end=None, window=None, preset="custom") -> tuple:
    # board, source, from, to, types, repos, window, lines, leadtime, backlog, tags, preset
    return quadrant.update(
        "example", "jira", start, end, [], [], window, "rolling", "overall", "absolute", [], preset
    )


# ----------------------------------------------------------------- item 5: words next to controls


def test_quadrant_from_after_to_is_said_under_from(example_app):
    with example_app.server.app_context():
        out = _quadrant("2024-01-20", "2024-01-10")
    assert out[-3:] == ("Ignored from=2024-01-20 because it is after to=2024-01-10.", "", "")
    assert out[0].data or out[0].layout  # the charts still answer, from the other dates


@pytest.mark.parametrize(
    ("start", "end", "window", "slot", "words"),
    [
        ("yesterday", None, None, 0, "Ignored from='yesterday': dates are written YYYY-MM-DD."),
        (None, "2024-13-01", None, 1, "Ignored to='2024-13-01': dates are written YYYY-MM-DD."),
        (None, None, 0, 2, "Ignored window='0': use a number of weeks from 1 to 52."),
        (None, None, 200, 2, "Ignored window='200': use a number of weeks from 1 to 52."),
        (None, None, 2.5, 2, "Ignored window='2.5': use a number of weeks from 1 to 52."),
        ("2004-01-01", "2024-01-31", None, 0, "The range was cut to the last 10 years"),
    ],
)
def test_quadrant_refused_values_are_said_next_to_their_field(
    example_app, start, end, window, slot, words
):
    with example_app.server.app_context():
        messages = _quadrant(start, end, window)[-3:]
    assert messages[slot].startswith(words)
    assert [m for i, m in enumerate(messages) if i != slot] == ["", ""]


def test_quadrant_valid_fields_have_no_message(example_app):
    with example_app.server.app_context():
        assert _quadrant("2024-01-01", "2024-01-31", 4)[-3:] == ("", "", "")
        assert _quadrant(None, None, None, "90d")[-3:] == ("", "", "")


def test_flow_scatter_and_quarterly_say_it_under_the_date(example_app):
    with example_app.server.app_context():
        flow_out = flow.update("example", "jira", "2024-01-20", "2024-01-10", [], [], "custom")
        scatter_out = scatter.update("example", "jira", "soon", None, [], [], "custom")
        quarter_out = quarterly.update("example", "jira", "31/03/2024", 4, [], [], "custom")
    assert flow_out[-2:] == ("Ignored from=2024-01-20 because it is after to=2024-01-10.", "")
    assert scatter_out[-2:] == ("Ignored from='soon': dates are written YYYY-MM-DD.", "")
    assert quarter_out[-1] == "Ignored to='31/03/2024': dates are written YYYY-MM-DD."
    assert len(flow_out) == 6 and len(scatter_out) == 6 and len(quarter_out) == 8


@pytest.mark.parametrize(
    ("page", "query", "fields"),
    [
        (quadrant, {}, ("from", "to", "window")),
        (flow, {}, ("from", "to")),
        (scatter, {}, ("from", "to")),
        (quarterly, {}, ("to",)),
        (forecast, {}, ("sample", "by", "items")),
    ],
)
def test_each_message_sits_next_to_its_field(example_app, page, query, fields):
    with example_app.server.test_request_context():
        tree = page.layout(board="example", **query)
    prefix = page.P
    for name in fields:
        slot = _by_id(tree, f"{prefix}-{name}-msg")
        # the layout comes with the chart callback's first answer: no message for this view
        assert slot.role == "status" and slot.children == ""
        # same column as the field, right under it
        siblings = [getattr(k, "id", None) for k in _parent_of(tree, slot.id).children]
        assert siblings.index(slot.id) == siblings.index(f"{prefix}-{name}") + 1


def test_notices_belong_to_the_parameter_they_name():
    assert notice_parameter("Ignored from=2024-01-20 because it is after to=2024-01-10.") == "from"
    assert notice_parameter("Ignored items='0': use a number of items from 1 to 10000.") == "items"
    assert notice_parameter("The range was cut to the last 10 years before to=2024-01-31.") == (
        "from"
    )
    # a date moved into the supported span names its field; a range is no field's
    assert notice_parameter("Showing to=9999-12-31: dates run from 1970-01-01 to 2100-12-31.") == (
        "to"
    )
    showing = "Showing range=ytd (it moves with today); from and to were ignored."
    assert control_messages([showing], ("from", "to")) == ("", "")
    assert control_messages(["Ignored to='x': a.", "Ignored to='y': b."], ("from", "to")) == (
        "",
        "Ignored to='x': a. Ignored to='y': b.",
    )


# -------------------------------------------------- item 4: presets on every page with a range


@pytest.mark.parametrize("page", [quarterly, scatter, forecast])
def test_presets_on_the_page_show_the_url_range(example_app, page):
    with example_app.server.test_request_context():
        relative = page.layout(board="example", range="ytd")
        explicit = page.layout(board="example", to="2024-01-31")
        plain = page.layout(board="example")
    assert _by_id(relative, f"{page.P}-preset").value == "ytd"
    assert _by_id(explicit, f"{page.P}-preset").value == "custom"
    assert _by_id(plain, f"{page.P}-preset").value == "90d"


@pytest.mark.parametrize("page", [quarterly, scatter])
def test_pickers_hold_only_explicit_dates(example_app, page):
    with example_app.server.test_request_context():
        relative = page.layout(board="example", range="26w")
        plain = page.layout(board="example")
        explicit = page.layout(board="example", **{"from": "2024-01-01", "to": "2024-01-31"})
    to = f"{page.P}-to"
    # under a relative (or the default) range the picker is empty: the dates are a hint
    assert _by_id(relative, to).value is None and _by_id(plain, to).value is None
    assert _by_id(relative, to).placeholder == "2024-02-01"  # NOW's day, moving
    assert _by_id(explicit, to).value == "2024-01-31"
    if page is scatter:
        assert _by_id(relative, "scatter-from").value is None
        assert _by_id(relative, "scatter-from").placeholder == "2023-08-04"  # 182 days to NOW
        assert _by_id(explicit, "scatter-from").value == "2024-01-01"


def test_changing_another_control_keeps_a_relative_range(example_app):
    with example_app.server.app_context():
        # scatter: a work type ticked under range=26w (pickers empty)
        s = scatter.params_from_controls("example", "jira", None, None, ["Feature"], [], "26w")
        # quarterly: 6 quarters under ytd (the "to" picker empty, no from kept)
        q = quarterly.params_from_controls("example", "jira", None, 6, [], [], "ytd", None)
        # forecast: another sample under 1y (the shared dates empty)
        f = forecast.params_from_controls(
            "example", "jira", 8, None, 30, [], [], "1y", [None, None]
        )
        # explicit dates stay explicit when another control changes
        e = scatter.params_from_controls(
            "example", "jira", "2024-01-01", "2024-01-31", ["Feature"], [], "custom"
        )
    assert s.to_query() == "board=example&types=Feature&range=26w"
    assert q.to_query() == "board=example&quarters=6&range=ytd"
    assert f.to_query() == "board=example&sample=8&range=1y"
    assert e.to_query() == "board=example&from=2024-01-01&to=2024-01-31&types=Feature"


def test_the_presets_and_pickers_are_wired(example_app):
    # a preset empties the page's pickers, a typed date selects "the dates": the
    # callbacks exist for every page with presets and pickers (the forecast has none)
    outputs = " ".join(example_app.callback_map)
    for prefix, pickers in (("quad", 2), ("flow", 2), ("scatter", 2), ("qtr", 1)):
        assert f"{prefix}-preset.value@" in outputs
        assert f"{prefix}-to.value@" in outputs
        assert (f"{prefix}-from.value@" in outputs) == (pickers == 2)
