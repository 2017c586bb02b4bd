"""The data-quality CSV (``/download/quality.csv``, every row, streamed) and JSON
(``/api/v1/quality``: each check's count and one page of its issues: ``page``, 1-based;
``limit`` keys per check, default 50, at most 1000; ``check`` = one check id to page
through just that one). An unknown board is a 404 with ``{"error": "..."}`` in words;
bad parameters fall back to defaults and are listed in ``notices``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
from flask import Blueprint, Response, abort, request

from vger.errors import NotFoundError
from vger.metrics.links import LINK_CHECK_IDS
from vger.metrics.quality import CHECK_IDS
from vger.web import cache
from vger.web.export import (
    csv_stream,
    defuse,
    json_head,
    json_response,
    not_found_json,
    whole_arg,
)
from vger.web.views.common import request_view
from vger.web.views.quality.data import (
    QualityData,
    _page_columns,
    pages,
    quality_data,
    quality_key,
)

bp = Blueprint("vger_quality", __name__)


CSV_COLUMNS = ["check", "key", "detail"]


DEFAULT_LIMIT = 50  # keys per check in one page of the JSON


MAX_LIMIT = 1000


CSV_CHUNK = 5000  # rows per streamed CSV piece


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


def _paging() -> tuple[int, int, str | None, list[str]]:
    """page, limit and check of the quality API's query string, with notices."""
    notices: list[str] = []
    page = whole_arg("page", 1, 1_000_000, notices)
    limit = whole_arg("limit", DEFAULT_LIMIT, MAX_LIMIT, notices)
    only = request.args.get("check") or None
    if only is not None and only not in (*CHECK_IDS, *LINK_CHECK_IDS):
        names = ", ".join((*CHECK_IDS, *LINK_CHECK_IDS))
        notices.append(f"There is no check {only[:40]!r}: listing every check. Checks: {names}.")
        only = None
    return page, limit, only, notices


@bp.route("/api/v1/quality")
def api_quality():
    """The data-quality report: every check, its count and one page of the affected
    issues."""
    page, limit, only, notices = _paging()
    try:
        parsed, choice, data = request_view(quality_data)
    except NotFoundError as exc:
        return not_found_json(exc)
    head = json_head(choice, parsed)
    head["notices"] += notices
    return json_response(
        {
            **head,
            "types": list(choice.params.types),
            **quality_json(data, page, limit, only),
            "empty": data.empty_message,
        }
    )


@bp.route("/download/quality.csv")
def quality_download() -> Response:
    """check, key, detail: one row per issue a check lists."""
    try:
        parsed, choice, (data, pieces) = request_view(_with_csv_text)
    except NotFoundError as exc:
        abort(404, description=str(exc))
    day = pd.Timestamp(data.generated).tz_convert(choice.board.tz).date()
    return csv_stream(pieces, CSV_COLUMNS, f"vger-{choice.board.slug}-quality-{day}.csv")


def _with_csv_text(conn, choice, now) -> tuple[QualityData, list[str]]:
    """The report and its CSV rows as text pieces, cached with it: writing the 100,000
    rows of a large board again on every download cost 0.2 CPU-s."""
    data = quality_data(conn, choice, now)
    return data, cache.cached(
        "csv-quality",
        quality_key(conn, choice, now),
        lambda: [piece.to_csv(index=False, header=False) for piece in quality_csv_chunks(data)],
    )
