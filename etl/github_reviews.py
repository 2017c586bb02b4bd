"""The review part of a pull request's GraphQL node -> its ``pull_request_stage`` row.

:data:`REVIEW_FIELDS` is the fragment :data:`etl.github_queries.PULLS_QUERY` asks for every
pull request, in the same paged query (no request per pull request): its first
:data:`REVIEWS_PAGE` submitted reviews (author, state, time) and its first
:data:`TIMELINE_PAGE` timeline items of four kinds (ready for review, converted to draft,
review requested, commit). GitHub's cost stays about 2 points per page of 100 pull
requests (one per nested connection and 100 parents) and at most
100 × (50 + 100) = 15 000 nodes, far below the 500 000-node limit.

When GitHub lists more reviews or timeline items than were fetched (``totalCount`` >
nodes), the stages are computed from the oldest ones fetched and the row is marked
``cut`` (the view counts them in a data-quality note). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from etl.github_transform import parse_time
from vger.metrics.pr_stages import Event, Review, is_bot, pr_stages
from vger.store.pr_stages import stage_columns

REVIEWS_PAGE = 50
TIMELINE_PAGE = 100

REVIEW_FIELDS = f"""
        reviews(first: {REVIEWS_PAGE}) {{
          totalCount
          nodes {{ author {{ __typename login }} state submittedAt }}
        }}
        timelineItems(first: {TIMELINE_PAGE}, itemTypes: [READY_FOR_REVIEW_EVENT,
                      CONVERT_TO_DRAFT_EVENT, REVIEW_REQUESTED_EVENT, PULL_REQUEST_COMMIT]) {{
          totalCount
          nodes {{
            __typename
            ... on ReadyForReviewEvent {{ createdAt }}
            ... on ConvertToDraftEvent {{ createdAt }}
            ... on ReviewRequestedEvent {{ createdAt }}
            ... on PullRequestCommit {{ commit {{ committedDate }} }}
          }}
        }}"""

_KINDS = {
    "ReadyForReviewEvent": "ready",
    "ConvertToDraftEvent": "draft",
    "ReviewRequestedEvent": "request",
    "PullRequestCommit": "commit",
}


def _connection(node: Mapping[str, Any], name: str) -> tuple[list[Mapping[str, Any]], bool]:
    """(nodes, cut) of a nested connection; cut when GitHub counts more than it sent."""
    connection = node.get(name) or {}
    nodes = [n for n in connection.get("nodes") or [] if isinstance(n, Mapping)]
    total = connection.get("totalCount")
    return nodes, total is not None and int(total) > len(nodes)


def reviews_of(node: Mapping[str, Any]) -> tuple[list[Review], list[Event], bool]:
    """The submitted reviews, the timeline events and whether either list was cut."""
    review_nodes, cut_reviews = _connection(node, "reviews")
    item_nodes, cut_items = _connection(node, "timelineItems")
    reviews = []
    for r in review_nodes:
        at = parse_time(r.get("submittedAt"))
        if at is None:  # a pending review
            continue
        author = r.get("author") if isinstance(r.get("author"), Mapping) else {}
        login = author.get("login") or None
        reviews.append(
            Review(login, is_bot(login, author.get("__typename")), str(r.get("state")), at)
        )
    events = []
    for item in item_nodes:
        kind = _KINDS.get(str(item.get("__typename")))
        commit = item.get("commit") if isinstance(item.get("commit"), Mapping) else {}
        at = parse_time(item.get("createdAt") or commit.get("committedDate"))
        if kind is not None and at is not None:
            events.append(Event(kind, at))
    return reviews, events, cut_reviews or cut_items


def stage_row(node: Mapping[str, Any], pull: Mapping[str, Any]) -> dict[str, Any]:
    """The ``pull_request_stage`` row (without ``repo_id``) of a GraphQL node whose
    ``pull_request`` row (:func:`etl.github_transform.pull_row`) is ``pull``."""
    reviews, events, cut = reviews_of(node)
    stages = pr_stages(
        pull["author"],
        pull["created"],
        pull["merged"],
        pull["closed"],
        pull["draft"],
        reviews,
        events,
        cut=cut,
    )
    return stage_columns(pull["number"], stages)
