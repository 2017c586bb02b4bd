"""Item 4 of issue 13: relative ranges in the URL (``range=``) move with the clock;
explicit from/to stay fixed; the two never turn into each other."""

from __future__ import annotations

from datetime import date

import pytest

from vger.web.params import MAX_DAYS, parse, relative_dates


@pytest.mark.parametrize(
    ("relative", "today", "first"),
    [
        ("90d", date(2026, 11, 18), date(2026, 8, 21)),  # 90 days including today
        ("26w", date(2026, 11, 18), date(2026, 5, 21)),  # 182 days including today
        ("1y", date(2026, 11, 18), date(2025, 11, 19)),
        ("1y", date(2028, 2, 29), date(2027, 3, 1)),  # leap day: a year back is Feb 28
        ("qtd", date(2026, 11, 18), date(2026, 10, 1)),
        ("qtd", date(2026, 3, 31), date(2026, 1, 1)),
        ("ytd", date(2026, 11, 18), date(2026, 1, 1)),
        (
            "all",
            date(2026, 11, 18),
            date(2016, 11, 10),
        ),  # 3,660 days: 10 years (3,652 with 2020, 2024) + 8
        ("30y", date(2026, 11, 18), date(2016, 11, 10)),  # cut to the cap too
    ],
)
def test_relative_dates_by_hand(relative, today, first):
    assert relative_dates(relative, today) == (first, today)


def test_a_relative_range_moves_with_today_and_explicit_dates_do_not():
    relative = parse({"board": "b", "range": "90d"}).params
    explicit = parse({"board": "b", "from": "2026-08-21", "to": "2026-11-18"}).params
    for today in (date(2026, 11, 18), date(2027, 1, 5)):
        assert relative.dates(today)[1] == today
        assert explicit.dates(today) == (date(2026, 8, 21), date(2026, 11, 18))
    assert relative.dates(date(2027, 1, 5))[0] == date(2026, 10, 8)
    # the URL written back keeps each kind as it was, and the shared links too
    assert relative.to_query() == "board=b&range=90d"
    assert "range=90d" in relative.shared_query() and "from" not in relative.shared_query()
    assert explicit.to_query() == "board=b&from=2026-08-21&to=2026-11-18"


def test_range_wins_over_dates_with_a_notice_and_bad_ranges_say_so():
    parsed = parse({"range": "ytd", "from": "2026-01-05"})
    assert parsed.params.relative == "ytd" and parsed.params.start is None
    assert parsed.notices == ["Showing range=ytd (it moves with today); from and to were ignored."]
    for bad in ("0d", "12m", "90", "lastweek", "1" * 9 + "d"):
        parsed = parse({"range": bad})
        assert parsed.params.relative is None
        assert parsed.notices and parsed.notices[0].startswith(f"Ignored range='{bad}'")
    assert MAX_DAYS == 3660
