"""The forecast page through the Flask test client and its page functions: answers
checked against ``vger.metrics.forecast`` called directly and against hand-computed
values (by week and by day); bad parameters give words next to their field, never a 500."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from tests.web.dash_tree import by_id as _by_id
from tests.web.dash_tree import text as _text
from tests.web.forecast_flow_support import (
    NEXT_MONDAY,
    NOW,
    PER_WEEK,
    _csv,
    _render,
)
from vger.metrics.calendar import week_grid
from vger.metrics.forecast import (
    SEED,
    TRIALS,
    finish_bins,
    how_many,
    how_many_by_day,
    trial_finish_days,
    trial_totals,
    when_done,
    when_done_day,
)
from vger.metrics.throughput import weekly_counts
from vger.store import boards, queries
from vger.web import state
from vger.web.params import parse
from vger.web.views.forecast import page as forecast

# ----------------------------------------------------------------------------- forecast


def test_constant_throughput_gives_exact_answers(ff_client):
    # 3 per week, spread evenly over each week's 7 days: 2024-02-05 .. Thursday
    # 2024-03-14 is 39 days, 5 whole weeks (15) + 4 days of the 6th (floor(3·4/7) = 1),
    # 16 at every level; 30 items take 10 whole weeks, the last item on day
    # ceil(7·3/3) = 7 of week 10: day 70, Sunday 2024-04-14.
    frame = _csv(ff_client, "/download/forecast.csv?board=steady&by=2024-03-14")
    how = frame[frame["question"] == "how many by 2024-03-14"]
    assert how["level"].tolist() == ["50", "80", "90"]
    assert how["answer"].tolist() == ["16", "16", "16"]
    assert how["weeks"].tolist() == ["6"] * 3
    assert how["days"].tolist() == ["39"] * 3
    when = frame[frame["question"] == "when will 30 items be done"]
    assert when["answer"].tolist() == ["2024-04-14"] * 3
    assert when["weeks"].tolist() == ["10"] * 3
    assert when["days"].tolist() == ["70"] * 3
    assert set(frame["sample_weeks"]) == {"12"}
    assert set(frame["sample"]) == {" ".join(["3"] * 12)}
    assert set(frame["sample_from"]) == {"2023-11-06"} and set(frame["sample_to"]) == {"2024-01-28"}
    assert set(frame["trials"]) == {str(TRIALS)} and set(frame["seed"]) == {str(SEED)}


@pytest.mark.parametrize(
    ("by", "count"),
    [
        ("2024-02-05", 0),  # day 1: floor(3·1/7) = 0
        ("2024-02-07", 1),  # day 3: floor(3·3/7) = 1
        ("2024-02-11", 3),  # day 7, Sunday: the whole week
        ("2024-02-12", 3),  # day 8: 3 + floor(3·1/7)
        ("2024-02-14", 4),  # day 10: 3 + floor(3·3/7)
        ("2024-02-17", 5),  # day 13: 3 + floor(3·6/7)
    ],
)
def test_by_date_counts_to_that_date_exactly(ff_client, by, count):
    frame = _csv(ff_client, f"/download/forecast.csv?board=steady&by={by}&items=7")
    how = frame[frame["question"].str.startswith("how many")]
    assert how["answer"].tolist() == [str(count)] * 3
    when = frame[frame["question"] == "when will 7 items be done"]
    # 6 in two weeks, the 7th on day ceil(7·1/3) = 3 of week 3: day 17, Wednesday
    assert when["answer"].tolist() == ["2024-02-21"] * 3
    assert when["days"].tolist() == ["17"] * 3


def test_example_board_matches_the_forecast_functions(ff_app, ff_client):
    frame = _csv(ff_client, "/download/forecast.csv?board=example&sample=8&by=2024-04-01&items=5")
    # the sample computed here from the store: 8 complete weeks before 2024-01-29
    with ff_app.server.app_context(), state.engine().connect() as conn:
        board = boards.get_board(conn, "example")
        items = queries.issue_items(conn, board)
    grid = week_grid(
        pd.Timestamp("2023-12-04"), pd.Timestamp("2024-01-28"), "UTC", pd.Timestamp(NOW)
    )
    weekly = weekly_counts(items.loc[items["outcome"] == "completed", "done"], grid).to_numpy()
    assert weekly.tolist() == [0, 0, 0, 0, 1, 2, 0, 0]  # METRICS.md example 5
    days = 57  # 2024-02-05 .. 2024-04-01: 25 + 31 + 1
    expected_how = how_many_by_day(weekly, days)
    expected_when = when_done_day(weekly, 5)
    how = frame[frame["question"] == "how many by 2024-04-01"]
    assert [int(x) for x in how["answer"]] == [expected_how[level] for level in (50, 80, 90)]
    when = frame[frame["question"] == "when will 5 items be done"]
    assert [int(x) for x in when["days"]] == [expected_when[level] for level in (50, 80, 90)]
    assert when["answer"].tolist() == [
        (NEXT_MONDAY + timedelta(days=expected_when[level] - 1)).isoformat()
        for level in (50, 80, 90)
    ]
    assert set(frame["sample"]) == {"0 0 0 0 1 2 0 0"}


def test_histograms_are_the_trials_the_answers_come_from():
    weekly = [3, 5, 2, 8, 6, 4, 7, 5, 9, 1, 6, 4]  # METRICS.md example 1
    totals = np.sort(trial_totals(weekly, 6 * 7))
    for level, answer in how_many(weekly, 6).items():
        # the largest count reached in at least L % of trials
        assert (totals >= answer).mean() >= level / 100
        assert (totals >= answer + 1).mean() < level / 100
    finish = trial_finish_days(weekly, 40)
    for level, answer in when_done_day(weekly, 40).items():
        assert (finish <= answer).mean() >= level / 100
        assert (finish <= answer - 1).mean() < level / 100


def test_forecast_render_shows_answers_notes_and_the_seed(ff_app):
    out = _render(ff_app, forecast, {"board": "steady", "by": "2024-03-14", "items": "30"})
    sample_fig, how_fig, when_fig, sample_note, how_note, when_note, link, answers, status = out
    assert list(sample_fig.data[0].y) == [PER_WEEK] * 12
    assert _by_id(answers, "fc-howmany-50").children == "16 or more"
    assert _by_id(answers, "fc-when-90").children == "by 2024-04-14 (Sun)"
    assert "same answer every time for the same data" in _text(answers)
    assert "39 days from Monday 2024-02-05 to the end of 2024-03-14 (Thu)" in how_note
    assert "same answer every time for the same data" in how_note
    assert "2023-11-06 to 2024-01-28" in sample_note
    assert "days counted from Monday 2024-02-05" in when_note
    assert link.startswith("/download/forecast.csv?") and "by=2024-03-14" in link
    # the histogram of the how-many question: every trial gives 16
    assert list(how_fig.data[0].x) == [16] and list(how_fig.data[0].y) == [TRIALS]
    markers = {t.name: list(t.x) for t in how_fig.data[1:]}
    assert markers["50 %: 16 or more"] == [16, 16]
    assert list(when_fig.data[0].x) == ["2024-04-14"]


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("sample=3", "sample='3': use a number of weeks from 4 to 52"),
        ("sample=abc", "sample='abc'"),
        ("items=0", "items='0': use a number of items from 1 to 10000"),
        ("items=-5", "items='-5'"),
        ("by=tomorrow", "by='tomorrow': dates are written YYYY-MM-DD"),
    ],
)
def test_bad_forecast_parameters_give_notices(ff_client, ff_app, query, words):
    with ff_app.server.test_request_context():
        tree = forecast.layout(**dict(p.split("=") for p in f"board=steady&{query}".split("&")))
    assert words in _text(tree)
    assert _csv(ff_client, f"/download/forecast.csv?board=steady&{query}").shape[0] == 6


def test_by_in_the_past_or_too_far_falls_back_with_words(ff_app, ff_client):
    for by in ("2024-01-15", "2040-01-01"):
        out = _render(ff_app, forecast, {"board": "steady", "by": by})
        assert f"Ignored by={by}" in _text(out[-1])
        assert "2024-03-14" in out[4]  # the default: six weeks after 2024-02-01
        frame = _csv(ff_client, f"/download/forecast.csv?board=steady&by={by}")
        assert frame["question"].iloc[0] == "how many by 2024-03-14"


def test_forecast_without_data_says_what_is_missing(ff_app, ff_client):
    fresh = _render(ff_app, forecast, {"board": "fresh"})
    assert "No issues are stored for board Fresh board yet" in _text(fresh[-1])
    github = _render(ff_app, forecast, {"board": "example", "source": "github"})
    assert "has no GitHub repositories" in _text(github[-1])
    no_bugs = _render(ff_app, forecast, {"board": "steady", "types": "Defect"})
    assert "has no issues of the work types Defect" in _text(no_bugs[-1])
    ff_app.server.config["VGER_NOW"] = datetime(2025, 1, 1, tzinfo=UTC)  # nothing done lately
    old = _render(ff_app, forecast, {"board": "steady"})
    assert "there is no throughput to forecast from" in _text(old[-1])
    ff_app.server.config["VGER_NOW"] = NOW
    unknown = _render(ff_app, forecast, {"board": "nope"})
    assert "There is no board named 'nope'" in _text(unknown[-1])
    assert ff_client.get("/download/forecast.csv?board=nope").status_code == 404
    assert ff_client.get("/download/forecast.csv?board=fresh").status_code == 200


def test_forecast_work_type_filter(ff_client):
    frame = _csv(ff_client, "/download/forecast.csv?board=steady&types=Defect")
    assert set(frame["sample"]) == {" ".join(["0"] * 12)}
    assert frame["answer"].tolist()[:3] == ["0", "0", "0"]
    assert frame["answer"].tolist()[3:] == ["not within 520 weeks"] * 3


def test_ceil_rule_for_when_done():
    assert when_done([PER_WEEK] * 12, 31) == {50: 11, 80: 11, 90: 11}
    assert math.ceil(31 / PER_WEEK) == 11


def test_when_chart_with_every_trial_in_one_week_reads_in_days(ff_app):
    # steady board: 3 per week, 30 items → every trial finishes on day 70 (Sunday
    # 2024-04-14), so one bar one day wide; the axis keeps a day of room either side
    # and shows days, not clock times
    with ff_app.server.app_context():
        out = forecast.render(parse({"board": "steady"}).params)
    when = next(f for f in out if hasattr(f, "layout") and "When will" in str(f.layout.title.text))
    assert list(when.data[0].x) == ["2024-04-14"]
    assert list(when.layout.xaxis.range) == ["2024-04-13", "2024-04-16"]
    assert when.data[0].width == (86_400_000,) and when.layout.xaxis.dtick == 86_400_000
    assert when.layout.xaxis.tickformat == "%Y-%m-%d"


# ------------------------------------------------- forecast by day (issue 13 item 6)


def test_when_bins_are_days_then_weeks():
    # finish days 3..40: 38 days fit in one-day bins
    width, firsts, counts = finish_bins(np.array([3, 3, 10, 40]))
    assert width == 1 and firsts.tolist() == [3, 10, 40] and counts.tolist() == [2, 1, 1]
    # days 1..200 need weeks: day 1..7 is bin 1 (first day 1), 197..203 the last
    width, firsts, counts = finish_bins(np.array([1, 7, 8, 200, 200]))
    assert width == 7 and firsts.tolist() == [1, 8, 197] and counts.tolist() == [2, 1, 2]
    # trials that never finished (7·520 + 1) are not drawn
    width, firsts, counts = finish_bins(np.array([5, 7 * 520 + 1]))
    assert (width, firsts.tolist(), counts.tolist()) == (1, [5], [1])


def test_forecast_charts_draw_the_metrics_trials(ff_app):
    # example board, sample 8 (METRICS.md example 5): the histograms are the trials of
    # vger.metrics.forecast for the same sample, day count and items
    weekly = [0, 0, 0, 0, 1, 2, 0, 0]
    query = {"board": "example", "sample": "8", "by": "2024-04-01", "items": "5"}
    _, how_fig, when_fig, *_ = _render(ff_app, forecast, query)
    totals = trial_totals(weekly, 57)
    counts = np.bincount(totals)
    assert list(how_fig.data[0].x) == np.flatnonzero(counts).tolist()
    assert list(how_fig.data[0].y) == counts[counts > 0].tolist()
    finish = trial_finish_days(weekly, 5)
    width, firsts, binned = finish_bins(finish)
    assert sum(when_fig.data[0].y) == int((finish <= 7 * 520).sum())
    assert list(when_fig.data[0].y) == binned.tolist()
    assert (
        list(when_fig.data[0].x)[0]
        == (NEXT_MONDAY + timedelta(days=int(firsts[0]) - 1)).isoformat()
    )
    # the markers stand at the middle of the days when_done_day gives
    days = when_done_day(weekly, 5)
    markers = {t.name.split(" %")[0]: t.x[0] for t in when_fig.data[1:]}
    assert markers == {
        str(level): f"{NEXT_MONDAY + timedelta(days=days[level] - 1)}T12:00"
        for level in (50, 80, 90)
    }


def test_forecast_callback_counts_to_the_typed_date(ff_app):
    # the page's callback with by typed as Wednesday 2024-02-14 (day 10): 3 + floor(9/7)
    with ff_app.server.app_context():
        out = forecast.render(
            forecast.params_from_controls("steady", "jira", 12, "2024-02-14", 7, [], [])
        )
    answers = out[7]
    assert _by_id(answers, "fc-howmany-90").children == "4 or more"
    assert _by_id(answers, "fc-when-50").children == "by 2024-02-21 (Wed)"


# ------------------------------------- words next to the forecast's fields (issue 13 item 5)


@pytest.mark.parametrize(
    ("sample", "by", "items", "slot", "words"),
    [
        (200, "2024-03-14", 30, 0, "Ignored sample='200': use a number of weeks from 4 to 52."),
        (2.5, "2024-03-14", 30, 0, "Ignored sample='2.5': use a number of weeks from 4 to 52."),
        (12, "2024-03-14", 0, 2, "Ignored items='0': use a number of items from 1 to 10000."),
        (12, "soon", 30, 1, "Ignored by='soon': dates are written YYYY-MM-DD."),
        (12, "2024-01-01", 30, 1, "Ignored by=2024-01-01: forecasts start with next week"),
        (12, "2036-01-01", 30, 1, "Ignored by=2036-01-01: forecasts reach at most 520 weeks"),
    ],
)
def test_refused_values_are_said_next_to_their_field(ff_app, sample, by, items, slot, words):
    with ff_app.server.app_context():
        out = forecast.update("steady", "jira", sample, by, items, [], [])
    messages = out[-3:]
    assert words in messages[slot]
    assert [m for i, m in enumerate(messages) if i != slot] == ["", ""]
    assert len(out) == 12 and out[0].data  # the charts are drawn from the defaults


def test_valid_or_empty_fields_have_no_message(ff_app):
    with ff_app.server.app_context():
        assert forecast.update("steady", "jira", 8, "2024-03-14", 7, [], [])[-3:] == ("", "", "")
        assert forecast.update("steady", "jira", None, "", None, [], [])[-3:] == ("", "", "")


def test_number_fields_let_the_server_judge():
    # no min/max/step: the browser would send an out-of-range value as empty, silently
    field = forecast._number_input("x", 12)
    assert field.step == "any"
    assert getattr(field, "min", None) is None and getattr(field, "max", None) is None
