"""GitHub answers to store rows (pure: states, UTC times, tag dates), and the fake
GitHub's REST shapes read through the real PyGithub client."""

from __future__ import annotations

from datetime import UTC, datetime

from github import Auth, Github

from etl.github_transform import parse_time, pull_row, tag_row_from_graphql
from tests.etl.fake_github import (
    TOKEN,
    make_tag,
)
from tests.etl.github_fixtures import synthetic

ALLOY = "tidev/alloy"


def test_github_transform_states_and_utc():
    merged = pull_row(
        {
            "number": 1,
            "title": "t",
            "createdAt": "2024-01-01T10:00:00Z",
            "updatedAt": "2024-01-02T10:00:00Z",
            "mergedAt": "2024-01-02T10:00:00Z",
            "closedAt": "2024-01-02T10:00:00Z",
            "author": {"login": "ann"},
            "isDraft": False,
            "url": "https://github.com/o/r/pull/1",
            "additions": 3,
            "deletions": 2,
        }
    )
    assert merged["state"] == "merged"
    assert merged["created"] == datetime(2024, 1, 1, 10, tzinfo=UTC)
    assert merged["created"].tzinfo is not None and merged["author"] == "ann"
    rejected = pull_row(
        {
            "number": 2,
            "createdAt": "2024-01-01T10:00:00+02:00",
            "closedAt": "2024-01-03T00:00:00Z",
            "mergedAt": None,
            "author": None,
            "isDraft": True,
            "url": "u",
        }
    )
    assert rejected["state"] == "rejected" and rejected["author"] is None
    assert rejected["created"] == datetime(2024, 1, 1, 8, tzinfo=UTC)
    assert rejected["draft"] is True and rejected["additions"] is None
    opened = pull_row({"number": 3, "createdAt": "2024-01-01T00:00:00Z", "author": None})
    assert opened["state"] == "open" and opened["merged"] is None and opened["closed"] is None


def test_github_transform_tag_dates():
    annotated = {
        "name": "v1",
        "target": {
            "__typename": "Tag",
            "oid": "t1",
            "tagger": {"date": "2024-02-01T00:00:00+01:00"},
            "target": {
                "__typename": "Commit",
                "oid": "c1",
                "committedDate": "2024-01-01T00:00:00Z",
            },
        },
    }
    light = {"name": "v2", "target": {"oid": "c2", "committedDate": "2024-03-01T12:00:00Z"}}
    assert tag_row_from_graphql(annotated) == {
        "name": "v1",
        "at": datetime(2024, 1, 31, 23, tzinfo=UTC),
        "sha": "c1",
    }
    assert tag_row_from_graphql(light)["at"] == datetime(2024, 3, 1, 12, tzinfo=UTC)
    assert tag_row_from_graphql({"name": "x", "target": {"oid": "b"}}) is None
    assert parse_time("2024-01-01T00:00:00.5Z").microsecond == 500000


# -- the fake speaks what PyGithub needs ----------------------------------------------------


def test_github_fake_serves_rest_shapes_to_pygithub(fake):
    fake.add_repo(
        "o/r",
        synthetic(250),
        [make_tag("v1", "c" * 40, "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z")],
    )
    gh = Github(
        base_url=fake.url,
        auth=Auth.Token(TOKEN),
        per_page=100,
        retry=None,
        seconds_between_requests=None,
    )
    repo = gh.get_repo("o/r")
    assert repo.full_name == "o/r"
    pulls = list(repo.get_pulls(state="all", sort="updated", direction="desc"))
    assert len(pulls) == 250 and pulls[0].number == 250
    assert fake.count_of("/pulls") == 3  # Link-header pagination, 100 per page
    assert pulls[0].additions == 250  # a lazy GET /pulls/250: the N+1 of REST
    assert fake.count_of("/pulls/250") == 1
    (tag,) = repo.get_tags()
    assert tag.commit.commit.committer.date == datetime(2024, 1, 1, tzinfo=UTC)
    git_tag = repo.get_git_tag(fake.repos["o/r"].tags["v1"]["tag_sha"])
    assert git_tag.tagger.date == datetime(2024, 1, 2, tzinfo=UTC)
    remaining, limit = gh.rate_limiting
    assert limit == 5000 and remaining == 5000 - fake.count
    assert gh.requester.graphql_url == fake.url + "/graphql"


# -- real data: tidev/alloy ----------------------------------------------------------------
