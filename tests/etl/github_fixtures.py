"""Helpers of the GitHub ETL tests: fast client options and a board with repositories."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from etl.github_client import GithubOptions
from tests.etl.fake_github import make_pull
from vger.store import boards, teams

# Tiny waits so the suite stays fast; the logic is the production one.
FAST = GithubOptions(
    timeout=5,
    retries=3,
    backoff_factor=0.001,
    secondary_rate_wait=0.01,
    max_rate_limit_wait=2,
    reserve=50,
    overlap=timedelta(minutes=10),
    seconds_between_requests=0,
)


def make_board(engine, *repos: str, slug: str = "alloy", tz: str = "UTC") -> boards.Board:
    with engine.begin() as conn:
        teams.add_team(conn, f"team-{slug}", "Team", tz=tz)
        board_id = boards.add_board(conn, slug, f"team-{slug}", name=slug)
        for name in repos:
            boards.add_repo(conn, board_id, name)
        return boards.get_board(conn, slug)


def synthetic(n: int, start: str = "2024-01-01") -> list[dict]:
    """n merged PRs, one per hour, each updated when merged."""
    base = pd.Timestamp(start, tz="UTC")
    out = []
    for k in range(1, n + 1):
        created = base + pd.Timedelta(hours=k)
        merged = created + pd.Timedelta(hours=5)
        out.append(
            make_pull(
                k,
                created.strftime("%Y-%m-%dT%H:%M:%SZ"),
                merged_at=merged.strftime("%Y-%m-%dT%H:%M:%SZ"),
                additions=k,
                deletions=1,
            )
        )
    return out
