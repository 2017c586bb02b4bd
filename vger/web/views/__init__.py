"""The views: one folder per view, each with

- ``data.py``: the view's data, store reads and :mod:`vger.metrics` calls;
- ``figures.py``: pure Plotly figure builders;
- ``page.py``: the Dash layout and its few-line callbacks;
- ``export.py``: its CSV and JSON routes (a Flask blueprint) and the CSV bodies.

:data:`VIEWS` is the registry :func:`vger.web.create_app` builds the Dash pages and
registers the blueprints from; :mod:`vger.web.components` draws the navigation from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from flask import Blueprint

from vger.web.views.aging import export as aging_export
from vger.web.views.aging import page as aging_page
from vger.web.views.distributions import export as distributions_export
from vger.web.views.distributions import page as distributions_page
from vger.web.views.efficiency import export as efficiency_export
from vger.web.views.efficiency import page as efficiency_page
from vger.web.views.flow import export as flow_export
from vger.web.views.flow import page as flow_page
from vger.web.views.forecast import export as forecast_export
from vger.web.views.forecast import page as forecast_page
from vger.web.views.home import page as home_page
from vger.web.views.pr_stages import export as pr_stages_export
from vger.web.views.pr_stages import page as pr_stages_page
from vger.web.views.quadrant import export as quadrant_export
from vger.web.views.quadrant import page as quadrant_page
from vger.web.views.quality import export as quality_export
from vger.web.views.quality import page as quality_page
from vger.web.views.quarterly import export as quarterly_export
from vger.web.views.quarterly import page as quarterly_page
from vger.web.views.scatter import export as scatter_export
from vger.web.views.scatter import page as scatter_page
from vger.web.views.wip import export as wip_export
from vger.web.views.wip import page as wip_page


@dataclass(frozen=True)
class View:
    """One view: its name, URL path, page title, page module (``layout(**query)`` and
    ``register(app)``), the blueprint of its CSV and JSON routes (None: none), its
    link text in the navigation (None: not linked) and whether it draws charts (a page
    without loads no plotly.js)."""

    name: str
    path: str
    title: str
    page: ModuleType
    blueprint: Blueprint | None = None
    nav: str | None = None
    charts: bool = True


VIEWS: tuple[View, ...] = (
    View("home", "/", "Teams and boards", home_page, charts=False),
    View("quadrant", "/quadrant", "Four quadrants", quadrant_page, quadrant_export.bp, "Quadrant"),
    View("quarterly", "/quarterly", "Quarterly", quarterly_page, quarterly_export.bp, "Quarterly"),
    View(
        "scatter",
        "/scatter",
        "Lead-time scatterplot",
        scatter_page,
        scatter_export.bp,
        "Scatterplot",
    ),
    View("forecast", "/forecast", "Forecast", forecast_page, forecast_export.bp, "Forecast"),
    View("flow", "/flow", "Cumulative flow", flow_page, flow_export.bp, "Flow"),
    View("aging", "/aging", "Aging work in progress", aging_page, aging_export.bp, "Aging"),
    View(
        "distributions",
        "/distributions",
        "Distributions",
        distributions_page,
        distributions_export.bp,
        "Distributions",
    ),
    View("wip", "/wip", "WIP and net flow", wip_page, wip_export.bp, "WIP"),
    View(
        "efficiency",
        "/efficiency",
        "Flow efficiency",
        efficiency_page,
        efficiency_export.bp,
        "Efficiency",
    ),
    View(
        "pr-stages",
        "/pr-stages",
        "Pull-request stages",
        pr_stages_page,
        pr_stages_export.bp,
        "PR stages",
    ),
    View(
        "quality",
        "/quality",
        "Data quality",
        quality_page,
        quality_export.bp,
        "Data quality",
        charts=False,
    ),
)
