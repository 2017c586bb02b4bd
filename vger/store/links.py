"""Issues linked to pull requests: writing the Jira keys a PR names, reading a board's
links. The keys are found by :func:`vger.metrics.links.candidate_keys` when the PR is
saved and stored by key (``pull_issue_link``), so an issue stored later still joins;
reads keep the keys of the board's projects only (the prefixes of its stored keys)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import pandas as pd
from sqlalchemy import Connection, delete, insert, literal, select

from vger.metrics.links import project_of
from vger.store import schema as s
from vger.store.queries import _utc, read_frame

LINK_COLUMNS = ["issue_key", "repo", "number", "created", "url"]


def save_pull_links(conn: Connection, repo_id: int, keys: Mapping[int, Sequence[str]]) -> int:
    """Replace the keys of the pull requests ``keys`` names (number → its candidate
    keys; an empty list removes its links); returns the links written."""
    numbers = [int(n) for n in keys]
    link = s.pull_issue_link
    for k in range(0, len(numbers), 500):
        chunk = numbers[k : k + 500]
        conn.execute(delete(link).where(link.c.repo_id == repo_id, link.c.number.in_(chunk)))
    rows = [
        {"repo_id": repo_id, "number": int(n), "issue_key": str(key)[:64]}
        for n, found in keys.items()
        for key in sorted(set(found))
    ]
    if rows:
        conn.execute(insert(link), rows)
    return len(rows)


def board_projects(conn: Connection, board_id: int) -> set[str]:
    """The board's projects: the prefixes of its stored issue keys (taken here, not in
    SQL, where splitting a key needs a function of each dialect)."""
    keys = conn.execute(select(s.issue.c.key).where(s.issue.c.board_id == board_id)).scalars()
    return {project_of(k) for k in keys if "-" in str(k)}


def board_links(
    conn: Connection,
    board_id: int,
    *,
    done_from: datetime | None = None,
    done_to: datetime | None = None,
) -> pd.DataFrame:
    """The board's links to its stored issues: ``issue_key``, ``repo`` (owner/name),
    ``number``, ``created`` (the PR's, UTC), ``url``; with ``done_from``/``done_to``
    only those of issues done in [from, to) (the rows a range's completed items need)."""
    link, pr, issue = s.pull_issue_link, s.pull_request, s.issue
    stmt = (
        select(
            link.c.issue_key,
            s.repo.c.full_name.label("repo"),
            link.c.number,
            pr.c.created,
            pr.c.url,
        )
        .join(s.repo, s.repo.c.id == link.c.repo_id)
        .join(pr, (pr.c.repo_id == link.c.repo_id) & (pr.c.number == link.c.number))
        .join(issue, (issue.c.board_id == s.repo.c.board_id) & (issue.c.key == link.c.issue_key))
        .where(s.repo.c.board_id == board_id)
    )
    if done_from is not None:
        stmt = stmt.where(issue.c.done >= done_from)
    if done_to is not None:
        stmt = stmt.where(issue.c.done < done_to)
    return _frame(conn, stmt)


def unmatched_links(conn: Connection, board_id: int) -> pd.DataFrame:
    """The board's links whose key matches no stored issue (any project; the caller
    keeps the board's projects): the columns of :func:`board_links`."""
    link, pr, issue = s.pull_issue_link, s.pull_request, s.issue
    known = select(literal(1)).where(issue.c.board_id == board_id, issue.c.key == link.c.issue_key)
    stmt = (
        select(
            link.c.issue_key,
            s.repo.c.full_name.label("repo"),
            link.c.number,
            pr.c.created,
            pr.c.url,
        )
        .join(s.repo, s.repo.c.id == link.c.repo_id)
        .join(pr, (pr.c.repo_id == link.c.repo_id) & (pr.c.number == link.c.number))
        .where(s.repo.c.board_id == board_id, ~known.exists())
    )
    return _frame(conn, stmt)


def _frame(conn: Connection, stmt) -> pd.DataFrame:
    frame = _utc(read_frame(conn, stmt), "created")
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in LINK_COLUMNS})
    frame["number"] = frame["number"].astype(int)
    return frame[LINK_COLUMNS]
