"""The quadrant's CSV downloads (``/download/<chart>.csv``) and JSON
(``/api/v1/quadrant``), for the same query string as the page.

The JSON's throughput rows are the CSV's, but for the keys: every week's count, and one
page of its keys (``page``, 1-based; ``limit`` keys per week, default 100, at most
10,000; ``pages``: how many pages list every key of the busiest week). The CSV lists
every key: 13 weeks of a 1,000,000-issue board are 114,000 keys, 1.2 MB of JSON.
"""

from __future__ import annotations

import dataclasses
import logging
import math

import numpy as np
import pandas as pd
from flask import Blueprint, Response, abort, current_app, jsonify, request

from vger.errors import NotFoundError
from vger.metrics.calendar import utc_ns
from vger.metrics.quadrant import by_time_then_key, keys_by_week, texts
from vger.store import queries
from vger.web import cache, state
from vger.web.export import Paging, csv_stream, csv_text, defuse, iso_utc, request_paging
from vger.web.params import parse
from vger.web.views.common import choose_board, local_today, view_key
from vger.web.views.efficiency.data import days_flagged
from vger.web.views.linked import linked_prs
from vger.web.views.quadrant.data import (
    LeadTimeRows,
    QuadrantData,
    completed_with_details,
    leadtime_rows,
    quadrant_data,
)

bp = Blueprint("vger_quadrant", __name__)
log = logging.getLogger(__name__)


QUADRANT_CSVS = ("throughput", "variation", "backlog", "volume", "leadtime", "headlines")
KEYS_LIMIT = 100  # keys per week in one page of the JSON
MOST_KEYS = 10_000


@bp.route("/download/<chart>.csv")
def download(chart: str) -> Response:
    """The data behind a chart, for the same query string as the page."""
    if chart not in QUADRANT_CSVS:
        abort(
            404,
            description=f"There is no chart {chart!r} on the quadrant: use one of {', '.join(QUADRANT_CSVS)}.",
        )
    parsed = parse(request.args.to_dict(flat=False))
    try:
        with state.engine().connect() as conn:
            choice = choose_board(conn, parsed.params)
            now = state.now()
            if chart == "leadtime" and choice.params.source != "github":
                # the rows on their own: computing the charts too cost the CSV half
                # its CPU (13 weeks of a 100,000-issue board)
                def data():
                    return leadtime_rows(conn, choice, now)
            else:
                charts = quadrant_data(conn, choice, now)

                def data():
                    return charts

            key = view_key(conn, choice, now)

            def frame():
                return cache.cached(f"csv-{chart}", key, lambda: _quadrant_csv(conn, chart, data()))

            # the text too: writing the 11,000 rows of a 13-week lead-time CSV again
            # cost each cached download 0.1 CPU-s
            columns, pieces = cache.cached(f"csv-text-{chart}", key, lambda: csv_text(frame()))
    except NotFoundError as exc:
        abort(404, description=str(exc))
    first, last = choice.params.dates(local_today(choice.board.tz, now))
    source = choice.params.source
    return csv_stream(
        pieces, columns, f"vger-{choice.board.slug}-{source}-{chart}-{first}-{last}.csv"
    )


def _quadrant_csv(conn, chart: str, data) -> pd.DataFrame:
    github = data.source == "github"
    if (chart == "volume" and not github) or (chart == "backlog" and github):
        raise NotFoundError(
            f"The {chart} chart belongs to source={'jira' if chart == 'backlog' else 'github'}."
        )
    if chart == "leadtime":
        completed = (
            data.completed if isinstance(data, LeadTimeRows) else completed_with_details(conn, data)
        )
        states = None
        if "state_days" in completed:
            states = queries.completed_state_times_of(conn, data.choice.board, completed)
            completed = completed.drop(columns="state_days")
        flagged = None if github else days_flagged(conn, data.choice.board, completed)
        prs = None if github else linked_prs(conn, data.choice, completed)
        return leadtime_csv(dataclasses.replace(data, completed=completed), states, flagged, prs)
    bodies = {
        "throughput": throughput_csv,
        "variation": variation_csv,
        "backlog": backlog_csv,
        "volume": volume_csv,
        "headlines": headlines_csv,
    }
    return bodies[chart](data)


@bp.route("/api/v1/quadrant")
def api_quadrant():
    """The quadrant's series as JSON, for the same query string as the page, with one
    page of each week's keys (``page``, ``limit``)."""
    parsed = parse(request.args.to_dict(flat=False))
    paging_notices: list[str] = []
    paging = request_paging(paging_notices, KEYS_LIMIT, MOST_KEYS)
    try:
        with state.engine().connect() as conn:
            choice = choose_board(conn, parsed.params)
            now = state.now()
            key = view_key(conn, choice, now)
            notices = parsed.notices + choice.notices + paging_notices
            # the answer's text, cached with its data (and its notices and page, which
            # the normalised query of the key does not carry): writing the JSON again
            # cost each cached answer on a 1,000,000-issue board more than its data did
            text = cache.cached(
                "api-quadrant",
                (*key, tuple(notices), paging),
                lambda: current_app.json.dumps(
                    _api_body(choice, notices, paging, *_with_throughput(conn, choice, now, key)),
                    sort_keys=False,
                ),
            )
    except NotFoundError as exc:
        return jsonify({"error": str(exc)}), 404  # as this route always wrote it (compact)
    return Response(text, 200, mimetype="application/json")


def _api_body(
    choice, notices: list, paging: Paging, data: QuadrantData, throughput: pd.DataFrame
) -> dict:
    q = data.quadrant
    return {
        "board": choice.board.slug,
        "source": data.source,
        "from": data.first_day.isoformat(),
        "to": data.last_day.isoformat(),
        "time_zone": choice.board.tz,
        "window_weeks": data.window,
        "lines": choice.params.lines,
        "notices": notices,
        "page": paging.page,
        "limit": paging.limit,
        "pages": max(
            1, math.ceil(int(throughput["count"].max() if len(throughput) else 0) / paging.limit)
        ),
        "throughput": keys_page(throughput, paging),
        "variation": variation_csv(data),
        "backlog" if data.source == "jira" else "volume": backlog_csv(data)
        if data.source == "jira"
        else volume_csv(data),
        "lead_time": {
            "overall": {str(k): v for k, v in q.lead_time_overall.items()},
            "weekly": [
                {
                    "week": d.date().isoformat(),
                    **{str(k): q.lead_time[k].iat[i] for k in (50, 80, 90)},
                }
                for i, d in enumerate(q.lead_time.index)
            ],
        },
        "headlines": _headlines_json(data),
        "empty": data.empty_message,
    }


def _with_throughput(
    conn, choice, now, key: tuple | None = None
) -> tuple[QuadrantData, pd.DataFrame]:
    """The view's data and its throughput rows (the keys completed each week), both
    cached: listing the keys of 114,000 issues (90 days of a 1,000,000-issue board) cost
    each cached JSON answer 1.5 s. The rows are those of /download/throughput.csv."""
    key = view_key(conn, choice, now) if key is None else key
    data = quadrant_data(conn, choice, now, key)
    return data, cache.cached("csv-throughput", key, lambda: throughput_csv(data))


def keys_page(throughput: pd.DataFrame, paging: Paging) -> pd.DataFrame:
    """The throughput rows (:func:`throughput_csv`) with one page of each week's keys
    (or PRs): those ``paging`` points at, in the CSV's order; ``count`` stays the week's."""
    column = throughput.columns[3]  # keys, or prs for pull requests
    first = (paging.page - 1) * paging.limit
    keys = [
        " ".join(text.split(" ")[first : first + paging.limit]) if text else ""
        for text in throughput[column]
    ]
    return throughput.assign(**{column: keys})


def _headlines_json(data) -> dict:
    """The quadrant's headlines and story, as in /download/headlines.csv."""
    frame = headlines_csv(data)
    cards = frame[frame["headline"] != "story"]
    return {
        "weeks": data.headlines.weeks,
        "story": data.headlines.story,
        "cards": {
            row["headline"]: {k: row[k] for k in cards.columns if k != "headline"}
            for row in cards.to_dict(orient="records")
        },
    }


def throughput_csv(data: QuadrantData) -> pd.DataFrame:
    """week, count, complete, the likelihood lines shown, and the keys completed that week."""
    items = data.items
    frame = keys_by_week(items.loc[items["outcome"] == "completed", ["key", "done"]], data.grid)
    for level in (50, 80, 90):
        frame[f"likelihood_{level}"] = np.round(data.quadrant.throughput[level].to_numpy(), 4)
    frame = frame.rename(columns={"keys": "prs" if data.source == "github" else "keys"})
    return defuse(frame, [frame.columns[3]])


def variation_csv(data: QuadrantData) -> pd.DataFrame:
    v = data.quadrant.variation
    return pd.DataFrame(
        {
            "week": [d.date().isoformat() for d in v.index],
            "count": data.quadrant.throughput["count"].to_numpy(),
            "variation": np.round(v.to_numpy(), 6),
        }
    )


def backlog_csv(data: QuadrantData) -> pd.DataFrame:
    b = data.quadrant.backlog.reset_index()
    b["week"] = [d.date().isoformat() for d in b["week"]]
    return b


def volume_csv(data: QuadrantData) -> pd.DataFrame:
    v = data.volume.reset_index()
    v["week"] = [d.date().isoformat() for d in v["week"]]
    return v.rename(columns={"merged": "merged_lines", "rejected": "rejected_lines"})


def leadtime_csv(
    data: QuadrantData | LeadTimeRows,
    state_days: pd.DataFrame | None = None,
    flagged: np.ndarray | None = None,
    prs: np.ndarray | None = None,
) -> pd.DataFrame:
    """One row per completed item in the range: key, summary, type, start, done, days
    (and for issues the days flagged in Jira, ``flagged`` in the order of
    ``data.completed``, the linked pull requests, ``prs`` in the same order, and the
    days per work state, in board order)."""
    c = data.completed
    if flagged is not None:
        c = c.assign(flagged=np.asarray(flagged, dtype=float))
    if prs is not None:
        c = c.assign(prs=np.asarray(prs, dtype=object))
    # by done, then key (numbers sorted in numpy: pandas' sort on two columns factorised
    # the 11,000 keys of a 13-week CSV first)
    c = c.iloc[by_time_then_key(utc_ns(c["done"]).view("int64"), texts(c["key"]))]
    github = data.source == "github"
    frame = pd.DataFrame(
        {
            "key": c["key"].to_numpy(),
            "summary": c["summary"].to_numpy(),
            "type": c["issue_type"].to_numpy(),
            "start": iso_utc(c["created"] if github else c["start"]),
            "done": iso_utc(c["done"]),
            "days": np.round(c["lead_time"].to_numpy(dtype=float), 4),
        }
    )
    if not github and flagged is not None:
        frame["days_flagged"] = np.round(c["flagged"].to_numpy(dtype=float), 4)
    if not github and prs is not None:
        frame["pull_requests"] = c["prs"].to_numpy()
    if github:
        frame["additions"] = c["additions"].to_numpy()
        frame["deletions"] = c["deletions"].to_numpy()
        frame["url"] = c["url"].to_numpy()
    elif state_days is not None and not state_days.empty:
        wide = _days_by_state(state_days, c["issue_id"].astype(str).to_numpy())
        has_lead = ~np.isnan(c["lead_time"].to_numpy(dtype=float))
        for position, name in sorted(wide.columns, key=lambda col: (col[0] < 0, col[0])):
            values = np.where(has_lead, wide[(position, name)].to_numpy(dtype=float), np.nan)
            frame[f"days_{name}"] = np.round(values, 4)
    return defuse(frame, ["summary", *(["pull_requests"] if "pull_requests" in frame else [])])


def _days_by_state(state_days: pd.DataFrame, ids: np.ndarray) -> pd.DataFrame:
    """The days (``days``) of ``state_days`` (``issue_id``, ``position``, ``state``) summed
    per issue of ``ids`` (rows, in that order) and (position, state) (columns, sorted);
    0.0 where an issue has none. With one number per issue and state, and one name per
    position (the packed days' rows), each is placed where it belongs: a fifth of the CPU
    of ``pivot_table`` (20 ms of a 13-week lead-time CSV of 11,000 issues), which sums
    the rest."""
    days = state_days["days"].to_numpy(dtype=float)
    issue_codes, issues = pd.factorize(state_days["issue_id"].astype(str).to_numpy())
    state_codes, positions = pd.factorize(state_days["position"].to_numpy())
    name_codes, names = pd.factorize(state_days["state"].to_numpy(dtype=object))
    pairs = pd.Index(state_codes * len(names) + name_codes).nunique()  # (position, name)
    cells = issue_codes * len(positions) + state_codes
    if np.isnan(days).any() or pairs > len(positions) or not pd.Index(cells).is_unique:
        wide = state_days.pivot_table(
            index="issue_id",
            columns=["position", "state"],
            values="days",
            aggfunc="sum",
            fill_value=0.0,
        )
        wide.index = wide.index.astype(str)
        return wide.reindex(ids, fill_value=0.0)
    grid = np.zeros((len(issues) + 1, len(positions)))  # the last row: issues without days
    grid.flat[cells] = days
    rows = pd.Index(issues).get_indexer(ids)  # -1: the last row
    name_of = np.zeros(len(positions), dtype=np.int64)
    name_of[state_codes] = name_codes  # one name per position
    columns = sorted(zip(positions.tolist(), names[name_of].tolist(), strict=True))
    order = [positions.tolist().index(position) for position, _ in columns]
    return pd.DataFrame(grid[rows][:, order], columns=pd.MultiIndex.from_tuples(columns))


def headlines_csv(data: QuadrantData) -> pd.DataFrame:
    """One row per quadrant headline (throughput, leadtime, backlog, variation) and one
    for the story: the number now and for the previous period of equal length, the
    direction, the two periods (local dates) and the sentence shown."""
    h = data.headlines
    current = h.current or (None, None)
    previous = h.previous or (None, None)
    rows = [
        {
            "headline": card.chart,
            "now": card.now,
            "previous": card.previous,
            "direction": card.direction,
            "verdict": card.verdict,
            "weeks": h.weeks,
            "from": current[0],
            "to": current[1],
            "previous_from": previous[0],
            "previous_to": previous[1],
            "text": card.text,
        }
        for card in h.cards.values()
    ]
    rows.append({"headline": "story", "weeks": h.weeks, "text": h.story})
    return defuse(pd.DataFrame(rows, columns=list(rows[0])), ["text"])
