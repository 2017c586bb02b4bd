"""Items 3 and 8 of issue 13: likelihood lines you can read and a toolbar that uploads
nothing. Every chart's toolbar is read from the page layouts; the lines from render()."""

from __future__ import annotations

import colorsys

import dash
import pytest

from vger.web.views.quadrant import page as quadrant

ALLOWED = {"toImage", "resetScale2d", "zoom2d"}


def _walk(component):
    yield component
    children = getattr(component, "children", None)
    if children is None:
        return
    for child in children if isinstance(children, list | tuple) else [children]:
        if hasattr(child, "to_plotly_json"):
            yield from _walk(child)


def _graphs(tree):
    return [c for c in _walk(tree) if type(c).__name__ == "Graph"]


def test_every_chart_toolbar_is_png_reset_and_zoom_only(example_app):
    seen = 0
    with example_app.server.test_request_context():
        for page in dash.page_registry.values():
            for graph in _graphs(page["layout"](board="example")):
                seen += 1
                config = graph.config
                buttons = {b for group in config["modeBarButtons"] for b in group}
                assert buttons <= ALLOWED, (page["path"], buttons)
                assert {"toImage", "resetScale2d"} <= buttons
                assert config["showSendToCloud"] is False
                assert config["showEditInChartStudio"] is False
                assert config["displaylogo"] is False
    assert seen >= 9  # quadrant 4, quarterly, scatter, forecast, flow, quality charts


def _luminance(hex_colour: str) -> float:
    """WCAG relative luminance of ``#rrggbb``."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _render(example_app, lines="rolling", leadtime="overall"):
    with example_app.server.test_request_context():
        params = quadrant.params_from_controls(
            "example", "jira", "2024-01-01", "2024-01-14", [], [], 1, lines, leadtime,
            "absolute", [],
        )  # fmt: skip
        return quadrant.render(params)


@pytest.mark.parametrize("lines", ["rolling", "straight"])
def test_likelihood_lines_are_distinct_readable_and_labelled(example_app, lines):
    # Example board, window 1: weekly counts 1 and 2 (week of Jan 1 and of Jan 8), so every
    # level of the last week is 2 (one value: all levels coincide); lead times of the
    # second week: EX-1 7.0 and EX-4 9.0 days.
    throughput, _, _, lead = _render(example_app, lines)[:4]
    expected_tp, shift_lists = EXPECTED[lines]
    expected_shifts = {
        k: dict(zip(["end-50", "end-80", "end-90"], v, strict=True)) for k, v in shift_lists.items()
    }
    for fig, words, sign in ((throughput, "at least", "≥"), (lead, "within", "≤")):
        traces = [t for t in fig.data if t.type == "scatter"]
        assert len(traces) == 3
        styles = {(t.line.color, t.line.dash, t.line.width) for t in traces}
        assert len({s[0] for s in styles}) == 3 and len({s[1] for s in styles}) == 3
        # coinciding lines: the widest is drawn first, so each narrower one shows on top
        widths = [t.line.width for t in traces]
        assert widths == sorted(widths, reverse=True)
        for trace in traces:
            assert words in trace.name
            last = [y for y in trace.y if y == y][-1]
            assert trace.name.endswith(f"{last:.1f}")  # the value is in the legend
        labels = {
            a.name: a.text for a in fig.layout.annotations if (a.name or "").startswith("end")
        }
        assert set(labels) == {"end-50", "end-80", "end-90"}
        assert all(sign in text for text in labels.values())
        # labels of equal or close values are stacked, not printed over each other
        shifts = {
            a.name: a.yshift or 0
            for a in fig.layout.annotations
            if (a.name or "").startswith("end")
        }
        assert shifts == expected_shifts[words]
    ends = {t.name.split(" ")[0]: t.name for t in throughput.data[1:]}
    assert [ends[str(level)][-3:] for level in (50, 80, 90)] == expected_tp


# rolling, window 1: the last week alone (2 items: every level 2.0; lead times 7 and 9
# days: 50 % 8.0, 80 % 8.6, 90 % 8.8). straight: both weeks (counts 1, 2: 50 % 1.5,
# 80 % (20th pct) 1.2, 90 % 1.1; lead times the same 7 and 9, EX-2 has none).
# A label is stacked 14 px lower per earlier label closer than 6 % of the highest value
# drawn (2 items → 0.12; 8.8 days → 0.528): 2.0/2.0/2.0 all stack; 1.2 and 1.1 stack;
# 8.6 and 8.8 stack.
EXPECTED = {
    "rolling": (["2.0", "2.0", "2.0"], {"at least": [0, -14, -28], "within": [0, 0, -14]}),
    "straight": (["1.5", "1.2", "1.1"], {"at least": [0, 0, -14], "within": [0, 0, -14]}),
}


def test_level_palette_is_calm_and_contrasted():
    from vger.web.figures import LEVEL_COLOURS

    for level, colour in LEVEL_COLOURS.items():
        contrast = (1.0 + 0.05) / (_luminance(colour) + 0.05)
        assert contrast >= 4.5, (level, colour, contrast)  # readable as label text on white
        r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
        hue = colorsys.rgb_to_hsv(r, g, b)[0] * 360
        assert 100 <= hue <= 280, (level, colour, hue)  # greens, blues, violets: no red/amber


def test_an_empty_type_filter_says_all_types(example_app):
    from vger.web.views.quadrant import page as quad_page

    with example_app.server.test_request_context():
        none = quad_page.layout(board="example")
        some = quad_page.layout(board="example", types="Defect")
    hint = {str(t.id): t for t in _walk(none) if getattr(t, "id", None) == "quad-types-hint"}
    assert hint["quad-types-hint"].children == "None ticked: all types."
    picked = next(t for t in _walk(some) if getattr(t, "id", None) == "quad-types-hint")
    assert picked.children == ""
