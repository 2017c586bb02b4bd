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

Changelogs: a cut changelog is completed by ``changelog/bulkfetch`` (Cloud) or per-issue
requests in the pool (``etl.jira_changelogs``).

Paging (``etl.jira_fetch``): keyset chains, a large window split into id ranges read
in parallel; a page's changelogs are completed in the pool while its chain searches on;
one writer thread stores pages, one transaction a page, each chain's pages in order, the
watermark advanced only to what every chain has stored, so a killed run resumes without
losing an issue. Every request of the board, searches included, counts against the pool
size. The writer holds the run's one store connection (``etl.run_writer``): the pages'
reads (stored ``updated``) and writes go through it; the board's statuses are read once
a run (``RunStatuses``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from jira import JIRAError
from sqlalchemy import Connection, Engine

from etl import progress
from etl.jira_changelogs import ChangelogCompletion
from etl.jira_client import Jira, describe
from etl.jira_fetch import MISSING_BATCH, KeysetPaging
from etl.jira_transform import (
    FIELDS,
    PageRows,
    parse_time,
    search_jql,
    since_clause,
    strip_order_by,
)
from etl.jira_upkeep import BoardUpkeep
from etl.lease import Lease
from etl.report import SourceReport
from etl.run_writer import RunWriter
from vger.config import Settings
from vger.errors import ConfigError, LockedError, SourceError
from vger.store import issues as store_issues
from vger.store import sync as store_sync
from vger.store import workflows as store_workflows
from vger.store.boards import Board
from vger.store.issues import delete_issues, save_issues

LOG = logging.getLogger("vger.etl.jira")
OVERLAP = timedelta(minutes=5)
SWEEP_EVERY = timedelta(days=1)
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


class BoardSync(KeysetPaging, ChangelogCompletion, BoardUpkeep):
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
            with self._writing():
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
                with self._writing():
                    self._store_page(changed)
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
        """Read the window by keyset (``etl.jira_fetch``: one chain, or id ranges in
        parallel when it is large); a first run counts it first on Cloud. The ids read."""
        total = None
        if count and self.api.cloud:
            self.step = "approximate count"
            total = self.api.approximate_count(search_jql(self.board.jql, since))
        bar = _bar(self.progress, self.board.slug, total)
        try:
            return self._read(since, total=total, bar=bar)
        finally:
            progress.done(f"jira {self.board.slug}")
            if bar is not None:
                bar.close()

    def _by_ids(self, ids: list[str]):
        jql = f"({strip_order_by(self.board.jql)}) AND id in ({','.join(ids)}) ORDER BY updated ASC"
        return self._search(jql, None, fields=FIELD_LIST, max_results=len(ids))

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """The run's writer (its one store connection) and the statuses it has stored,
        for the block; the connection is returned to the pool after it."""
        self._writer, self._statuses = RunWriter(self.engine), RunStatuses()
        try:
            yield
        finally:
            self._writer.close()

    def _store_page(self, docs: list[dict]) -> None:
        """Complete and store ``docs`` now, without moving the watermark."""
        if docs:
            self._writer.call(self._save, self._prepare(docs), None)

    def _prepare(self, docs: list[dict]) -> PageRows:
        """A page's rows, its issues unchanged since they were stored left out (no
        changelog request for them), the others with their whole status history."""
        ids = [str(d["id"]) for d in docs]
        stored = self._writer.call(self._stored_updated, ids)  # after the pages before
        changed = [
            d
            for d in docs
            if self.full or _updated(d) is None or stored.get(str(d["id"])) != _updated(d)
        ]
        page = PageRows()
        for rows in self._complete_page(changed):
            page.add(rows)
        return page

    def _stored_updated(self, conn: Connection, ids: list[str]) -> dict[str, Any]:
        """In the writer: the stored ``updated`` of those of ``ids`` the board has."""
        with conn.begin():
            return store_issues.stored_updated(conn, self.board.id, ids)

    def _save(self, conn: Connection, page: PageRows | None, watermark: datetime | None) -> None:
        """In the writer: store a prepared page and checkpoint the run, in one
        transaction."""
        board = self.board
        written: list[dict] = []
        with conn.begin():
            if page is not None and page.issues:
                written = self._statuses.new(conn, board.id, page.statuses.values())
                store_workflows.upsert_statuses(conn, board.id, written)
                counts = save_issues(conn, board, page.issues, page.transitions, flags=page.flags)
                self.report.added += counts.added
                self.report.updated += counts.updated
            store_sync.checkpoint(conn, self.run_id, watermark=watermark, counts=self._counts())
        self._statuses.stored(written)  # committed


@dataclass
class RunStatuses:
    """The board's statuses as a run has seen them stored, so a page writes only those
    that change a row: read once, at the first page, then kept up to date with what the
    run commits (it holds the board's lock: nothing else writes them meanwhile)."""

    known: set[str] | None = None  # ids stored before the run
    written: dict[str, tuple] = field(default_factory=dict)  # id -> (name, category)

    def new(self, conn: Connection, board_id: int, seen: Iterable[dict]) -> list[dict]:
        """The statuses of a page to upsert: those not stored yet, and those with a
        category (Jira's answer wins) unless the run has stored them just so."""
        if self.known is None:
            self.known = set(store_workflows.statuses(conn, board_id))
        out = []
        for x in seen:
            sid = x["status_id"]
            stored = sid in self.known or sid in self.written
            if stored and not x.get("category"):
                continue
            if self.written.get(sid) == (x["name"], x.get("category")):
                continue
            out.append(x)
        return out

    def stored(self, rows: list[dict]) -> None:
        for x in rows:
            self.written[x["status_id"]] = (x["name"], x.get("category"))


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
