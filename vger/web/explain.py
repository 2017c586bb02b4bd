"""The "How to read this" text of every chart (by ``<page prefix>-<chart>``), in the
words of docs/metrics.md."""

from __future__ import annotations

HOW_TO_READ = {
    "quad-throughput": (
        "Bars: items finished each week (Monday to Sunday, team time zone; the week in "
        "progress pale and not counted). Lines: in 50 %, 80 % and 90 % of weeks at least "
        "this many were finished, over the rolling window (or the whole range when "
        "straight). Plan on the 80 % or 90 % line: it is the safer commitment."
    ),
    "quad-variation": (
        "Variation = standard deviation ÷ mean of the weekly counts over the rolling window "
        "(coefficient of variation). Below 0.4: steady, 0.4 to 0.8: uneven, 0.8 and above: "
        "erratic. Lower means more predictable."
    ),
    "quad-backlog": (
        "Cumulative items created, completed and abandoned at the end of each week; open is "
        "created − completed − abandoned. Absolute counts from the beginning of the data, "
        "relative from the start of the range. Created rising faster than completed means "
        "the backlog grows."
    ),
    "quad-leadtime": (
        "Lead time = done − start of work. The lines say: 50 %, 80 % and 90 % of items "
        "finished within this many days. Lower is faster; the gap between 50 % and 90 % "
        "shows how predictable a single item is."
    ),
    "qtr-throughput": (
        "Items finished per fiscal quarter; the lines: in 50 %, 80 % and 90 % of complete "
        "quarters at least this many were finished."
    ),
    "qtr-leadtime": (
        "For items finished in each fiscal quarter: 50 %, 80 % and 90 % finished within "
        "this many days."
    ),
    "fc-howmany": (
        "Monte Carlo: each trial replays randomly drawn past weeks until the date, a drawn "
        "week's items finishing evenly over its 7 days, so it counts to that day exactly. "
        "Bars: how many trials finished each total; the 50/80/90 % lines: at least this many were "
        "finished in that share of trials."
    ),
    "fc-when": (
        "Monte Carlo: each trial replays randomly drawn past weeks until the items are done. "
        "A drawn week's items finish evenly over its 7 days, so trials finish on a day. "
        "Bars: trials finishing on each day (or week, when they spread widely); by the "
        "50/80/90 % date that share of trials "
        "had finished."
    ),
    "fc-sample": "The past weeks the simulation draws from, with the items finished in each.",
    "flow-states": (
        "Cumulative flow: for each day, how many items had reached each work state or a "
        "later one. The vertical distance between two bands is the work in that state; "
        "the horizontal distance approximates the time spent there."
    ),
    "aging-items": (
        "Each dot is an item started and not done, in its current work state, at its age "
        "(days since start). The shaded bands say how old the range's completed items were "
        "when they left that state for good: 50 % had left by the top of the green band, "
        "70 %, 85 % and 95 % by the next ones. A dot above a band is older than that share "
        "of finished work was there: look at the red ones first. Click a dot to open it."
    ),
    "distributions-leadtime": (
        "How many items took each lead time (done − start), in 1-day bins (wider for long "
        "spans). The lines are the lead-time lines of the quadrant: 50 %, 80 % and 90 % of "
        "items finished within them. A long right tail means some items take far longer."
    ),
    "distributions-throughput": (
        "How many complete weeks finished each number of items. The lines are the "
        "quadrant's likelihood lines: in 50 %, 80 % and 90 % of weeks at least this many "
        "were finished. A wide spread means weekly delivery is hard to predict."
    ),
    "wip-wip": (
        "Items between start and done at the end of each day (team time zone). Rising WIP "
        "with steady throughput means longer lead times ahead (Little's law)."
    ),
    "wip-netflow": (
        "Per week: items started minus items finished or abandoned. Above zero the WIP "
        "grew that week, below zero it shrank; the bars add up to the WIP chart's change."
    ),
    "eff-histogram": (
        "Flow efficiency = time in working states ÷ lead time, per completed issue. Bars: how "
        "many issues fall in each 10 % bin. Most teams sit between 15 % and 40 %: work "
        "waits far longer than it is worked on, so shortening queues shortens lead time "
        "more than working faster."
    ),
    "eff-weekly": (
        "The median flow efficiency of the issues finished each week (team time zone). A "
        "rising line means less waiting per item; a gap is a week without finished issues."
    ),
    "eff-states": (
        "For each work state: 50 %, 80 % and 90 % of issues spent at most this long there "
        "(blue: a working state, orange: a waiting one), then the same for each issue's total "
        "working and total waiting time. Which states are working is set per board under "
        "Admin → work states or with vger board states."
    ),
    "prs-stages": (
        "Each bar is one level: 50 %, 80 % or 90 % of the merged pull requests waited at most "
        "the orange length for their first review, spent at most the blue length between the "
        "first review and the last approval, and at most the green length from approval to "
        "merge. Percentiles of parts do not add up; the ◆ marks the same level of the whole. "
        "Time as a draft is left out. A long orange segment means reviews start late."
    ),
    "prs-rounds": (
        "How many review rounds the merged pull requests needed: 1 is approved without a "
        "change asked for, each further round is another review after the author pushed or "
        "asked again. 0: merged without any review by someone else."
    ),
}


def how_to_read(key: str) -> str | None:
    """The explanation of chart ``key`` (``<prefix>-<chart>``), or None."""
    return HOW_TO_READ.get(key)
