"""Issues linked to pull requests through the real load path: the fake GitHub serves
titles, branches (``headRefName``) and bodies over GraphQL to the real PyGithub client,
the sync stores the keys they name (vger.store.links), and the board's reads join them
to its stored issues (the worked example of docs/metrics.md, "Issues linked to pull
requests", on the example board)."""

from __future__ import annotations

from etl.github_queries import PULLS_QUERY
from etl.github_sync import sync_board_repos
from tests.etl.fake_github import alloy_pulls, make_pull
from tests.etl.github_fixtures import FAST, make_board
from tests.factories import example_board, utc
from vger.metrics.links import pulls_without_issue
from vger.store import boards
from vger.store.links import board_links, board_projects, unmatched_links
from vger.store.queries import issue_items

REPO = "acme/app"


def example_pulls() -> list[dict]:
    return [
        make_pull(
            1,
            "2024-01-01T09:00:00Z",
            merged_at="2024-01-08T09:00:00Z",
            title="[EX-1] Fix login",
            head_ref="ex-1-login",
            body="Also EX-3; see UTF-8 and ISO-8601",
        ),
        make_pull(2, "2024-01-04T09:00:00Z", title="Bump deps", head_ref="patch-1"),
        make_pull(3, "2024-01-05T09:00:00Z", title="EX-2b tweak", head_ref="EX-20"),
    ]


def test_query_asks_for_branch_and_body():
    assert "headRefName" in PULLS_QUERY and "body" in PULLS_QUERY


def test_sync_links_the_worked_example(engine, fake, settings):
    board = example_board(engine)
    with engine.begin() as conn:
        boards.add_repo(conn, board.id, REPO)
    fake.add_repo(REPO, example_pulls())
    (report,) = sync_board_repos(engine, board, settings, options=FAST)
    assert report.ok, report.error
    with engine.connect() as conn:
        links = board_links(conn, board.id)
        assert sorted(zip(links["issue_key"], links["number"], strict=True)) == [
            ("EX-1", 1),
            ("EX-3", 1),
        ]
        assert str(links["created"].min()) == "2024-01-01 09:00:00+00:00"
        projects = board_projects(conn, board.id)
        orphans = pulls_without_issue(unmatched_links(conn, board.id), projects)
        # EX-1 (item A) is done 2024-01-09 09:00; EX-3 (C) was abandoned 01-05 10:00
        window = board_links(
            conn, board.id, done_from=utc("2024-01-09 00:00"), done_to=utc("2024-01-10 00:00")
        )
        before = board_links(conn, board.id, done_to=utc("2024-01-09 09:00"))
    assert projects == {"EX"}
    assert orphans[["key", "detail"]].values.tolist() == [
        ["acme/app#3", "names EX-20, no stored issue"]
    ]
    assert window["issue_key"].tolist() == ["EX-1"]
    assert before["issue_key"].tolist() == ["EX-3"]  # abandoned (Won't Do) on 01-05

    # The body is edited (GitHub moves updatedAt): the next incremental run relinks it.
    fake.update_pull(REPO, 1, body="", updated_at="2030-01-01T00:00:00Z")
    fake.update_pull(REPO, 3, title="EX-4 tweak", head_ref="x", updated_at="2030-01-01T00:00:00Z")
    (again,) = sync_board_repos(engine, board, settings, options=FAST)
    assert again.ok, again.error
    with engine.connect() as conn:
        links = board_links(conn, board.id)
        orphans = unmatched_links(conn, board.id)
    assert sorted(zip(links["issue_key"], links["number"], strict=True)) == [
        ("EX-1", 1),
        ("EX-4", 3),
    ]
    assert orphans["issue_key"].tolist() == ["PATCH-1"]  # not a project of the board
    assert pulls_without_issue(orphans, projects).empty


def test_issue_stored_later_still_joins(sqlite_engine, fake, settings):
    """Links are by key: PRs synced before their issues join once the issues arrive."""
    fake.add_repo(REPO, example_pulls())
    board = make_board(sqlite_engine, REPO, slug="later")
    assert sync_board_repos(sqlite_engine, board, settings, options=FAST)[0].ok
    with sqlite_engine.connect() as conn:
        assert board_links(conn, board.id).empty
        assert set(unmatched_links(conn, board.id)["issue_key"]) == {
            "EX-1",
            "EX-3",
            "EX-20",
            "ISO-8601",
            "PATCH-1",
            "UTF-8",
        }
        assert board_projects(conn, board.id) == set()


def test_alloy_branches_link_through_the_sync(sqlite_engine, fake, settings):
    """The real alloy PRs with their real branch names: #730 is linked by its
    lower-case branch ``aloy-1314`` (its title names it too), #758 by its title only
    (branch ``patch-14``), and the 13 ``patch-1`` branches are stored as candidates."""
    fake.add_repo("tidev/alloy", alloy_pulls())
    board = make_board(sqlite_engine, "tidev/alloy", slug="alloy")
    assert sync_board_repos(sqlite_engine, board, settings, options=FAST)[0].ok
    with sqlite_engine.connect() as conn:
        links = unmatched_links(conn, board.id)
    by_key = links.groupby("issue_key")["number"].apply(sorted)
    assert by_key["ALOY-1314"] == [730] and by_key["ALOY-1358"] == [758]
    assert len(by_key["PATCH-1"]) == 13
    assert len(links) == 570  # the 570 (PR, key) pairs of tests/metrics/test_links.py's pattern


def test_sync_updates_review_lead_times(sqlite_engine, fake, settings):
    """With the board's code-review option on, a synced PR moves its issue's lead time
    (EX-1: 7.0 → 8.0 days, from PR #1 opened a day before start) and an edit that drops
    the key moves it back."""
    engine = sqlite_engine
    board = example_board(engine)
    with engine.begin() as conn:
        boards.add_repo(conn, board.id, REPO)
        boards.set_review_lead_time(conn, "example", True)
        board = boards.get_board(conn, "example")
    fake.add_repo(REPO, example_pulls())

    def ex1() -> float:
        with engine.connect() as conn:
            items = issue_items(conn, board)
        return float(items.set_index("key").loc["EX-1", "lead_time"])

    assert ex1() == 7.0
    assert sync_board_repos(engine, board, settings, options=FAST)[0].ok
    assert ex1() == 8.0
    later = "2030-01-01T00:00:00Z"
    fake.update_pull(REPO, 1, title="Fix login", head_ref="login", body="", updated_at=later)
    assert sync_board_repos(engine, board, settings, options=FAST)[0].ok
    assert ex1() == 7.0
