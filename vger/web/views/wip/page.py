"""``/wip``: the daily work-in-progress run chart (items between start and done at
the end of each day, team time zone) and the weekly net flow (arrivals minus
departures), for Jira issues or pull requests."""

from __future__ import annotations

from vger.web.views.two_charts import TwoChartPage
from vger.web.views.wip.data import wip_data
from vger.web.views.wip.figures import netflow_figure, wip_figure, wip_notes

P = "wip"
PATH = "/wip"
CHARTS = (("wip", "wip"), ("netflow", "netflow"))

PAGE = TwoChartPage(
    prefix=P,
    path=PATH,
    what="work in progress and net flow",
    charts=CHARTS,
    data=wip_data,
    figures=lambda data: (wip_figure(data), netflow_figure(data)),
    notes=wip_notes,
    summary=lambda data: (
        f"{int(data.wip.iloc[-1])} {data.noun} in progress at the end of {data.last_day} · "
    ),
)
layout = PAGE.layout()
update = PAGE.update
render = PAGE.render
register = PAGE.register
