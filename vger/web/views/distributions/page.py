"""``/distributions``: the lead-time histogram with its 50/80/90 % marks and the
weekly-throughput histogram with the likelihood marks (the spread behind the quadrant's
lines), for Jira issues or pull requests."""

from __future__ import annotations

from vger.web.views.distributions.data import distributions_data
from vger.web.views.distributions.figures import (
    distributions_notes,
    lead_time_histogram_figure,
    throughput_histogram_figure,
)
from vger.web.views.two_charts import TwoChartPage

P = "distributions"
PATH = "/distributions"
CHARTS = (("leadtime", "leadtime-histogram"), ("throughput", "throughput-histogram"))

PAGE = TwoChartPage(
    prefix=P,
    path=PATH,
    what="distributions",
    charts=CHARTS,
    data=distributions_data,
    figures=lambda data: (lead_time_histogram_figure(data), throughput_histogram_figure(data)),
    notes=distributions_notes,
    summary=lambda data: f"{data.lead_items} items, {data.weeks} complete weeks · ",
)
layout = PAGE.layout()
update = PAGE.update
render = PAGE.render
register = PAGE.register
