"""Pull requests' review stages (``pull_request_stage``): written by the GitHub sync and
the demo next to the pull requests, read one row per pull request by the stages view."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import Connection, and_, func, literal, select

from vger.metrics.pr_stages import Stages
from vger.store import schema as s
from vger.store.boards import Board
from vger.store.db import upsert
from vger.store.frames import _utc, read_frame


def stage_columns(number: int, stages: Stages) -> dict[str, Any]:
    """The ``pull_request_stage`` row (without ``repo_id``) of pull request ``number``."""
    return {
        "number": int(number),
        "first_review": stages.first_review,
        "last_approval": stages.last_approval,
        "wait_days": stages.wait,
        "review_days": stages.review,
        "merge_days": stages.merge,
        "rounds": stages.rounds,
        "draft_days": stages.draft,
        "cut": stages.cut,
    }


def save_pr_stages(conn: Connection, repo_id: int, rows: Sequence[dict[str, Any]]) -> int:
    """Upsert stage rows (``number`` and the ``pull_request_stage`` columns) of pull
    requests already saved for ``repo_id``."""
    return upsert(
        conn, s.pull_request_stage, [{**r, "repo_id": repo_id} for r in rows], ["repo_id", "number"]
    )


def missing_stages(conn: Connection, repo_id: int) -> int:
    """How many of the repository's pull requests have no stage row (stored before
    revision 0009): a sync then re-reads them all once."""
    pr, st = s.pull_request, s.pull_request_stage
    stmt = (
        select(func.count())
        .select_from(
            pr.outerjoin(st, and_(st.c.repo_id == pr.c.repo_id, st.c.number == pr.c.number))
        )
        .where(pr.c.repo_id == repo_id, st.c.number.is_(None))
    )
    return int(conn.execute(stmt).scalar_one())


STAGE_COLUMNS = ("wait_days", "review_days", "merge_days", "rounds", "draft_days", "cut")


def merged_stage_items(
    conn: Connection,
    board: Board,
    start: datetime,
    end: datetime,
    repos: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The board's pull requests merged in [start, end) (UTC), one row each: ``key``
    (owner/name#N), ``repo``, ``number``, ``title``, ``author``, ``url``, ``created``,
    ``merged``, ``first_review``, ``last_approval`` (UTC) and the stage columns
    (``has_stages`` False: stored before revision 0009 and not synced since)."""
    pr, st = s.pull_request, s.pull_request_stage
    stmt = (
        select(
            (s.repo.c.full_name + literal("#") + pr.c.number.cast(s.String)).label("key"),
            s.repo.c.full_name.label("repo"),
            pr.c.number,
            pr.c.title,
            pr.c.author,
            pr.c.url,
            pr.c.created,
            pr.c.merged,
            st.c.first_review,
            st.c.last_approval,
            *(st.c[c] for c in STAGE_COLUMNS),
            st.c.number.isnot(None).label("has_stages"),
        )
        .join(s.repo, s.repo.c.id == pr.c.repo_id)
        .outerjoin(st, and_(st.c.repo_id == pr.c.repo_id, st.c.number == pr.c.number))
        .where(s.repo.c.board_id == board.id, pr.c.merged >= start, pr.c.merged < end)
        .order_by(pr.c.merged, s.repo.c.full_name, pr.c.number)
    )
    if repos:
        stmt = stmt.where(s.repo.c.full_name.in_(list(repos)))
    frame = _utc(read_frame(conn, stmt), "created", "merged", "first_review", "last_approval")
    for column in ("wait_days", "review_days", "merge_days", "draft_days"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    frame["rounds"] = pd.to_numeric(frame["rounds"], errors="coerce").fillna(0).astype(int)
    frame["cut"] = frame["cut"].fillna(False).astype(bool)
    frame["has_stages"] = frame["has_stages"].astype(bool)
    return frame


def board_pull_count(conn: Connection, board: Board, repos: Sequence[str] | None = None) -> int:
    """How many pull requests the board's repositories (or ``repos``) have stored."""
    pr = s.pull_request
    stmt = (
        select(func.count())
        .select_from(pr.join(s.repo, s.repo.c.id == pr.c.repo_id))
        .where(s.repo.c.board_id == board.id)
    )
    if repos:
        stmt = stmt.where(s.repo.c.full_name.in_(list(repos)))
    return int(conn.execute(stmt).scalar_one())
