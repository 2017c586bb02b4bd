"""Issues linked to pull requests: writing the Jira keys a PR names, reading a board's
links. The keys are found by :func:`vger.metrics.links.candidate_keys` when the PR is
saved and stored by key (``pull_issue_link``), so an issue stored later still joins;
reads keep the keys of the board's projects only (the prefixes of its stored keys)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sqlalchemy import Connection, delete, func, insert, literal, select

from vger.metrics.links import projects, review_lead_times
from vger.store import schema as s
from vger.store.db import update_rows
from vger.store.frames import _utc, read_frame

if TYPE_CHECKING:  # boards -> issues -> links: the type only
    from vger.store.boards import Board

LINK_COLUMNS = ["issue_key", "repo", "number", "created", "url"]


def save_pull_links(conn: Connection, repo_id: int, keys: Mapping[int, Sequence[str]]) -> set[str]:
    """Replace the keys of the pull requests ``keys`` names (number → its candidate
    keys; an empty list removes its links); returns every key linked before or after
    (the issues whose review-inclusive lead time may change)."""
    numbers = [int(n) for n in keys]
    link = s.pull_issue_link
    touched = {str(k) for found in keys.values() for k in found}
    for k in range(0, len(numbers), 500):
        chunk = numbers[k : k + 500]
        where = (link.c.repo_id == repo_id, link.c.number.in_(chunk))
        touched |= set(conn.execute(select(link.c.issue_key).where(*where)).scalars())
        conn.execute(delete(link).where(*where))
    rows = [
        {"repo_id": repo_id, "number": int(n), "issue_key": str(key)[:64]}
        for n, found in keys.items()
        for key in sorted(set(found))
    ]
    if rows:
        conn.execute(insert(link), rows)
    return touched


def board_projects(conn: Connection, board_id: int) -> set[str]:
    """The board's projects: the prefixes of its stored issue keys (before the first
    ``-``: Jira project keys have none), one row per project from SQL."""
    key = s.issue.c.key
    if conn.dialect.name == "postgresql":
        prefix = func.split_part(key, "-", 1)
    else:  # SQLite
        prefix = func.substr(key, 1, func.instr(key, "-") - 1)
    stmt = select(prefix).distinct().where(s.issue.c.board_id == board_id, key.contains("-"))
    return projects(f"{p}-1" for p in conn.execute(stmt).scalars() if p)


def board_links(
    conn: Connection,
    board_id: int,
    *,
    done_from: datetime | None = None,
    done_to: datetime | None = None,
    open_only: bool = False,
) -> pd.DataFrame:
    """The board's links to its stored issues: ``issue_key``, ``repo`` (owner/name),
    ``number``, ``created`` (the PR's, UTC), ``url``; with ``done_from``/``done_to``
    only those of issues done in [from, to) (the rows a range's completed items need),
    with ``open_only`` those of issues not done."""
    link, issue = s.pull_issue_link, s.issue
    stmt = _link_rows(board_id).join(
        issue, (issue.c.board_id == s.repo.c.board_id) & (issue.c.key == link.c.issue_key)
    )
    if done_from is not None:
        stmt = stmt.where(issue.c.done >= done_from)
    if done_to is not None:
        stmt = stmt.where(issue.c.done < done_to)
    if open_only:
        stmt = stmt.where(issue.c.done.is_(None))
    return _frame(conn, stmt)


def linked_keys(conn: Connection, board_id: int) -> set[str]:
    """Every key a pull request of the board's repositories names (stored issue or not:
    the caller matches them against its issues)."""
    link = s.pull_issue_link
    stmt = (
        select(link.c.issue_key)
        .distinct()
        .join(s.repo, s.repo.c.id == link.c.repo_id)
        .where(s.repo.c.board_id == board_id)
    )
    return set(conn.execute(stmt).scalars())


def unmatched_links(conn: Connection, board_id: int) -> pd.DataFrame:
    """The board's links whose key matches no stored issue (any project; the caller
    keeps the board's projects): the columns of :func:`board_links`."""
    link, issue = s.pull_issue_link, s.issue
    known = select(literal(1)).where(issue.c.board_id == board_id, issue.c.key == link.c.issue_key)
    stmt = _link_rows(board_id).where(~known.exists())
    return _frame(conn, stmt)


def _link_rows(board_id: int):
    """SELECT of the board's links with their pull requests: the columns of
    :func:`board_links`."""
    link, pr = s.pull_issue_link, s.pull_request
    return (
        select(
            link.c.issue_key,
            s.repo.c.full_name.label("repo"),
            link.c.number,
            pr.c.created,
            pr.c.url,
        )
        .join(s.repo, s.repo.c.id == link.c.repo_id)
        .join(pr, (pr.c.repo_id == link.c.repo_id) & (pr.c.number == link.c.number))
        .where(s.repo.c.board_id == board_id)
    )


def _frame(conn: Connection, stmt) -> pd.DataFrame:
    frame = _utc(read_frame(conn, stmt), "created")
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in LINK_COLUMNS})
    frame["number"] = frame["number"].astype(int)
    return frame[LINK_COLUMNS]


def first_pr_created(conn: Connection, board_id: int, keys: Sequence[str]) -> pd.Series:
    """Issue key → creation (UTC) of the earliest pull request of the board's
    repositories that names it, for those of ``keys`` that have one."""
    link, pr = s.pull_issue_link, s.pull_request
    out = []
    keys = list(dict.fromkeys(map(str, keys)))
    for k in range(0, len(keys), 1000):
        stmt = (
            select(link.c.issue_key, func.min(pr.c.created).label("created"))
            .join(s.repo, s.repo.c.id == link.c.repo_id)
            .join(pr, (pr.c.repo_id == link.c.repo_id) & (pr.c.number == link.c.number))
            .where(s.repo.c.board_id == board_id, link.c.issue_key.in_(keys[k : k + 1000]))
            .group_by(link.c.issue_key)
        )
        out.append(_utc(read_frame(conn, stmt), "created"))
    frame = pd.concat(out) if out else pd.DataFrame({"issue_key": [], "created": []})
    return pd.Series(
        pd.to_datetime(frame["created"], utc=True).to_numpy(), index=frame["issue_key"].to_numpy()
    )


def apply_review_lead_times(
    conn: Connection,
    board: Board,
    *,
    issue_ids: Sequence[str] | None = None,
    keys: Sequence[str] | None = None,
) -> int:
    """Set the stored lead times (calendar and working days) of the board's issues that
    have one (all, or those of ``issue_ids`` / ``keys``) from their start, or from their
    first linked PR's creation when earlier and the board's option ``review_lead_time``
    is on (:func:`vger.metrics.links.review_lead_times`). Idempotent: start and done
    stay as derived. Returns how many lead times changed."""
    i = s.issue
    stmt = select(i.c.issue_id, i.c.key, i.c.start, i.c.done, i.c.lead_time_days).where(
        i.c.board_id == board.id, i.c.lead_time_days.is_not(None)
    )
    frames = []
    for column, values in (("issue_id", issue_ids), ("key", keys)):
        if values is not None:
            values = [str(v) for v in values]
            for k in range(0, len(values), 1000):
                frames.append(read_frame(conn, stmt.where(i.c[column].in_(values[k : k + 1000]))))
    if issue_ids is None and keys is None:
        frames.append(read_frame(conn, stmt))
    if not frames:
        return 0
    rows = _utc(pd.concat(frames, ignore_index=True), "start", "done")
    rows = rows.drop_duplicates("issue_id")
    if rows.empty:
        return 0
    first = first_pr_created(conn, board.id, rows["key"]) if board.review_lead_time else None
    linked = (
        pd.Series(rows["key"].map(first).to_numpy(), index=rows.index)
        if first is not None and len(first)
        else pd.Series(pd.NaT, index=rows.index)
    )
    days, working = review_lead_times(rows["start"], rows["done"], linked, board.tz)
    old = rows["lead_time_days"].to_numpy(dtype=float)
    changed = np.flatnonzero(~np.isclose(days, old, rtol=0.0, atol=1e-9))
    update_rows(
        conn,
        i,
        [
            {
                "board_id": board.id,
                "issue_id": str(rows["issue_id"].iat[k]),
                "lead_time_days": float(days[k]),
                "lead_time_working_days": float(working[k]),
            }
            for k in changed
        ],
        ["board_id", "issue_id"],
    )
    return int(len(changed))
