"""Pull-request stages (docs/metrics.md, "Pull-request stages"): the worked example by
hand, and the rules one at a time."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vger.metrics.pr_stages import (
    Event,
    Review,
    draft_intervals,
    is_bot,
    median_rounds,
    pr_stages,
    rounds_histogram,
    stage_levels,
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# The worked example of docs/metrics.md: alice's PR, opened as a draft.
CREATED = at("2024-03-04 09:00")
MERGED = at("2024-03-10 00:00")
EXAMPLE_REVIEWS = [
    Review("ci", True, "COMMENTED", at("2024-03-05 12:00")),  # a bot: ignored
    Review("bob", False, "COMMENTED", at("2024-03-06 09:00")),  # first review, round 1
    Review("alice", False, "COMMENTED", at("2024-03-06 10:00")),  # self-review: ignored
    Review("carol", False, "CHANGES_REQUESTED", at("2024-03-08 09:00")),  # round 2
    Review("carol", False, "APPROVED", at("2024-03-09 09:00")),  # round 3
    Review("bob", False, "APPROVED", at("2024-03-09 12:00")),  # last approval, round 3
    Review("dave", False, "APPROVED", at("2024-03-10 06:00")),  # after the merge: ignored
    Review("erin", False, "PENDING", at("2024-03-07 00:00")),  # not submitted: ignored
]
EXAMPLE_EVENTS = [
    Event("ready", at("2024-03-05 09:00")),  # opened as a draft: 1 day of draft
    Event("commit", at("2024-03-06 15:00")),  # alice answers bob
    Event("draft", at("2024-03-07 09:00")),  # back to draft for 12 hours
    Event("ready", at("2024-03-07 21:00")),
    Event("request", at("2024-03-08 12:00")),  # alice re-requests carol's review
]


def example():
    return pr_stages(
        "alice", CREATED, MERGED, MERGED, False, EXAMPLE_REVIEWS, EXAMPLE_EVENTS, cut=False
    )


def test_worked_example_by_hand():
    stages = example()
    assert stages.first_review == at("2024-03-06 09:00")
    assert stages.last_approval == at("2024-03-09 12:00")
    assert stages.wait == pytest.approx(2.0 - 1.0)  # 03-04 09:00 → 03-06 09:00, 1 day draft
    assert stages.review == pytest.approx(3.125 - 0.5)  # 3 d 3 h, 12 h draft
    assert stages.merge == pytest.approx(0.5)  # 03-09 12:00 → 03-10 00:00
    assert stages.rounds == 3
    assert stages.draft == pytest.approx(1.5)
    # the stages add up to the lead time less the draft time: 5.625 - 1.5
    assert stages.wait + stages.review + stages.merge == pytest.approx(4.125)


def test_no_review_no_rounds_and_open_pull_request():
    stages = pr_stages("alice", CREATED, None, None, False, [], [])
    assert (stages.first_review, stages.wait, stages.review, stages.merge) == (None,) * 4
    assert stages.rounds == 0 and stages.draft == 0.0


def test_merged_without_approval_has_no_review_or_merge_stage():
    reviews = [Review("bob", False, "COMMENTED", at("2024-03-05 09:00"))]
    stages = pr_stages("alice", CREATED, MERGED, MERGED, False, reviews, [])
    assert stages.wait == pytest.approx(1.0)
    assert stages.review is None and stages.merge is None and stages.rounds == 1


def test_only_self_and_bot_reviews_count_as_none():
    reviews = [
        Review("alice", False, "APPROVED", at("2024-03-05 09:00")),
        Review("dependabot[bot]", False, "APPROVED", at("2024-03-05 10:00")),
        Review("renovate", True, "COMMENTED", at("2024-03-05 11:00")),
    ]
    stages = pr_stages("alice", CREATED, MERGED, MERGED, False, reviews, [])
    assert stages.first_review is None and stages.rounds == 0


def test_deleted_reviewer_counts():
    reviews = [Review(None, False, "APPROVED", at("2024-03-05 09:00"))]
    stages = pr_stages("alice", CREATED, MERGED, MERGED, False, reviews, [])
    assert stages.wait == pytest.approx(1.0) and stages.review == pytest.approx(0.0)
    assert stages.merge == pytest.approx(4.625)


def test_commit_before_the_first_review_opens_no_extra_round():
    reviews = [
        Review("bob", False, "CHANGES_REQUESTED", at("2024-03-05 09:00")),
        Review("bob", False, "APPROVED", at("2024-03-06 09:00")),
    ]
    events = [Event("commit", at("2024-03-04 10:00"))]
    assert pr_stages("alice", CREATED, MERGED, MERGED, False, reviews, events).rounds == 1
    events.append(Event("commit", at("2024-03-05 18:00")))
    assert pr_stages("alice", CREATED, MERGED, MERGED, False, reviews, events).rounds == 2


def test_draft_intervals():
    # still a draft, never toggled: a draft since creation, open-ended
    assert draft_intervals(CREATED, True, []) == [(CREATED, None)]
    assert draft_intervals(CREATED, False, []) == []
    toggles = [Event("draft", at("2024-03-05 00:00")), Event("ready", at("2024-03-06 00:00"))]
    assert draft_intervals(CREATED, False, toggles) == [
        (at("2024-03-05 00:00"), at("2024-03-06 00:00"))
    ]
    # the first toggle is "ready": it was opened as a draft
    assert draft_intervals(CREATED, False, toggles[1:]) == [(CREATED, at("2024-03-06 00:00"))]


def test_a_draft_still_open_takes_its_time_out_of_the_wait():
    reviews = [Review("bob", False, "COMMENTED", at("2024-03-06 09:00"))]
    events = [Event("draft", at("2024-03-05 09:00"))]  # still a draft now
    stages = pr_stages("alice", CREATED, None, None, True, reviews, events)
    assert stages.wait == pytest.approx(1.0)


def test_is_bot():
    assert is_bot("dependabot[bot]") and is_bot("dependabot", "Bot")
    assert not is_bot("bob", "User") and not is_bot(None)


def test_stage_levels_and_rounds_histogram():
    items = pd.DataFrame(
        {
            "wait": [1.0, 2.0, 3.0, np.nan],
            "review": [0.0, 1.0, np.nan, np.nan],
            "merge": [1.0, 1.0, np.nan, np.nan],
        }
    )
    levels = stage_levels(items).set_index("stage")
    assert list(levels.index) == ["wait", "review", "merge", "total"]
    assert levels.loc["wait", "items"] == 3 and levels.loc["wait", 50] == pytest.approx(2.0)
    assert levels.loc["review", 90] == pytest.approx(0.9)
    assert levels.loc["total", "items"] == 2  # the two that went through all three
    assert levels.loc["total", 50] == pytest.approx(3.0)  # median of 2 and 4
    hist = rounds_histogram([0, 1, 1, 3])
    assert hist["items"].tolist() == [1, 2, 0, 1] and hist["rounds"].tolist() == [0, 1, 2, 3]
    assert median_rounds([0, 1, 1, 3]) == 1.0 and median_rounds([1, 2]) == 1.5
    assert np.isnan(median_rounds([]))


KINDS = ("draft", "ready", "commit", "request")
STATES = ("APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED")


@settings(max_examples=200, deadline=None)
@given(
    reviews=st.lists(
        st.tuples(st.integers(0, 10_000), st.sampled_from(STATES), st.sampled_from("abx")),
        max_size=8,
    ),
    events=st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(KINDS)), max_size=8),
    draft_now=st.booleans(),
    merged_after=st.integers(1, 10_000),
)
def test_stages_add_up_to_the_lead_time_less_the_draft(reviews, events, draft_now, merged_after):
    """Whatever the reviews and events: every stage is ≥ 0, rounds ≤ counted reviews, and
    for a PR with all three stages, they and the draft days add up to its lead time."""
    merged = CREATED + pd.Timedelta(minutes=merged_after)
    stages = pr_stages(
        "x",  # reviews by "x" are self-reviews
        CREATED,
        merged,
        merged,
        draft_now,
        [Review(who, False, s, CREATED + pd.Timedelta(minutes=m)) for m, s, who in reviews],
        [Event(kind, CREATED + pd.Timedelta(minutes=m)) for m, kind in events],
    )
    counted = [m for m, _, who in reviews if who != "x" and m <= merged_after]
    assert stages.rounds <= len(counted) and (stages.rounds == 0) == (not counted)
    for value in (stages.wait, stages.review, stages.merge):
        assert value is None or value >= -1e-12
    lead = merged_after / 1440
    assert 0 <= stages.draft <= lead + 1e-9
    if stages.merge is not None:
        total = stages.wait + stages.review + stages.merge + stages.draft
        assert total == pytest.approx(lead)
