"""Pull requests with reviews and timeline events for the fake GitHub: the worked example
of docs/metrics.md ("Pull-request stages") and a pull request with more reviews than one
page of the sync's query asks for."""

from __future__ import annotations

import pandas as pd

from etl.github_reviews import REVIEWS_PAGE
from tests.etl.fake_github import make_pull


def review(login, state, when, bot=False):
    return {"login": login, "state": state, "at": when, "bot": bot}


def example_pull() -> dict:
    """docs/metrics.md's worked example, as GitHub's GraphQL would list it."""
    return make_pull(
        1,
        "2024-03-04T09:00:00Z",
        merged_at="2024-03-10T00:00:00Z",
        updated_at="2024-03-10T06:00:00Z",
        author="alice",
        reviews=[
            review("ci", "COMMENTED", "2024-03-05T12:00:00Z", bot=True),
            review("bob", "COMMENTED", "2024-03-06T09:00:00Z"),
            review("alice", "COMMENTED", "2024-03-06T10:00:00Z"),
            review("erin", "PENDING", None),
            review("carol", "CHANGES_REQUESTED", "2024-03-08T09:00:00Z"),
            review("carol", "APPROVED", "2024-03-09T09:00:00Z"),
            review("bob", "APPROVED", "2024-03-09T12:00:00Z"),
            review("dave", "APPROVED", "2024-03-10T06:00:00Z"),
        ],
        timeline=[
            {"type": "ReadyForReviewEvent", "at": "2024-03-05T09:00:00Z"},
            {"type": "PullRequestCommit", "at": "2024-03-06T15:00:00Z"},
            {"type": "ConvertToDraftEvent", "at": "2024-03-07T09:00:00Z"},
            {"type": "ReadyForReviewEvent", "at": "2024-03-07T21:00:00Z"},
            {"type": "ReviewRequestedEvent", "at": "2024-03-08T12:00:00Z"},
        ],
    )


def many_reviews_pull() -> dict:
    """A pull request with more reviews than one page asks: bob comments, alice pushes,
    ... and the approval comes after the page."""
    base = pd.Timestamp("2024-04-01T00:00:00Z")
    reviews, timeline = [], []
    for k in range(REVIEWS_PAGE + 5):
        when = base + pd.Timedelta(hours=2 * k + 1)
        state = "APPROVED" if k == REVIEWS_PAGE + 4 else "COMMENTED"
        reviews.append(review("bob", state, when.strftime("%Y-%m-%dT%H:%M:%SZ")))
        commit = when + pd.Timedelta(minutes=30)
        timeline.append({"type": "PullRequestCommit", "at": commit.strftime("%Y-%m-%dT%H:%M:%SZ")})
    merged = (base + pd.Timedelta(days=6)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return make_pull(
        2,
        "2024-04-01T00:00:00Z",
        merged_at=merged,
        author="alice",
        reviews=reviews,
        timeline=timeline,
    )


def unreviewed_pull() -> dict:
    """Merged without a review; its author approved it and a bot commented."""
    return make_pull(
        3,
        "2024-04-10T00:00:00Z",
        merged_at="2024-04-11T12:00:00Z",
        author="alice",
        title="=HYPERLINK(1)",
        reviews=[
            review("alice", "APPROVED", "2024-04-10T06:00:00Z"),
            review("dependabot", "COMMENTED", "2024-04-10T07:00:00Z", bot=True),
        ],
    )
