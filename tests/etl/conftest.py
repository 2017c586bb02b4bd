"""Fixtures of the ETL tests: fake Jira servers (Cloud, Data Center), settings pointing
at them, and the example-5 board served as Jira JSON. Generic: other ETL tests
(GitHub) may add their own fixtures here too; the fake GitHub and settings for it are
``fake`` and ``settings``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from tests.etl.fake_github import TOKEN as GITHUB_TOKEN
from tests.etl.fake_github import FakeGitHub
from tests.etl.fake_jira import FakeJira
from tests.factories import EXAMPLE_ISSUES, EXAMPLE_STATES, EXAMPLE_TRANSITIONS, NAMES
from vger.config import Settings

DONE_IDS = {"5", "6"}


def serve_example(fake: FakeJira, board_id: int = 5) -> None:
    """tests/factories.py's example 5 as Jira issues with changelogs, and its board."""
    for sid, name in NAMES.items():
        fake.add_status(
            sid, name, "done" if sid in DONE_IDS else ("new" if sid == "1" else "indeterminate")
        )
    for row in EXAMPLE_ISSUES:
        moves = [
            (t["at"], t["from_status_id"], t["to_status_id"])
            for t in EXAMPLE_TRANSITIONS
            if t["issue_id"] == row["issue_id"]
        ]
        fake.add_issue(
            row["issue_id"],
            row["key"],
            issue_type=row["issue_type"],
            created=row["created"],
            status=row["status_id"],
            resolution=row["resolution"],
            summary=row["summary"],
            moves=moves,
        )
    fake.add_board(board_id, EXAMPLE_STATES)


def settings_for(fake: FakeJira, **overrides) -> Settings:
    values = {
        "database_url": "sqlite://",
        "jira_url": fake.url,
        "jira_user": fake.user if fake.mode == "cloud" else None,
        "jira_token": fake.token,
        "jira_timeout": 2.0,
        "jira_retries": 2,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture(params=["cloud", "dc"])
def fake_jira(request) -> Iterator[FakeJira]:
    """A fake Jira in Cloud mode, then in Data Center mode."""
    with FakeJira(request.param) as fake:
        yield fake


@pytest.fixture
def fake_cloud() -> Iterator[FakeJira]:
    with FakeJira("cloud") as fake:
        yield fake


@pytest.fixture
def fake_dc() -> Iterator[FakeJira]:
    with FakeJira("dc") as fake:
        yield fake


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    """The fake GitHub (the GitHub ETL tests' server)."""
    with FakeGitHub() as server:
        yield server


@pytest.fixture
def settings(fake: FakeGitHub) -> Settings:
    """Settings with a GitHub token for :func:`fake`."""
    return Settings(github_token=SecretStr(GITHUB_TOKEN), github_url=fake.url, _env_file=None)
