"""GitHub sync benchmark: the 668 real tidev/alloy PRs and 163 tags from the fake server.

Run ``python -m bench.github_bench`` from the repository root. Prints the requests of a
full sync (list pages carrying line counts + tags), of a no-change second sync, the
seconds each took, and -- for comparison -- what the REST way (list pages + one
``GET /pulls/{n}`` per PR, ``/tags`` + one commit per tag + one git tag per annotated
tag) costs through PyGithub against the same server.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from github import Auth, Github
from pydantic import SecretStr

from etl.github_client import GithubOptions
from etl.github_sync import sync_board_repos
from tests.etl.fake_github import TOKEN, FakeGitHub, alloy_pulls, alloy_tags
from vger.config import Settings
from vger.store import boards, teams
from vger.store.db import make_engine, upgrade

REPO = "tidev/alloy"


def rest_way(fake: FakeGitHub) -> tuple[int, float]:
    """Requests and seconds of PRs with line counts and dated tags through REST."""
    gh = Github(
        base_url=fake.url,
        auth=Auth.Token(TOKEN),
        per_page=100,
        seconds_between_requests=None,
        lazy=True,
    )
    fake.reset_counts()
    started = time.perf_counter()
    repo = gh.get_repo(REPO)
    lines = sum(
        p.additions + p.deletions
        for p in repo.get_pulls(state="all", sort="updated", direction="desc")
    )
    dated = 0
    state = fake.repos[REPO.lower()].tags
    for tag in repo.get_tags():
        tag.commit.commit.committer.date  # noqa: B018 - one GET /commits/{sha} per tag
        if state[tag.name]["tag_sha"]:  # annotated: the tagger date needs the tag object
            repo.get_git_tag(state[tag.name]["tag_sha"]).tagger.date  # noqa: B018
        dated += 1
    assert lines > 0 and dated == len(state)
    return fake.count, time.perf_counter() - started


def main() -> None:
    opts = GithubOptions(seconds_between_requests=0)  # no client-side throttle in the bench
    with tempfile.TemporaryDirectory() as tmp, FakeGitHub() as fake:
        pulls, tags = alloy_pulls(), alloy_tags()
        fake.add_repo(REPO, pulls, tags)
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        upgrade(engine)
        with engine.begin() as conn:
            teams.add_team(conn, "tidev", "TiDev")
            board_id = boards.add_board(conn, "alloy", "tidev")
            boards.add_repo(conn, board_id, REPO)
            board = boards.get_board(conn, "alloy")
        settings = Settings(github_token=SecretStr(TOKEN), github_url=fake.url, _env_file=None)

        print(f"tidev/alloy: {len(pulls)} pull requests, {len(tags)} tags (fake GitHub, SQLite)")
        for label in ("full sync", "no-change sync"):
            fake.reset_counts()
            started = time.perf_counter()
            (report,) = sync_board_repos(engine, board, settings, options=opts)
            seconds = time.perf_counter() - started
            assert report.ok, report.error
            x = report.extra
            print(
                f"{label:15s}: {report.requests} requests (server counted {fake.count}): "
                f"{x['list_requests']} list (with line counts), "
                f"{x['tag_requests']} tags; {report.added} added, {report.updated} updated; "
                f"{seconds:.2f} s"
            )
        requests, seconds = rest_way(fake)
        print(
            f"{'REST (N+1)':15s}: {requests} requests for the same PR lines and tag dates; {seconds:.2f} s"
        )
        engine.dispose()


if __name__ == "__main__":
    main()
