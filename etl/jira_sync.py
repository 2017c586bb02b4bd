"""Load: one board's Jira sync — pages of issues, complete changelogs, batch upserts
with the watermark in the same transaction, the deletion sweep, board defaults.

Request budget. A run with nothing changed makes 2 requests: ``myself`` (the user's
time zone, also the credential check; once per process, shared by every board) and one
search page. ``serverInfo`` (Cloud or Data Center) is cached in the board's sync rows
and refreshed on ``--full``, with the daily sweep, or when the cached answer is
contradicted (410 on ``search`` ⇒ Cloud, 404 on ``search/jql`` ⇒ Data Center). No
``/field`` request: pages are read raw (``JIRA._get_json``).

Incremental window: ``updated >= watermark − 5 min``. JQL dates have minute precision
(the floor loses up to 59 s), Cloud's enhanced search is eventually consistent (an
issue updated just before the previous run may be indexed a little later) and clocks
skew; 5 minutes covers all three while re-reading only the issues touched in those
minutes. Re-read issues whose ``updated`` equals the stored one are skipped (no
changelog request, no write), so the overlap is nearly free.

Changelogs. An issue whose embedded changelog is cut needs the rest: on Cloud one
``changelog/bulkfetch`` request (paged by ``nextPageToken``) covers every cut issue of a
page; where bulkfetch answers 404/403 (older sites), which is learnt once per run, and on
Data Center, the per-issue requests of a page run in a bounded pool
(``VGER_JIRA_CONCURRENCY``; a 429 pauses the whole pool, see ``etl.jira_client.Gate``).
The search for page N+1 overlaps the completion and write of page N (its keyset is known
from page N's rows); writes go through one writer thread, one transaction a page, pages in
order, at most one page pending, so resume and the watermark rules are those of a serial
run. Every request of the board, searches included, counts against the pool size.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from jira import JIRAError
from sqlalchemy import Engine

from etl import progress
from etl.jira_client import BULK_ISSUES, BULK_PAGE, PAGE, SWEEP_PAGE, Jira, describe
from etl.jira_transform import (
    FIELDS,
    changelog_state,
    default_work_types,
    default_workflow,
    flag_field_id,
    history_cut,
    merge_histories,
    parse_time,
    search_jql,
    since_clause,
    strip_order_by,
    transform_issue,
)
from etl.lease import Lease
from etl.report import SourceReport
from vger.config import Settings
from vger.errors import ConfigError, LockedError, SourceError
from vger.store import issues as store_issues
from vger.store import sync as store_sync
from vger.store import workflows as store_workflows
from vger.store.boards import Board
from vger.store.issues import delete_issues, rederive_board, save_issues

LOG = logging.getLogger("vger.etl.jira")
OVERLAP = timedelta(minutes=5)
SWEEP_EVERY = timedelta(days=1)
DC_PAGE_CAP = 1000  # Data Center's default search page cap
MISSING_BATCH = 100  # issues fetched per `id in (...)` query by the sweep
FIELD_LIST = ",".join(FIELDS)


@dataclass
class Shared:
    """What one ``vger etl`` process learns once and every board reuses."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    user_tz: str | None = None
    fetched: bool = False

    def timezone(self, api: Jira) -> str:
        with self.lock:
            if not self.fetched:
                me = api.myself()
                self.user_tz = me.get("timeZone") or "UTC"
                self.fetched = True
            return self.user_tz or "UTC"


class BoardSync:
    """One run of one board."""

    def __init__(
        self,
        engine: Engine,
        board: Board,
        settings: Settings,
        *,
        full: bool = False,
        progress: bool = False,
        shared: Shared | None = None,
        backoff: float = 1.0,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        self.engine = engine
        self.board = board
        self.settings = settings
        self.full = full
        self.progress = progress
        self.shared = shared or Shared()
        self.backoff = backoff
        self.now = now
        self.report = SourceReport("jira", board.slug)
        self.api: Jira | None = None
        self.run_id: int | None = None
        self.meta: dict[str, Any] = {}
        self.step = "start"
        self.user_tz: str | None = None
        self.scope = store_sync.scope_name("jira", board.slug)  # of its runs and its lock
        self.stale_after = timedelta(seconds=settings.lock_stale_seconds)
        self.bulk: bool | None = None  # changelog/bulkfetch served? learnt once per run
        self.flag_field: str | None = None  # the site's "Flagged" field id, once seen
        self._lock = threading.Lock()  # report counters touched by the pool's threads
        self._writer: ThreadPoolExecutor | None = None  # one thread: pages written in order
        self._pending: Future | None = None  # the page being completed and written

    # --- entry ---------------------------------------------------------------------------

    def run(self) -> SourceReport:
        t0 = time.monotonic()
        lease = Lease(self.engine, self.scope, self.stale_after)
        try:
            lease.__enter__()
        except LockedError as exc:
            return self._fail(t0, f"board {self.board.slug}: {exc}")
        try:
            with self.engine.begin() as conn:
                store_sync.abandon_running(
                    conn, "jira", self.scope, "interrupted (the process ended mid-run)"
                )
                self.run_id = store_sync.start_run(conn, "jira", self.scope, self.board.id)
                self.watermark = store_sync.last_watermark(conn, "jira", self.scope)
                self.meta = self._cached_meta(conn)
            self._sync()
            self._finish("ok", None)
        except (SourceError, ConfigError, JIRAError, requests.RequestException) as exc:
            msg = exc.args[0] if isinstance(exc, (SourceError, ConfigError)) else describe(exc)
            self._fail(t0, f"board {self.board.slug}: {msg} [{self.step}]")
            self._finish("failed", self.report.error)
        except Exception as exc:  # noqa: BLE001 - one board's bug must not stop the others
            LOG.exception("jira %s failed", self.board.slug)
            self._fail(
                t0, f"board {self.board.slug}: unexpected {type(exc).__name__} [{self.step}]"
            )
            self._finish("failed", self.report.error)
        finally:
            if self.api is not None:
                self.report.requests = self.api.requests
                self.api.close()
            lease.__exit__(None, None, None)
        self.report.seconds = time.monotonic() - t0
        return self.report

    def refresh(self, ids: list[str]) -> SourceReport:
        """Re-fetch just these issues (a webhook named them): one search
        ``(board JQL) AND id in (…)`` with full changelogs, upserted and re-derived; a
        stored issue the search no longer lists (deleted, or left the JQL) is removed.
        The watermark does not move (the scheduled sync stays the safety net), and the
        recorded run changes the board's data version, which invalidates its cache.
        A board whose sync is running is skipped: that run reads what changed meanwhile."""
        t0 = time.monotonic()
        ids = sorted({str(i) for i in ids if str(i).isdigit()}, key=int)
        lease = Lease(self.engine, self.scope, self.stale_after)
        try:
            lease.__enter__()
        except LockedError as exc:
            return self._fail(t0, f"board {self.board.slug}: {exc}")
        try:
            with self.engine.connect() as conn:
                self.meta = self._cached_meta(conn)
            self.api = Jira(self.settings, backoff=self.backoff)
            if self.meta.get("deployment") is None:
                self._detect()
            else:
                self.api.set_deployment(self.meta["deployment"])
            found: list[dict] = []
            for k in range(0, len(ids), MISSING_BATCH):
                self.step = "issues named by a webhook"
                found += self._by_ids(ids[k : k + MISSING_BATCH])[0]
            with self.engine.connect() as conn:
                stored = store_issues.stored_updated(conn, self.board.id, ids)
            changed = [d for d in found if stored.get(str(d["id"]), 0) != _updated(d)]
            gone = sorted(set(stored) - {str(d["id"]) for d in found})
            self.report.extra["webhook"] = len(ids)
            if changed or gone:  # no run (and no cache invalidation) when nothing changed
                with self.engine.begin() as conn:
                    self.run_id = store_sync.start_run(conn, "jira", self.scope, self.board.id)
                self._store_page(changed, None, advance_watermark=False)
                if gone:
                    with self.engine.begin() as conn:
                        self.report.removed += delete_issues(conn, self.board.id, gone)
                self._finish("ok", None)
        except (SourceError, ConfigError, JIRAError, requests.RequestException) as exc:
            msg = exc.args[0] if isinstance(exc, (SourceError, ConfigError)) else describe(exc)
            self._fail(t0, f"board {self.board.slug}: {msg} [{self.step}]")
            self._finish("failed", self.report.error)
        finally:
            if self.api is not None:
                self.report.requests = self.api.requests
                self.api.close()
            lease.__exit__(None, None, None)
        self.report.seconds = time.monotonic() - t0
        return self.report

    def _fail(self, t0: float, message: str) -> SourceReport:
        self.report.ok = False
        self.report.error = message
        self.report.seconds = time.monotonic() - t0
        return self.report

    def _counts(self) -> dict[str, Any]:
        r = self.report
        return {
            "added": r.added,
            "updated": r.updated,
            "removed": r.removed,
            "requests": self.api.requests if self.api else 0,
            **self.meta,
        }

    def _finish(self, status: str, error: str | None) -> None:
        if self.run_id is None:
            return
        try:
            with self.engine.begin() as conn:
                store_sync.finish_run(conn, self.run_id, status, counts=self._counts(), error=error)
        except Exception:  # noqa: BLE001
            LOG.exception("could not record the end of run %s", self.run_id)

    def _cached_meta(self, conn) -> dict[str, Any]:
        """Deployment and last sweep, remembered in this board's previous runs."""
        meta: dict[str, Any] = {}
        for run in store_sync.runs(conn, "jira", self.scope, limit=50):
            c = run["counts"] or {}
            if c.get("jira_url") != self.settings.jira_url:
                continue
            for key in ("deployment", "swept"):
                if key in c and key not in meta:
                    meta[key] = c[key]
        meta["jira_url"] = self.settings.jira_url
        return meta

    # --- the sync ------------------------------------------------------------------------

    def _sync(self) -> None:
        self.api = api = Jira(self.settings, backoff=self.backoff)
        now = self.now()
        swept = parse_time(self.meta.get("swept")) if self.meta.get("swept") else None
        sweep_due = swept is None or now - swept >= SWEEP_EVERY
        self.step = "serverInfo"
        if self.full or sweep_due or self.meta.get("deployment") is None:
            self._detect()
        else:
            api.set_deployment(self.meta["deployment"])
        self.step = "myself"
        user_tz = self.shared.timezone(api)
        self._board_defaults()
        incremental = not self.full and self.watermark is not None
        since = since_clause(self.watermark, OVERLAP, user_tz) if incremental else None
        self.user_tz = user_tz
        seen = self._pages(since, count=not incremental and self.progress)  # a first run counts
        if not incremental:
            self._remove_missing(seen, listing="full run")
            self.meta["swept"] = now.isoformat()
        elif sweep_due:
            self._sweep()
            self.meta["swept"] = now.isoformat()
        self._default_work_types()

    def _detect(self) -> None:
        info = self.api.server_info()
        self.meta["deployment"] = info.get("deploymentType") or "Server"

    def _board_defaults(self) -> None:
        board = self.board
        with self.engine.connect() as conn:
            has_workflow = store_workflows.get_workflow(conn, board.id) is not None
        if has_workflow or board.jira_board_id is None:
            return
        self.step = f"board {board.jira_board_id} configuration"
        try:
            config = self.api.board_configuration(board.jira_board_id)
        except JIRAError as exc:
            if exc.status_code == 404:
                raise SourceError(
                    f"Jira board {board.jira_board_id} not found (HTTP 404 on the agile API): "
                    "check the board's Jira board id"
                ) from None
            raise
        default = default_workflow(config)
        if default is None:
            LOG.warning(
                "jira %s: board %s has too few columns for default work states",
                board.slug,
                board.jira_board_id,
            )
            return
        states, interval = default
        with self.engine.begin() as conn:
            if store_workflows.get_workflow(conn, board.id) is None:  # nobody set one meanwhile
                store_workflows.set_workflow(conn, board.id, states, interval)
                rederive_board(conn, board)
                self.report.extra["work states"] = "from the Jira board"

    def _default_work_types(self) -> None:
        with self.engine.begin() as conn:
            if store_workflows.work_types(conn, self.board.id):
                return
            groups = default_work_types(store_issues.issue_types(conn, self.board.id))
            if groups:
                store_workflows.set_work_types(conn, self.board.id, groups)

    # --- pages ---------------------------------------------------------------------------

    def _search(self, jql: str, cursor, **kw):
        api = self.api
        try:
            return api.search_page(jql, cursor, **kw)
        except JIRAError as exc:
            # The cached deployment is stale: Cloud answers 410 on search, DC 404 on search/jql.
            if (exc.status_code == 410 and not api.cloud) or (exc.status_code == 404 and api.cloud):
                self._detect()
                return api.search_page(jql, cursor, **kw)
            if exc.status_code == 400:
                raise SourceError(
                    f"Jira rejected the board's JQL {self.board.jql!r}: {(exc.text or '').strip()}"
                ) from None
            raise

    def _pages(self, since: str | None, *, count: bool) -> set[str]:
        """Read the window by keyset: every page is the first page of a fresh query
        ``updated >= <minute of the newest row read>`` (ORDER BY updated ASC), and rows
        already read with the same ``updated`` are skipped.

        Why keyset and not offset paging plus a re-read at the end: with ``startAt``
        paging (and Cloud's tokens, which are positions too), an issue read on page 1 that
        changes during the run moves to the end, every later row shifts left by one, and
        the row at the page boundary is never read. That row's own ``updated`` predates the
        run, so re-reading "what changed since the run started" would not find it, and the
        watermark has already jumped past it. A keyset restart cannot skip a row: each
        query starts at a row we have read, and a row that changes mid-run sorts after it.
        A minute holding more than a page of rows (bulk edits) is listed by id in one
        request and fetched by id (:meth:`_dense_minute`).
        Returns the ids read."""
        api = self.api
        board = self.board
        seen: dict[str, datetime | None] = {}
        total = None
        if count and api.cloud is not False:
            self.step = "approximate count"
            if api.cloud:
                total = api.approximate_count(search_jql(board.jql, since))
        bar = _bar(self.progress, board.slug, total)
        key: datetime | None = None  # the newest ``updated`` read so far
        page_no = 0
        first_total: int | None = total
        try:
            while True:
                page_no += 1
                self.step = f"search page {page_no}"
                clause = since if key is None else since_clause(key, timedelta(0), self.user_tz)
                docs, nxt, page_total = self._search(
                    search_jql(board.jql, clause),
                    None,
                    fields=FIELD_LIST,
                    max_results=self._page_size(key, seen),
                )
                if page_no == 1:
                    first_total = page_total if page_total is not None else total
                    if self.watermark is None and first_total is not None:
                        # a first sync: how many issues it will load, for the pages' notice
                        self.meta["expected"] = int(first_total)
                if page_no == 1 and page_total is not None and bar is not None:
                    bar.total = page_total
                    bar.refresh()
                new = [d for d in docs if seen.get(str(d["id"]), 0) != _updated(d)]
                if key is not None and nxt is not None and not new:
                    key = self._dense_minute(key, seen)  # a full page of already-read rows
                    continue
                self._write(new)
                for d in new:
                    seen[str(d["id"])] = _updated(d)
                    if _updated(d) is not None and (key is None or _updated(d) > key):
                        key = _updated(d)
                progress.note(
                    f"jira {board.slug}",
                    f"{len(seen)} issues"
                    + (f" of {first_total}" if first_total is not None else ""),
                )
                if bar is not None:
                    bar.update(len(new))
                else:
                    LOG.info(
                        "jira %s: page %d, %d new issues (%d)",
                        board.slug,
                        page_no,
                        len(new),
                        len(seen),
                    )
                if nxt is None or not docs or key is None:
                    break
            self._drain()
        finally:
            self._drain(quiet=True)
            progress.done(f"jira {board.slug}")
            if bar is not None:
                bar.close()
        return set(seen)

    def _write(self, docs: list[dict]) -> None:
        """Complete and store a page in the writer thread once the previous page is
        stored (its error, if any, is raised here); the caller goes on to the next search."""
        self._drain()
        if not docs:
            return
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jira-writer")
        self._pending = self._writer.submit(self._store_page, docs, None)

    def _drain(self, *, quiet: bool = False) -> None:
        """Wait for the page being written; raise its error unless ``quiet`` (cleanup
        after another error)."""
        pending, self._pending = self._pending, None
        if pending is not None:
            if quiet:
                pending.exception()
            else:
                pending.result()
        if quiet and self._writer is not None:
            self._writer.shutdown(wait=True)
            self._writer = None

    def _page_size(self, key: datetime | None, seen: dict[str, datetime | None]) -> int:
        """A page of new rows: Data Center also returns the rows already read in the
        minute of ``key`` (the query restarts there), so it asks for that many more (its
        cap is 1000); Cloud caps full-field pages at 100."""
        if key is None or self.api.cloud:
            return PAGE
        floor = key.replace(second=0, microsecond=0)
        again = sum(1 for u in seen.values() if u is not None and u >= floor)
        return min(PAGE + again, DC_PAGE_CAP)

    def _dense_minute(self, key: datetime, seen: dict[str, datetime | None]) -> datetime:
        """More than a page of rows updated in the minute of ``key``: list the minute's
        ids (id-only pages hold up to 1000 rows), fetch them by id (unchanged rows cost
        no changelog request and no write), and answer the next minute as the new key."""
        start = key.replace(second=0, microsecond=0)
        end = start + timedelta(minutes=1)
        tz = self.user_tz
        minute = (
            f"{since_clause(start, timedelta(0), tz)} AND "
            f"{since_clause(end, timedelta(0), tz).replace('>=', '<')}"
        )
        jql = search_jql(self.board.jql, minute)
        ids: list[str] = []
        cursor = None
        while True:
            self.step = f"ids updated in the minute {start:%Y-%m-%d %H:%M} UTC"
            docs, nxt, _ = self._search(
                jql, cursor, fields="id", expand=None, max_results=SWEEP_PAGE
            )
            ids += [str(d["id"]) for d in docs]
            if nxt is None or not docs:
                break
            cursor = nxt
        for k in range(0, len(ids), MISSING_BATCH):
            batch = ids[k : k + MISSING_BATCH]
            self.step = f"fetch {len(batch)} issues of the minute {start:%Y-%m-%d %H:%M} UTC"
            docs, _, _ = self._by_ids(batch)
            new = [d for d in docs if seen.get(str(d["id"]), 0) != _updated(d)]
            self._write(new)
            for d in new:
                seen[str(d["id"])] = _updated(d)
        return end

    def _by_ids(self, ids: list[str]):
        jql = f"({strip_order_by(self.board.jql)}) AND id in ({','.join(ids)}) ORDER BY updated ASC"
        return self._search(jql, None, fields=FIELD_LIST, max_results=len(ids))

    def _store_page(self, docs: list[dict], cursor, *, advance_watermark: bool = True) -> None:
        if not docs:
            return
        board = self.board
        ids = [str(d["id"]) for d in docs]
        with self.engine.connect() as conn:
            stored = store_issues.stored_updated(conn, board.id, ids)
        issue_rows: list[dict] = []
        transition_rows: list[dict] = []
        flag_rows: list[dict] = []
        statuses: dict[str, dict] = {}
        watermark = None
        changed: list[dict] = []
        for doc in docs:
            updated = parse_time((doc.get("fields") or {}).get("updated"))
            if updated is not None and (watermark is None or updated > watermark):
                watermark = updated
            if not self.full and updated is not None and stored.get(str(doc["id"])) == updated:
                continue  # unchanged since it was stored with its whole history
            changed.append(doc)
        for rows in self._complete_page(changed):
            issue_rows.append(rows.issue)
            transition_rows.extend(rows.transitions)
            flag_rows.extend(rows.flags)
            for sid, st in rows.statuses.items():
                if sid not in statuses or st.get("category"):
                    statuses[sid] = st
        with self.engine.begin() as conn:
            if issue_rows:
                known = store_workflows.statuses(conn, board.id)
                store_workflows.upsert_statuses(
                    conn,
                    board.id,
                    [
                        x
                        for x in statuses.values()
                        if x.get("category") or x["status_id"] not in known
                    ],
                )
                counts = save_issues(conn, board, issue_rows, transition_rows, flags=flag_rows)
                self.report.added += counts.added
                self.report.updated += counts.updated
            store_sync.checkpoint(
                conn,
                self.run_id,
                watermark=watermark if advance_watermark else None,
                cursor=None if cursor is None else str(cursor),
                counts=self._counts(),
            )

    def _complete_page(self, docs: list[dict]) -> list:
        """Rows of a page's issues, in order, each with its whole status history: cut
        changelogs completed by bulkfetch (Cloud) or by per-issue requests in the pool."""
        cut = [d for d in docs if not changelog_state(d)[0]]
        self.flag_field = self.flag_field or flag_field_id(docs)
        bulk = self._bulk_histories(cut) if cut and self.api.cloud else {}
        slow = [d for d in cut if str(d["id"]) not in bulk]
        done = self._pooled(self._complete, slow)
        fetched = dict(zip((str(d["id"]) for d in slow), done, strict=True))
        out = []
        for doc in docs:
            key = str(doc["id"])
            if key in fetched:
                out.append(fetched[key])
            elif key in bulk:
                embedded = (doc.get("changelog") or {}).get("histories") or []
                out.append(transform_issue(doc, merge_histories(embedded, bulk[key])))
            else:
                out.append(transform_issue(doc))
        return out

    def _pooled(self, fn: Callable[[Any], Any], docs: Sequence[Any]) -> list:
        """``fn`` over ``docs`` by at most ``VGER_JIRA_CONCURRENCY`` threads; answers in
        order; the first error is raised once running calls end (queued ones are dropped)."""
        workers = min(self.api.concurrency, len(docs))
        if workers <= 1:
            return [fn(d) for d in docs]
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="jira-changelog")
        try:
            return list(pool.map(fn, docs))
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _bulk_histories(self, docs: list[dict]) -> dict[str, list[dict]]:
        """Cloud: status histories of ``docs`` by issue id from ``changelog/bulkfetch``,
        oldest first. The issues are grouped so that a group's histories fit one page
        (``BULK_PAGE``, by each embedded changelog's ``total``; at most ``BULK_ISSUES``
        issues) and the groups are fetched in the pool, each chain paged by
        ``nextPageToken``. Empty when the site does not serve it (404/403): the first
        request of the run finds out, and the per-issue endpoint is used instead."""
        if self.bulk is False or not docs:
            return {}
        groups = _bulk_groups(docs)
        if self.bulk is None:  # the run's first bulkfetch: is it served here?
            first = self._bulk_chain(groups[0])
            if first is None:
                return {}
            chains = [first, *self._pooled(self._bulk_chain, groups[1:])]
        else:
            chains = self._pooled(self._bulk_chain, groups)
        out: dict[str, list[dict]] = {}
        for chain in chains:
            for issue_id, histories in (chain or {}).items():
                out.setdefault(issue_id, []).extend(histories)
        # Every asked issue is answered: one without status changes has no entry.
        return {str(d["id"]): out.get(str(d["id"]), []) for d in docs}

    def _bulk_chain(self, ids: list[str]) -> dict[str, list[dict]] | None:
        """Every page of one bulkfetch for ``ids``; None when bulkfetch is unavailable
        (404/403 on the run's first use, remembered)."""
        out: dict[str, list[dict]] = {}
        token = None
        page = 0
        while True:
            page += 1
            self.step = f"changelog bulkfetch of {len(ids)} issues, page {page}"
            try:
                data = self.api.bulk_changelogs(ids, token, self.flag_field)
            except JIRAError as exc:
                if exc.status_code not in (403, 404) or self.bulk:
                    raise
                LOG.info(
                    "jira %s: changelog/bulkfetch unavailable (HTTP %s); per-issue changelogs",
                    self.board.slug,
                    exc.status_code,
                )
                self.bulk = False
                self.report.extra["changelogs"] = "per issue (no bulkfetch)"
                return None
            self.bulk = True
            for entry in data.get("issueChangeLogs") or []:
                out.setdefault(str(entry.get("issueId")), []).extend(
                    entry.get("changeHistories") or []
                )
            nxt = data.get("nextPageToken")
            if not nxt or nxt == token:
                return out
            token = nxt

    def _complete(self, doc: dict):
        """Rows of one issue with its whole status history (fetching what is missing)."""
        complete, present, total = changelog_state(doc)
        if complete:
            return transform_issue(doc)
        key = doc.get("key") or str(doc["id"])
        api = self.api
        embedded = (doc.get("changelog") or {}).get("histories") or []
        if api.cloud:
            missing = total - present if total >= 0 else None
            try:
                fetched = self._paged_changelog(key, missing)
                return transform_issue(doc, merge_histories(embedded, fetched))
            except JIRAError as exc:
                if exc.status_code != 404:
                    raise
                api.set_deployment("Server")  # no paged changelog: not Cloud after all
                self.meta["deployment"] = "Server"
        self.step = f"issue {key} with changelog"
        full = api.issue_with_changelog(key, FIELD_LIST)
        got = (full.get("changelog") or {}).get("histories") or []
        cut = history_cut(full)
        if cut:
            # Data Center cuts very long changelogs in the issue GET; newer versions have
            # the paged endpoint, older ones answer 404 and the issue is flagged instead.
            try:
                got = merge_histories(got, self._paged_changelog(key, None))
                cut = False
            except JIRAError as exc:
                if exc.status_code != 404:
                    raise
                LOG.warning("jira %s: the history of %s is cut by Jira", self.board.slug, key)
                with self._lock:
                    self.report.extra["history cut"] = self.report.extra.get("history cut", 0) + 1
        rows = transform_issue(
            {**doc, "fields": full.get("fields") or doc.get("fields")},
            merge_histories(embedded, got),
        )
        rows.issue["history_cut"] = cut
        return rows

    def _paged_changelog(self, key: str, missing: int | None) -> list[dict]:
        """Every history of ``key`` from ``issue/{key}/changelog`` (oldest first)."""
        self.step = f"changelog of {key}"
        fetched: list[dict] = []
        start = 0
        while True:
            page = self.api.changelog_page(key, start)
            values = page.get("values") or []
            fetched.extend(values)
            start += len(values)
            if page.get("isLast", True) or not values:
                break
            if missing is not None and len(fetched) >= missing:
                break
        return fetched

    # --- deletions -----------------------------------------------------------------------

    def _sweep(self) -> None:
        """Id-only listing of the board's JQL; stored issues not in it are removed."""
        jql = search_jql(self.board.jql, None, order="created ASC")
        seen: set[str] = set()
        cursor = None
        n = 0
        while True:
            n += 1
            self.step = f"sweep page {n}"
            docs, nxt, _ = self._search(
                jql, cursor, fields="id", expand=None, max_results=SWEEP_PAGE
            )
            seen.update(str(d["id"]) for d in docs)
            if nxt is None or not docs:
                break
            cursor = nxt
        self._remove_missing(seen, listing="sweep")
        self._fetch_missing(seen)

    def _fetch_missing(self, seen: set[str]) -> None:
        """Fetch issues Jira lists but the store lacks (a row lost from the store: deleted
        by hand, a restore from an older backup); incremental runs would not re-read them."""
        with self.engine.connect() as conn:
            stored = store_issues.issue_ids(conn, self.board.id)
        missing = sorted((i for i in seen - stored if i.isdigit()), key=int)
        for k in range(0, len(missing), MISSING_BATCH):
            batch = missing[k : k + MISSING_BATCH]
            self.step = f"fetch {len(batch)} issues missing from the store"
            jql = f"({strip_order_by(self.board.jql)}) AND id in ({','.join(batch)}) ORDER BY created ASC"
            docs, _, _ = self._search(jql, None, fields=FIELD_LIST, max_results=MISSING_BATCH)
            self._store_page(docs, None, advance_watermark=False)
            self.report.extra["fetched_missing"] = self.report.extra.get(
                "fetched_missing", 0
            ) + len(docs)

    def _remove_missing(self, seen: set[str], *, listing: str) -> None:
        with self.engine.begin() as conn:
            stored = store_issues.issue_ids(conn, self.board.id)
            gone = sorted(stored - seen)
            if not gone:
                return
            if not seen:
                # Never empty a board on an empty listing (a permissions change looks like this).
                self.report.extra["warning"] = f"the {listing} listed no issues; nothing removed"
                return
            self.report.removed += delete_issues(conn, self.board.id, gone)


def _bulk_groups(docs: list[dict]) -> list[list[str]]:
    """Issue ids in groups whose histories (the embedded changelog's ``total``) fit one
    bulkfetch page, at most ``BULK_ISSUES`` a group; issues of unknown size (no embedded
    changelog) share groups of their own, paged by token."""
    groups: list[list[str]] = []
    unknown: list[str] = []
    size = 0
    for doc in docs:
        total = changelog_state(doc)[2]
        if total < 0:
            unknown.append(str(doc["id"]))
            continue
        if not groups or size + total > BULK_PAGE or len(groups[-1]) >= BULK_ISSUES:
            groups.append([])
            size = 0
        groups[-1].append(str(doc["id"]))
        size += total
    return groups + [unknown[k : k + BULK_ISSUES] for k in range(0, len(unknown), BULK_ISSUES)]


def _updated(doc: dict) -> datetime | None:
    return parse_time((doc.get("fields") or {}).get("updated"))


def _bar(progress: bool, slug: str, total: int | None):
    if not progress:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=f"jira {slug}", unit="issue", leave=True, dynamic_ncols=True)


def sync_board(
    engine: Engine,
    board: Board,
    settings: Settings,
    *,
    full: bool = False,
    progress: bool = False,
    shared: Shared | None = None,
    backoff: float = 1.0,
) -> SourceReport:
    """Sync one board's issues from Jira; never raises for Jira or lock failures (the
    report says what failed)."""
    return BoardSync(
        engine, board, settings, full=full, progress=progress, shared=shared, backoff=backoff
    ).run()
