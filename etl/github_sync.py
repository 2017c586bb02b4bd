"""GitHub pull requests and tags of a board's repositories -> the store.

Extract with PyGithub (its ``Requester``, retries and rate-limit bookkeeping), transform
with :mod:`etl.github_transform` (pure), load with :mod:`vger.store.pulls`.

**GraphQL, not REST**: the queries and why are in :mod:`etl.github_queries`.

**Linked issues.** The same query asks for each PR's branch (``headRefName``) and
description (``body``: Markdown, at most 65,536 characters, usually a few hundred
bytes): the Jira keys they and the title name are stored with the page
(:mod:`vger.store.links`), for every PR read (a description edit moves ``updatedAt``).
No request is added; a page of 100 PRs grows by about the size of their descriptions.

**Incremental runs.** Pull requests come newest-updated first; a run stops at the first
one updated before ``watermark - overlap`` (the watermark is the newest ``updatedAt``
a previous run stored completely). A no-change run therefore costs one PR request plus
one tag request (tags stop once a page holds known, unchanged tags and the upstream
tag count matches what the store knows).

**Loading and resuming.** Each page is upserted in its own transaction together with
``sync.checkpoint``: the cursor of the pass in progress (``after``, ``floor``, ``top``)
and, on the page that completes the pass, the new watermark. A run that stops (rate
budget below the reserve, 5xx after retries, ...) keeps every page it stored; the next
run first finishes the interrupted pass from its cursor, then fetches what changed
since. Scope ``github:<owner/name>``, one lock per repository.

**Rate limits and faults** (the client: :mod:`etl.github_client`). ``x-ratelimit-remaining``/``-reset`` are read after every
answer (PyGithub keeps them on the Requester); when fewer than ``reserve`` requests
remain the run stops cleanly, naming the repository and the reset time. Secondary
limits (403/429 with ``retry-after``) and 5xx are retried by ``GithubRetry``; a primary
limit whose reset is further away than ``max_rate_limit_wait`` stops the run instead of
sleeping. An empty answer for a repository the store has data for is an error, never
a deletion. The token never appears in a message or a log line.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from typing import Any

from github import Github, GithubException
from sqlalchemy import Engine

from etl.github_client import (
    Calls,
    GithubOptions,
    SyncStop,
    describe,
    make_client,
    rate_limited,
    scrub,
)
from etl.github_queries import PULLS_QUERY, TAGS_QUERY
from etl.github_reviews import stage_row
from etl.github_transform import parse_time, pull_keys, pull_row, tag_row_from_graphql
from etl.lease import Lease
from etl.report import SourceReport
from vger.errors import LockedError
from vger.store.boards import Board, repos
from vger.store.links import apply_review_lead_times, save_pull_links
from vger.store.pr_stages import missing_stages, save_pr_stages
from vger.store.pulls import (
    changed_pulls,
    count_pulls,
    delete_tags,
    save_pull_requests,
    save_tags,
    stored_tags,
)
from vger.store.sync import (
    checkpoint,
    finish_run,
    previous_run,
    scope_name,
    start_run,
)

log = logging.getLogger("etl.github")

SOURCE = "github"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _previous(engine: Engine, scope: str, board_id: int) -> tuple[datetime | None, dict | None]:
    """(newest committed watermark, cursor of an interrupted pass) of this board's repository."""
    with engine.connect() as conn:
        watermark, status, cursor = previous_run(conn, SOURCE, scope, board_id)
    pending = None
    if status is not None and status != "ok" and cursor:
        try:
            pending = json.loads(cursor)
        except ValueError:
            pending = None
    if watermark is not None and watermark.tzinfo is None:
        watermark = watermark.replace(tzinfo=UTC)
    return watermark, pending


class _RepoSync:
    """One repository's run: passes over pull requests, then tags."""

    def __init__(
        self,
        engine: Engine,
        board: Board,
        full_name: str,
        repo_id: int,
        calls: Calls,
        opts: GithubOptions,
        *,
        full: bool,
        progress: bool,
    ) -> None:
        self.engine = engine
        self.board = board
        self.full_name = full_name
        self.repo_id = repo_id
        self.calls = calls
        self.opts = opts
        self.full = full
        self.progress = progress
        self.scope = scope_name(SOURCE, full_name)  # of its runs and its lock
        self.report = SourceReport(source=SOURCE, scope=full_name)
        self.run_id: int | None = None
        self.tags_added = 0
        self.tags_removed = 0

    def counts(self) -> dict[str, Any]:
        return {
            "added": self.report.added,
            "updated": self.report.updated,
            "removed": 0,
            "requests": self.calls.made,
            "tags": self.tags_added,
            "tags_removed": self.tags_removed,
        }

    def run(self) -> None:
        watermark, pending = _previous(self.engine, self.scope, self.board.id)
        with self.engine.connect() as conn:
            unstaged = missing_stages(conn, self.repo_id)
        if self.full or unstaged:  # stages unknown (stored before 0009): re-read all once
            watermark, pending = None, None
        with self.engine.begin() as conn:
            n_pulls = count_pulls(conn, self.repo_id)
            self.run_id = start_run(conn, SOURCE, self.scope, self.board.id)
            if pending:  # carried over, so a run that fails at once does not lose it
                checkpoint(conn, self.run_id, cursor=json.dumps(pending))
        self.stored_pulls = n_pulls
        if pending:
            top = parse_time(pending.get("top"))
            try:
                self.pull_pass(
                    after=pending.get("after"), floor=parse_time(pending.get("floor")), top=top
                )
            except GithubException as exc:
                if exc.status != 400 or self.calls.by_kind["list"] != 1 or rate_limited(exc):
                    raise
                # GitHub no longer accepts the saved cursor: the watermark was not
                # advanced, so a plain pass from it re-reads what the cursor skipped.
                log.warning(
                    "github %s: saved cursor rejected; re-reading from the watermark",
                    self.full_name,
                )
            else:
                if top is not None:
                    watermark = max(watermark, top) if watermark else top
        floor = watermark - self.opts.overlap if watermark else None
        self.pull_pass(after=None, floor=floor, top=None)
        self.tag_pass()

    def pull_pass(self, *, after: str | None, floor: datetime | None, top: datetime | None) -> None:
        """Pages newest-updated first from ``after`` down to ``floor`` (None: all).
        ``top`` is the newest ``updated`` of the pass, the watermark once it completes."""
        first = after is None
        bar = None
        while True:
            repository = self.calls.graphql(
                PULLS_QUERY, {"first": self.opts.page_size, "after": after}, "list"
            )
            connection = repository["pullRequests"]
            nodes = connection.get("nodes") or []
            if first and not nodes and self.stored_pulls:
                raise SyncStop(
                    f"{self.full_name}: GitHub answered no pull requests, but the store has "
                    f"{self.stored_pulls}; treated as an error, nothing was deleted"
                )
            if first and self.progress and floor is None:
                from tqdm import tqdm

                bar = tqdm(total=connection.get("totalCount"), desc=self.full_name, unit="PR")
            first = False
            rows, stages, keys, reached = [], [], {}, False
            for node in nodes:
                row = pull_row(node)
                if floor is not None and row["updated"] < floor:
                    reached = True
                    break
                rows.append(row)
                stages.append(stage_row(node, row))
                keys[row["number"]] = pull_keys(node)
            if rows:
                newest = max(r["updated"] for r in rows)
                top = newest if top is None else max(top, newest)
            info = connection.get("pageInfo") or {}
            after = info.get("endCursor") or after
            more = bool(info.get("hasNextPage")) and not reached
            with self.engine.begin() as conn:
                changed = changed_pulls(conn, self.repo_id, rows)
                added, updated = save_pull_requests(conn, self.repo_id, changed)
                save_pr_stages(conn, self.repo_id, stages)
                touched = save_pull_links(conn, self.repo_id, keys)  # every PR read
                if touched and self.board.review_lead_time:  # lead times from the PRs
                    apply_review_lead_times(conn, self.board, keys=sorted(touched))
                self.report.added += added
                self.report.updated += updated
                if more:
                    state = {"after": after, "floor": _iso(floor), "top": _iso(top)}
                    checkpoint(conn, self.run_id, cursor=json.dumps(state), counts=self.counts())
                else:  # the pass is complete: the watermark advances with its last page
                    checkpoint(conn, self.run_id, watermark=top, cursor=None, counts=self.counts())
            if bar is not None:
                bar.update(len(nodes))
            log.info(
                "github %s: page of %d PRs, %d new, %d changed",
                self.full_name,
                len(nodes),
                added,
                updated,
            )
            if not more:
                break
        if bar is not None:
            bar.close()

    def tag_pass(self) -> None:
        """Tags newest commit first; an incremental run stops at a page of known,
        unchanged tags once the upstream count equals what the store knows. A pass that
        reads every page (a full run, or a count that differs: a tag was deleted) then
        removes the stored tags GitHub no longer lists."""
        with self.engine.connect() as conn:
            stored = stored_tags(conn, self.repo_id)
        known = set(stored)
        listed: set[str] = set()
        after, first = None, True
        while True:
            repository = self.calls.graphql(
                TAGS_QUERY, {"first": self.opts.page_size, "after": after}, "tags"
            )
            refs = repository.get("refs") or {}
            nodes = refs.get("nodes") or []
            total = int(refs.get("totalCount") or 0)
            if first and not nodes and stored:
                raise SyncStop(
                    f"{self.full_name}: GitHub answered no tags, but the store has "
                    f"{len(stored)}; treated as an error, nothing was deleted"
                )
            first = False
            rows = [r for r in (tag_row_from_graphql(n) for n in nodes) if r is not None]
            changed = [r for r in rows if stored.get(r["name"]) != (r["sha"], r["at"])]
            if changed:
                with self.engine.begin() as conn:
                    save_tags(conn, self.repo_id, changed)
                self.tags_added += sum(1 for r in changed if r["name"] not in stored)
            known |= {r["name"] for r in rows}
            listed |= {str(n.get("name")) for n in nodes}
            info = refs.get("pageInfo") or {}
            if not info.get("hasNextPage"):
                self._remove_tags(set(stored) - listed)
                break
            unchanged = len(rows) - len(changed)
            if not self.full and unchanged and total == len(known):
                break
            after = info.get("endCursor")

    def _remove_tags(self, gone: set[str]) -> None:
        if not gone:
            return
        with self.engine.begin() as conn:
            self.tags_removed += delete_tags(conn, self.repo_id, sorted(gone))
        log.info("github %s: %d tags deleted upstream removed", self.full_name, len(gone))


def sync_repo(
    engine: Engine,
    board: Board,
    full_name: str,
    repo_id: int,
    gh: Github,
    stats: dict[str, int],
    opts: GithubOptions,
    *,
    token: str | None = None,
    full: bool = False,
    progress: bool = False,
) -> SourceReport:
    """One repository's sync; failures become the report's one-line error."""
    started = time.monotonic()
    calls = Calls(gh, stats, full_name, opts.reserve)
    job = _RepoSync(engine, board, full_name, repo_id, calls, opts, full=full, progress=progress)
    report = job.report
    lease = Lease(engine, job.scope, opts.lock_stale)
    try:
        lease.__enter__()
    except LockedError as exc:
        report.ok, report.error = False, scrub(str(exc), token)
        return report
    try:
        job.run()
        with engine.begin() as conn:
            finish_run(conn, job.run_id, "ok", counts=job.counts())
    except Exception as exc:  # noqa: BLE001 - every failure becomes one line in the report
        report.ok = False
        report.error = describe(exc, full_name, calls, token)
        log.warning("%s", report.error)
        if job.run_id is not None:
            with engine.begin() as conn:
                finish_run(conn, job.run_id, "failed", counts=job.counts(), error=report.error)
    finally:
        lease.__exit__(None, None, None)
        report.requests = calls.made
        report.seconds = time.monotonic() - started
        report.extra = {
            "api": "graphql",
            "list_requests": calls.by_kind["list"],
            "tag_requests": calls.by_kind["tags"],
            "retries": stats["retries"],
            "tags": job.tags_added,
            "tags_removed": job.tags_removed,
        }
    return report


def sync_board_repos(
    engine: Engine,
    board: Board,
    settings: Any,
    *,
    full: bool = False,
    progress: bool = False,
    options: GithubOptions | None = None,
) -> list[SourceReport]:
    """Sync every repository of ``board``: one :class:`SourceReport` per repository."""
    with engine.connect() as conn:
        repo_ids = repos(conn, board.id)
    if not repo_ids:
        return []
    secret = getattr(settings, "github_token", None)
    token = secret.get_secret_value() if secret is not None else None
    if not token:
        return [
            SourceReport(
                source=SOURCE,
                scope=name,
                ok=False,
                error=f"{name}: VGER_GITHUB_TOKEN is not set; GitHub's GraphQL API needs a token",
            )
            for name in repo_ids
        ]
    opts = options or GithubOptions.from_settings(settings)
    gh, stats = make_client(token, settings.github_url, opts)
    reports: list[SourceReport] = []
    try:
        for name, repo_id in repo_ids.items():
            report = sync_repo(
                engine,
                board,
                name,
                repo_id,
                gh,
                stats,
                opts,
                token=token,
                full=full,
                progress=progress,
            )
            reports.append(report)
            log.info("%s", report.line())
    finally:
        gh.close()
    return reports
