"""What a GitHub sync asks: the two paged GraphQL queries.

**GraphQL, not REST, and why.** The REST list of pull requests has no line counts
(``additions``/``deletions`` exist only on ``GET /pulls/{n}``), so REST costs
``ceil(N/100)`` list pages *plus N detail requests* (N+1). GraphQL's
``repository.pullRequests(first:100, orderBy:{field:UPDATED_AT, direction:DESC})``
returns the same list *with* the line counts, so a full sync of N pull requests costs
``ceil(N/100)`` requests in all (668 alloy PRs: 7 requests instead of 7 + 668). Tags:
REST ``/tags`` has no dates (one commit GET per tag, one more per annotated tag);
``refs(refPrefix:"refs/tags/")`` returns the tagger date of annotated tags and the
committer date of the tagged commit, 100 tags per request. GraphQL needs a token; so
does any useful REST budget (60 requests/h without one).

A page of pull requests also carries each PR's review fragment (:mod:`etl.github_reviews`)
and its branch and description (the Jira keys it names: :mod:`vger.store.links`).
"""

from __future__ import annotations

from etl.github_reviews import REVIEW_FIELDS

PULLS_QUERY = """
query($owner: String!, $name: String!, $first: Int!, $after: String) {
  repository(owner: $owner, name: $name) {
    pullRequests(first: $first, after: $after, states: [OPEN, CLOSED, MERGED],
                 orderBy: {field: UPDATED_AT, direction: DESC}) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        number title url state isDraft createdAt updatedAt closedAt mergedAt
        additions deletions author { login }
        headRefName body
        #REVIEW_FIELDS
      }
    }
  }
  rateLimit { cost remaining resetAt }
}
""".replace("#REVIEW_FIELDS", REVIEW_FIELDS)  # review stages: etl.github_reviews

TAGS_QUERY = """
query($owner: String!, $name: String!, $first: Int!, $after: String) {
  repository(owner: $owner, name: $name) {
    refs(refPrefix: "refs/tags/", first: $first, after: $after,
         orderBy: {field: TAG_COMMIT_DATE, direction: DESC}) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        name
        target {
          __typename oid
          ... on Tag { tagger { date } target { __typename oid ... on Commit { committedDate } } }
          ... on Commit { committedDate }
        }
      }
    }
  }
  rateLimit { cost remaining resetAt }
}
"""
