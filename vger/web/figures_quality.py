"""The data-quality report: view data for one board (and work-type filter), its CSV
body and its JSON body. The page, the CSV and the JSON all use :func:`quality_data`,
so they always list the same issues.

A big board can flag most of its issues (every issue with a backward move), so the page
and the JSON list one page of keys per check (:func:`page_rows`) beside the counts; the
CSV streams every row."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

import pandas as pd
from sqlalchemy import Connection

from vger.metrics.events import Workflow
from vger.metrics.quality import Check
from vger.store import boards, quality_hits, queries
from vger.web import cache
from vger.web.csv import defuse
from vger.web.views import BoardChoice, local_today

CSV_COLUMNS = ["check", "key", "detail"]
DEFAULT_LIMIT = 50  # keys per check in one page of the JSON
MAX_LIMIT = 1000
CSV_CHUNK = 5000  # rows per streamed CSV piece


@dataclass
class QualityData:
    """Everything the quality page, its CSV and its JSON show."""

    choice: BoardChoice
    workflow: Workflow | None
    checks: list[Check]
    issues: int  # issues checked (after the work-type filter)
    summaries: dict[str, str]  # issue key -> summary
    generated: datetime

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
        """The issue in Jira (``browse_url``/browse/KEY), or "" without an http(s) base."""
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
        names=boards.statuses(conn, board.id),
        unit="working days" if board.working_days else "days",
    )


def quality_data(conn: Connection, choice: BoardChoice, now: datetime) -> QualityData:
    """Run every check over the board's issues (work-type filter applied); cached per
    (board, parameters, local date, data version) like the quadrant."""
    board = choice.board
    key = (
        board,
        sorted(choice.work_types.items()),
        choice.params.to_query(),
        local_today(board.tz, now),
        queries.data_version(conn, board.id),
    )
    return cache.cached("quality", key, lambda: _quality_data(conn, choice, now))


def _quality_data(conn: Connection, choice: BoardChoice, now: datetime) -> QualityData:
    board = choice.board
    workflow = boards.get_workflow(conn, board.id)
    issues = queries.quality_rows(conn, board, choice.params.types or None)
    summaries = dict(
        zip(issues["key"].astype(str), issues["summary"].fillna("").astype(str), strict=True)
    )
    if workflow is None or issues.empty:
        return QualityData(choice, workflow, [], int(len(issues)), summaries, now)
    checks = _checks(conn, choice, issues, workflow, now)
    return QualityData(choice, workflow, checks, int(len(issues)), summaries, now)


def pages(check: Check, limit: int) -> int:
    """How many pages of ``limit`` keys the check's issue list has (at least 1)."""
    return max(1, math.ceil(len(check.rows) / limit))


def page_rows(check: Check, page: int, limit: int) -> pd.DataFrame:
    """Rows ``(page - 1) * limit`` up to ``page * limit`` of the check's issues (key
    order); a page past the end is empty."""
    first = (max(page, 1) - 1) * limit
    return check.rows.iloc[first : first + limit]


def quality_csv_chunks(data: QualityData, chunk: int = CSV_CHUNK) -> Iterator[pd.DataFrame]:
    """Every (check, affected issue) row — check id, key, detail — in pieces of at most
    ``chunk`` rows, so the download streams instead of building one big body."""
    for c in data.checks:
        for first in range(0, len(c.rows), chunk):
            rows = c.rows.iloc[first : first + chunk]
            piece = pd.DataFrame({"check": c.id, "key": rows["key"], "detail": rows["detail"]})
            yield defuse(piece[CSV_COLUMNS], ["key", "detail"])


def quality_json(
    data: QualityData, page: int = 1, limit: int = DEFAULT_LIMIT, only: str | None = None
) -> dict:
    """The report as plain JSON-able data: every check's count and one page of its
    issues (``limit`` keys, page ``page``; ``only`` lists a single check's)."""
    checks = [c for c in data.checks if only in (None, c.id)]
    return {
        "issues_checked": data.issues,
        "page": page,
        "limit": limit,
        "checks": [
            {
                "id": c.id,
                "title": c.title,
                "why": c.why,
                "count": c.count,
                "unit": c.unit,
                "issues_listed": int(len(c.rows)),
                "pages": pages(c, limit),
                "issues": [
                    {"key": k, "detail": d, "url": data.url(k) or None}
                    for k, d in zip(*_page_columns(c, page, limit), strict=True)
                ],
            }
            for c in checks
        ],
    }


def _page_columns(check: Check, page: int, limit: int) -> tuple[list, list]:
    rows = page_rows(check, page, limit)
    return rows["key"].tolist(), rows["detail"].tolist()
