"""What an accepted webhook does: re-fetch only what the event names, from the source
(the payload only names it; its fields are never stored).

- Jira: the named issue ids, per board with a JQL, in one search
  ``(board JQL) AND id in (…)`` per board (batched when many arrive): an issue outside
  every board's JQL is ignored, one that left a board is removed from it.
- GitHub: an incremental pass of the named repository, on every board that has it (pull
  requests newest-updated first down to the watermark, then tags): a few requests that
  fetch the changed pull request and the tags.
"""

from __future__ import annotations

import logging

from sqlalchemy import Engine

from etl.jira_sync import BoardSync
from etl.report import SourceReport
from vger.config import Settings
from vger.store import boards as store_boards

LOG = logging.getLogger("vger.etl.hooks")


def refresh_jira(engine: Engine, settings: Settings, issue_ids: list[str]) -> list[SourceReport]:
    """Re-fetch these Jira issue ids on every board with a JQL."""
    ids = sorted({str(i) for i in issue_ids if str(i).isdigit()}, key=int)
    if not ids or not settings.jira_url:
        return []
    with engine.connect() as conn:
        targets = [b for b in store_boards.list_boards(conn) if b.jql.strip()]
    reports = [BoardSync(engine, b, settings).refresh(ids) for b in targets]
    for r in reports:
        LOG.info("webhook refresh: %s", r.line())
    return reports


def refresh_github(engine: Engine, settings: Settings, repos: list[str]) -> list[SourceReport]:
    """An incremental pass of these repositories on the boards that have them."""
    from etl.github_client import GithubOptions, make_client
    from etl.github_sync import sync_repo

    wanted = {r.lower() for r in repos}
    token = settings.github_token.get_secret_value() if settings.github_token else None
    if not wanted or not token:
        return []
    with engine.connect() as conn:
        targets = [
            (board, name, repo_id)
            for board in store_boards.list_boards(conn)
            for name, repo_id in store_boards.repos(conn, board.id).items()
            if name.lower() in wanted
        ]
    if not targets:
        return []
    opts = GithubOptions.from_settings(settings)
    gh, stats = make_client(token, settings.github_url, opts)
    try:
        return [
            sync_repo(engine, board, name, repo_id, gh, stats, opts, token=token)
            for board, name, repo_id in targets
        ]
    finally:
        gh.close()


def refresh_job(source: str, names: list[str]) -> int:
    """The queued form (``vger worker``): settings from the worker's environment."""
    from vger.store.db import make_engine

    settings = Settings()
    engine = make_engine(settings.database_url)
    try:
        fn = refresh_jira if source == "jira" else refresh_github
        return len(fn(engine, settings, names))
    finally:
        engine.dispose()
