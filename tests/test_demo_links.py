"""The demo's issues linked to pull requests: ``vger demo`` has linked PRs to show,
keys only a branch names, and both data-quality lines."""

from __future__ import annotations

import random

import pandas as pd
import sqlalchemy as sa

from tests.test_demo import NOW, demo, platform  # noqa: F401 - module-scoped fixtures
from vger.demo_links import link_pulls
from vger.metrics.links import board_keys, issues_without_pr, linked_pulls, pulls_without_issue
from vger.store import boards, links, queries
from vger.store import schema as s


def test_link_pulls_by_hand():
    rows = [
        {"number": 1, "title": "PLAT-7: Add login"},
        {"number": 2, "title": "Bump react from 4.1.0 to 4.1.2"},
    ]
    out, keys = link_pulls(rows, random.Random(3))
    # a dependency bump's branch (dependabot/npm_and_yarn/bump-react-N) may look like a
    # key of a project REACT, which the board does not have: it links nothing
    assert board_keys(keys[2], {"PLAT"}) == []
    assert keys[1] and all(k.startswith("PLAT-") for k in keys[1])
    assert out[1]["title"] == rows[1]["title"]


def test_demo_links_are_alive(demo, platform):  # noqa: F811
    engine = demo[0]
    board, items, _, _ = platform
    with engine.connect() as conn:
        linked = links.board_links(conn, board.id)
        unmatched = links.unmatched_links(conn, board.id)
        projects = links.board_projects(conn, board.id)
        titles = pd.read_sql(
            sa.select(s.pull_request.c.number, s.pull_request.c.title, s.repo.c.full_name)
            .join(s.repo, s.repo.c.id == s.pull_request.c.repo_id)
            .where(s.repo.c.board_id == board.id),
            conn,
        )
    assert projects == {"PLAT"}
    done = items[items["outcome"] == "completed"]
    prs = linked_pulls(linked, done["key"])
    share = (prs != "").mean()
    assert 0.35 < share < 0.8  # about half the developers' items have a PR
    assert prs.str.contains(" ").any()  # some have two
    # some links come from the branch alone: the title does not name the key
    named = titles.merge(
        linked, left_on=["full_name", "number"], right_on=["repo", "number"], how="inner"
    )
    assert (~named.apply(lambda r: r["issue_key"] in r["title"], axis=1)).sum() >= 10
    alone = issues_without_pr(items, linked["issue_key"])
    orphans = pulls_without_issue(unmatched, projects)
    assert len(alone) > 100 and 1 <= len(orphans) < 40
    assert orphans["detail"].str.contains("PLAT-5").all()  # the mistyped numbers


def test_demo_review_option_lengthens_some_lead_times(demo, platform):  # noqa: F811
    engine = demo[0]
    board, items, _, _ = platform
    with engine.begin() as conn:
        changed = boards.set_review_lead_time(conn, "platform", True)
        after = queries.issue_items(conn, boards.get_board(conn, "platform"))
        boards.set_review_lead_time(conn, "platform", False)
    before = items.set_index("issue_id")["lead_time"]
    after = after.set_index("issue_id")["lead_time"].reindex(before.index)
    longer = (after > before + 1e-9).sum()
    assert changed == longer > 0
    known = before.notna().to_numpy()
    assert (after[known] >= before[known] - 1e-9).all()  # never shorter
    assert after[~known].isna().all()  # no lead time from a PR alone
