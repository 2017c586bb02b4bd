"""The data-quality report's view data for one board (and work-type filter). The page,
the CSV and the JSON all use :func:`quality_data`, so they always list the same issues.

A big board can flag most of its issues (every issue with a backward move), so the page
and the JSON list one page of keys per check (:func:`page_rows`) beside the counts; the
CSV streams every row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote

import pandas as pd
from sqlalchemy import Connection

from vger.metrics.events import Workflow
from vger.metrics.links import link_checks
from vger.metrics.quality import Check
from vger.store import flags, links, quality_hits, queries, workflows
from vger.web import cache
from vger.web.views.common import BoardChoice, local_today


@dataclass
class QualityData:
    """Everything the quality page, its CSV and its JSON show."""

    choice: BoardChoice
    workflow: Workflow | None
    checks: list[Check]
    issues: int  # issues checked (after the work-type filter)
    summaries: dict[str, str]  # issue key -> summary
    generated: datetime
    pr_urls: dict[str, str] = field(default_factory=dict)  # repo#N -> URL (link checks)

    @property
    def empty_message(self) -> str | None:
        board = self.choice.board
        if self.workflow is None:
            return (
                f"Board {board.name} has no work states yet, so its history cannot be checked: "
                "set them under Admin → work states (or sync a Jira board)."
            )
        if self.issues == 0:
            if self.choice.params.types:
                return (
                    f"Board {board.name} has no issues of the work types "
                    f"{', '.join(self.choice.params.types)}: choose other work types."
                )
            return f"No issues are stored for board {board.name} yet: run a sync (`vger etl --board {board.slug}`)."
        return None

    def url(self, key: str) -> str:
        """The issue in Jira (``browse_url``/browse/KEY), or "" without an http(s) base;
        a pull request (``repo#N``, the link checks) at its GitHub URL."""
        if "#" in str(key):
            url = self.pr_urls.get(str(key), "")
            return url if url.startswith(("https://", "http://")) else ""
        base = (self.choice.board.browse_url or "").rstrip("/")
        if not base.startswith(("https://", "http://")):
            return ""
        return f"{base}/browse/{quote(str(key))}"


def _checks(conn: Connection, choice: BoardChoice, issues: pd.DataFrame, workflow, now) -> list:
    """Every check over ``issues``; the history-based ones from the hits kept in the
    store (vger.store.quality_hits), so the board's whole history is not read."""
    board = choice.board
    return quality_hits.stored_checks(
        conn,
        board,
        issues,
        workflow,
        now=pd.Timestamp(now),
        names=workflows.statuses(conn, board.id),
        unit="working days" if board.working_days else "days",
        flags=flags.issue_flags(conn, board.id),
        tz=board.tz,
        working_days=board.working_days,
    )


def quality_data(conn: Connection, choice: BoardChoice, now: datetime) -> QualityData:
    """Run every check over the board's issues (work-type filter applied); cached per
    (board, parameters, local date, data version) like the quadrant."""
    return cache.cached(
        "quality", quality_key(conn, choice, now), lambda: _quality_data(conn, choice, now)
    )


def quality_key(conn: Connection, choice: BoardChoice, now: datetime) -> tuple:
    """What the report of ``choice`` depends on (its cache key)."""
    board = choice.board
    return (
        board,
        sorted(choice.work_types.items()),
        choice.params.to_query(),
        local_today(board.tz, now),
        queries.data_version(conn, board.id),
    )


def _quality_data(conn: Connection, choice: BoardChoice, now: datetime) -> QualityData:
    board = choice.board
    workflow = workflows.get_workflow(conn, board.id)
    issues = queries.quality_rows(conn, board, choice.params.types or None)
    # zipped as numpy object arrays: iterating pandas string columns boxes every value
    # (0.15 CPU-s for twice 100,000)
    summaries = dict(
        zip(
            issues["key"].astype(str).to_numpy(dtype=object),
            issues["summary"].fillna("").astype(str).to_numpy(dtype=object),
            strict=True,
        )
    )
    if workflow is None or issues.empty:
        return QualityData(choice, workflow, [], int(len(issues)), summaries, now)
    checks = _checks(conn, choice, issues, workflow, now)
    pr_urls: dict[str, str] = {}
    if choice.repos:  # issues linked to pull requests (vger.metrics.links)
        found = link_checks(
            issues,
            links.linked_keys(conn, board.id),
            links.unmatched_links(conn, board.id),
            links.board_projects(conn, board.id),
        )
        checks += found
        orphans = found[-1].rows
        pr_urls = dict(zip(orphans["key"], orphans["url"], strict=True))
    return QualityData(choice, workflow, checks, int(len(issues)), summaries, now, pr_urls)


def pages(check: Check, limit: int) -> int:
    """How many pages of ``limit`` keys the check's issue list has (at least 1)."""
    return max(1, math.ceil(len(check.rows) / limit))


def page_rows(check: Check, page: int, limit: int) -> pd.DataFrame:
    """Rows ``(page - 1) * limit`` up to ``page * limit`` of the check's issues (key
    order); a page past the end is empty."""
    first = (max(page, 1) - 1) * limit
    return check.rows.iloc[first : first + limit]


def _page_columns(check: Check, page: int, limit: int) -> tuple[list, list]:
    rows = page_rows(check, page, limit)
    return rows["key"].tolist(), rows["detail"].tolist()
