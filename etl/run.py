"""``vger etl``: every board (or one), Jira then GitHub, boards in parallel threads.

Each board is isolated: a failure (Jira, GitHub, a bug) becomes a failed part of the
report naming the board, and the other boards go on.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine

from etl.jira_sync import Shared, sync_board
from etl.report import EtlReport, SourceReport
from vger.config import Settings, mask_secrets
from vger.store import boards as store_boards
from vger.store.boards import Board

LOG = logging.getLogger("vger.etl")


def run_etl(
    engine: Engine,
    settings: Settings,
    *,
    board_slug: str | None = None,
    full: bool = False,
    workers: int = 1,
    progress: bool = False,
    jira_backoff: float = 1.0,
) -> EtlReport:
    """Sync Jira issues (boards with a JQL, when ``VGER_JIRA_URL`` is set) and GitHub
    pull requests and tags (boards with repositories, when ``VGER_GITHUB_TOKEN`` is set)."""
    with engine.connect() as conn:
        if board_slug:
            selected = [store_boards.get_board(conn, board_slug)]  # NotFoundError in words
        else:
            selected = store_boards.list_boards(conn)
        repos = {b.id: store_boards.repos(conn, b.id) for b in selected}
    shared = Shared()

    def one(board: Board) -> list[SourceReport]:
        return _board_parts(
            engine, settings, board, repos[board.id], full, progress, shared, jira_backoff
        )

    report = EtlReport()
    if workers > 1 and len(selected) > 1:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="etl") as pool:
            for parts in pool.map(one, selected):
                report.parts.extend(parts)
    else:
        for board in selected:
            report.parts.extend(one(board))
    return report


def _board_parts(
    engine: Engine,
    settings: Settings,
    board: Board,
    repos: dict[str, int],
    full: bool,
    progress: bool,
    shared: Shared,
    jira_backoff: float,
) -> list[SourceReport]:
    parts: list[SourceReport] = []
    if not board.jql.strip():
        parts.append(_skipped(board, "jira", "skipped: the board has no JQL"))
    elif not settings.jira_url:
        # A failure, not a skip: a cron job must not leave a dashboard stale without a word.
        parts.append(
            _not_configured(
                board,
                "jira",
                "VGER_JIRA_URL is not set: set VGER_JIRA_URL, VGER_JIRA_USER and VGER_JIRA_TOKEN "
                "(or a Data Center personal access token alone) to sync its JQL",
            )
        )
    else:
        try:
            parts.append(
                sync_board(
                    engine,
                    board,
                    settings,
                    full=full,
                    progress=progress,
                    shared=shared,
                    backoff=jira_backoff,
                )
            )
        except Exception as exc:  # noqa: BLE001 - isolate the board
            LOG.exception("jira %s failed", board.slug)
            parts.append(
                SourceReport(
                    "jira", board.slug, ok=False, error=f"board {board.slug}: {type(exc).__name__}"
                )
            )
    if repos:
        if settings.github_token is None:
            parts.append(
                _not_configured(
                    board,
                    "github",
                    "VGER_GITHUB_TOKEN is not set: set it to a token that can read "
                    + ", ".join(sorted(repos)),
                )
            )
        else:
            try:
                from etl.github_sync import sync_board_repos

                parts.extend(
                    sync_board_repos(engine, board, settings, full=full, progress=progress)
                )
            except Exception as exc:  # noqa: BLE001 - isolate the board
                LOG.exception("github %s failed", board.slug)
                parts.append(
                    SourceReport(
                        "github",
                        board.slug,
                        ok=False,
                        error=f"board {board.slug}: {type(exc).__name__}: {_safe(exc, settings)}",
                    )
                )
    return parts


def _skipped(board: Board, source: str, why: str) -> SourceReport:
    LOG.info("%s %s: %s", source, board.slug, why)
    return SourceReport(source, board.slug, extra={"note": why})


def _not_configured(board: Board, source: str, what_to_set: str) -> SourceReport:
    LOG.error("%s %s: %s", source, board.slug, what_to_set)
    return SourceReport(source, board.slug, ok=False, error=what_to_set)


def _safe(exc: Exception, settings: Settings) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    secrets = (s.get_secret_value() for s in (settings.github_token, settings.jira_token) if s)
    return mask_secrets(text, *secrets)[:300]
