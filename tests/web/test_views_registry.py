"""Pages name their outputs: each field of a page's ``Shown`` has one place on the page,
and a field without a place (or a place without a field) is refused when the callback is
registered, not discovered as a chart drawn in the wrong card."""

from __future__ import annotations

from typing import NamedTuple

import pytest

from vger.web.views.efficiency import page as efficiency
from vger.web.views.forecast import page as forecast
from vger.web.views.outputs import named_outputs
from vger.web.views.pr_stages import page as pr_stages
from vger.web.views.quarterly import page as quarterly


@pytest.mark.parametrize("page", [quarterly, forecast, efficiency, pr_stages], ids=lambda p: p.P)
def test_each_output_has_one_place_in_field_order(page):
    outputs = named_outputs(page.Shown, page.WHERE)
    places = [(o.component_id, o.component_property) for o in outputs]
    assert places == [page.WHERE[name] for name in page.Shown._fields]
    assert len(set(places)) == len(places)


def test_a_field_without_a_place_is_refused():
    class Shown(NamedTuple):
        chart: object
        note: str

    with pytest.raises(ValueError, match="without a place"):
        named_outputs(Shown, {"chart": ("c", "figure")})
    with pytest.raises(ValueError):
        named_outputs(Shown, {"chart": ("c", "figure"), "note": ("n", "children"), "x": ("x", "y")})
