"""The URL contract: parsing is tolerant, writing round-trips."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from vger.web.params import ViewParams, parse

slugs = st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True)
names = st.from_regex(r"[A-Za-z][A-Za-z0-9 ]{0,15}[A-Za-z0-9]", fullmatch=True)
views = st.builds(
    ViewParams,
    board=st.none() | slugs,
    source=st.sampled_from(["jira", "github"]),
    start=st.none() | st.dates(date(2016, 1, 1), date(2025, 1, 1)),
    end=st.none() | st.dates(date(2025, 1, 2), date(2025, 12, 31)),
    types=st.lists(names, max_size=3, unique=True).map(tuple),
    repos=st.lists(
        st.from_regex(r"[a-z]{1,8}/[a-z]{1,8}", fullmatch=True), max_size=2, unique=True
    ).map(tuple),
    window=st.none() | st.integers(1, 52),
    lines=st.sampled_from(["rolling", "straight"]),
    tags=st.booleans(),
    leadtime=st.sampled_from(["overall", "states"]),
    backlog=st.sampled_from(["absolute", "relative"]),
    quarters=st.sampled_from([4, 6, 8]),
    sample=st.integers(4, 52),
    by=st.none() | st.dates(date(2016, 1, 1), date(2030, 12, 31)),
    items=st.integers(1, 10_000),
)


@settings(max_examples=150, deadline=None)
@given(views)
def test_query_round_trips(view):
    parsed = parse(parse_qs(view.to_query()))
    assert parsed.notices == []
    assert parsed.params == view


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "board",
                "from",
                "to",
                "types",
                "window",
                "lines",
                "tags",
                "leadtime",
                "backlog",
                "quarters",
                "source",
                "sample",
                "by",
                "items",
                "zzz",
            ]
        ),
        st.text(max_size=30),
    )
)
def test_parse_never_raises(query):
    parsed = parse(query)
    assert isinstance(parsed.params, ViewParams)


def test_invalid_values_fall_back_with_words():
    parsed = parse(
        {
            "from": "2024-13-45",
            "window": "-3",
            "lines": "zig",
            "quarters": "7",
            "source": "gitlab",
            "tags": "yes",
            "board": "<script>",
        }
    )
    p = parsed.params
    assert (p.start, p.window, p.lines, p.quarters, p.source, p.tags, p.board) == (
        None,
        None,
        "rolling",
        4,
        "jira",
        False,
        None,
    )
    text = " ".join(parsed.notices)
    for word in (
        "YYYY-MM-DD",
        "weeks from 1 to 52",
        "rolling, straight",
        "4, 6 or 8",
        "jira, github",
        "tags",
        "not a board name",
    ):
        assert word in text


def test_reversed_range_is_refused():
    parsed = parse({"from": "2024-03-01", "to": "2024-01-01"})
    assert parsed.params.start is None and parsed.params.end == date(2024, 1, 1)
    assert "after" in parsed.notices[0]


def test_default_range_is_last_90_days():
    assert ViewParams().dates(date(2024, 3, 31)) == (date(2024, 1, 2), date(2024, 3, 31))


def test_repeated_and_comma_lists_merge():
    parsed = parse({"types": ["Feature,Defect", "Task", "Defect"]})
    assert parsed.params.types == ("Feature", "Defect", "Task")


def test_lone_surrogates_from_a_callback_body_become_question_marks():
    """JSON may carry "\\ud800"; UTF-8 cannot, and the URL is written in UTF-8."""
    params = parse({"board": "ex\ud800", "types": ["A\ud800B"]}).params
    assert params.types == ("A?B",)
    assert "\ud800" not in params.to_query()


def test_the_model_refuses_in_code_what_a_url_gets_a_notice_for():
    """One model, one set of rules: parse() turns a refused value into its default and
    a notice; code that builds ViewParams with such a value gets a ValidationError."""
    parsed = parse({"window": "99", "from": "2024-03-01", "to": "2024-01-01"})
    assert parsed.params.window is None and parsed.params.start is None
    assert len(parsed.notices) == 2
    with pytest.raises(ValidationError, match="weeks from 1 to 52"):
        ViewParams(window=99)
    with pytest.raises(ValidationError, match="after to=2024-01-01"):
        ViewParams(start=date(2024, 3, 1), end=date(2024, 1, 1))
    assert ViewParams(window=12, tags=True).to_query() == "window=12&tags=1"
