"""The demo's code reviews: reviews and timeline events drawn for the simulated pull
requests, reduced to their stages (:func:`vger.metrics.pr_stages.pr_stages`) as a sync
would store them, so the pull-request stages view is alive in ``vger demo``.

Drawn from their own random stream (seeded per repository), after the pull requests:
every other simulated number stays as it was."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from vger.metrics.pr_stages import Event, Review, pr_stages
from vger.store.pr_stages import stage_columns

OPENED_AS_DRAFT = 0.2  # of people's pull requests
UNREVIEWED = 0.06  # merged without any review
BOT_REVIEWED = 0.6  # of dependency bumps: a person approves before the merge
MORE_ROUNDS = 0.35  # after a round, the chance of another one


def _at(start: datetime, end: datetime, lo: float, hi: float, rng: random.Random) -> datetime:
    """A moment between ``lo`` and ``hi`` (fractions) of the way from start to end."""
    return start + (end - start) * rng.uniform(lo, hi)


def _history(
    row: dict[str, Any], people: Sequence[str], rng: random.Random, now: datetime
) -> tuple[list[Review], list[Event]]:
    created, end = row["created"], row["merged"] or row["closed"] or now
    author = row["author"]
    reviewers = [p for p in people if p != author] or list(people)
    reviews: list[Review] = []
    events: list[Event] = []
    if author.endswith("[bot]"):
        if row["merged"] is not None and rng.random() < BOT_REVIEWED:
            reviews.append(
                Review(rng.choice(reviewers), False, "APPROVED", _at(created, end, 0.3, 0.95, rng))
            )
        return reviews, events
    ready = created
    if rng.random() < OPENED_AS_DRAFT:
        ready = _at(created, end, 0.05, 0.3, rng)
        events.append(Event("ready", ready))
    if row["merged"] is not None and rng.random() < UNREVIEWED:
        return reviews, events
    if row["merged"] is None and row["closed"] is None and rng.random() < 0.5:
        return reviews, events  # open, still waiting
    first = _at(ready, end, 0.15, 0.55, rng)
    reviewer = rng.choice(reviewers)
    rounds = 1
    while rounds < 5 and rng.random() < MORE_ROUNDS:
        rounds += 1
    moments = sorted(_at(first, end, 0.0, 0.9, rng) for _ in range(rounds - 1))
    reviews.append(
        Review(reviewer, False, "CHANGES_REQUESTED" if rounds > 1 else "APPROVED", first)
    )
    previous = first
    for k, moment in enumerate(moments):
        events.append(Event("commit", previous + (moment - previous) * 0.4))
        last = k == len(moments) - 1
        reviews.append(Review(reviewer, False, "APPROVED" if last else "COMMENTED", moment))
        previous = moment
    if row["merged"] is not None and rng.random() < 0.3:  # a second approval
        reviews.append(
            Review(rng.choice(reviewers), False, "APPROVED", previous + (end - previous) * 0.5)
        )
    if row["merged"] is None:
        reviews = [r for r in reviews if r.at < end - timedelta(minutes=1)]
    return reviews, events


def stage_rows(
    rows: Sequence[dict[str, Any]], people: Sequence[str], rng: random.Random, now: datetime
) -> list[dict[str, Any]]:
    """The ``pull_request_stage`` rows of the demo's pull request ``rows``."""
    out = []
    for row in rows:
        reviews, events = _history(row, people, rng, now)
        stages = pr_stages(
            row["author"],
            row["created"],
            row["merged"],
            row["closed"],
            row["draft"],
            reviews,
            events,
        )
        out.append(stage_columns(row["number"], stages))
    return out
