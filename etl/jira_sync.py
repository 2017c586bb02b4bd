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
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from jira import JIRAError
from sqlalchemy import Engine, select

from etl.jira_client import SWEEP_PAGE, Jira, describe
from etl.jira_transform import (
    FIELDS,
    changelog_state,
    default_work_types,
    default_workflow,
    merge_histories,
    parse_time,
    search_jql,
    since_clause,
    strip_order_by,
    transform_issue,
)
from etl.report import SourceReport
from vger.config import Settings
from vger.errors import ConfigError, LockedError, SourceError
from vger.store import boards as store_boards
from vger.store import schema as s
from vger.store import sync as store_sync
from vger.store.boards import Board
from vger.store.issues import delete_issues, rederive_board, save_issues

LOG = logging.getLogger("vger.etl.jira")
OVERLAP = timedelta(minutes=5)
SWEEP_EVERY = timedelta(days=1)
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


def lock_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def _dead(owner: str) -> bool:
    """True when ``owner`` ran on this host in a process that no longer exists."""
    try:
        host, pid, _ = owner.rsplit(":", 2)
        pid_n = int(pid)
    except ValueError:
        return False
    if host != socket.gethostname() or pid_n == os.getpid():
        return False
    try:
        os.kill(pid_n, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def take_lock(engine: Engine, scope: str, owner: str) -> None:
    """The store lock of ``scope``; a lock left by a killed process on this host is
    taken over at once (no need to wait for it to go stale)."""
    for _ in range(2):
        try:
            with engine.begin() as conn:
                store_sync.acquire_lock(conn, scope, owner)
            return
        except LockedError:
            with engine.begin() as conn:
                holder = store_sync.lock_owner(conn, scope)
                if holder and _dead(holder):
                    LOG.warning("%s: taking over the lock of a dead run (%s)", scope, holder)
                    store_sync.break_lock(conn, scope, holder)
                    continue
            raise
    with engine.begin() as conn:
        store_sync.acquire_lock(conn, scope, owner)


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

    # --- entry ---------------------------------------------------------------------------

    def run(self) -> SourceReport:
        t0 = time.monotonic()
        scope = f"jira:{self.board.slug}"
        owner = lock_owner()
        try:
            take_lock(self.engine, scope, owner)
        except LockedError as exc:
            return self._fail(t0, f"board {self.board.slug}: {exc}")
        try:
            with self.engine.begin() as conn:
                store_sync.abandon_running(
                    conn, "jira", self.board.slug, "interrupted (the process ended mid-run)"
                )
                self.run_id = store_sync.start_run(conn, "jira", self.board.slug, self.board.id)
                self.watermark = store_sync.last_watermark(conn, "jira", self.board.slug)
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
            try:
                with self.engine.begin() as conn:
                    store_sync.release_lock(conn, scope, owner)
            except Exception:  # noqa: BLE001 - the lock goes stale eventually
                LOG.exception("could not release %s", scope)
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
        for run in store_sync.runs(conn, "jira", self.board.slug, limit=50):
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
        board = self.board
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
        jql = search_jql(board.jql, since)
        seen = self._pages(jql, count=self.full and self.progress)
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
            has_workflow = store_boards.get_workflow(conn, board.id) is not None
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
            if store_boards.get_workflow(conn, board.id) is None:  # nobody set one meanwhile
                store_boards.set_workflow(conn, board.id, states, interval)
                rederive_board(conn, board)
                self.report.extra["work states"] = "from the Jira board"

    def _default_work_types(self) -> None:
        with self.engine.begin() as conn:
            if store_boards.work_types(conn, self.board.id):
                return
            types = conn.execute(
                select(s.issue.c.issue_type).where(s.issue.c.board_id == self.board.id).distinct()
            ).scalars()
            groups = default_work_types(t for t in types if t)
            if groups:
                store_boards.set_work_types(conn, self.board.id, groups)

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

    def _pages(self, jql: str, *, count: bool) -> set[str]:
        api = self.api
        board = self.board
        seen: set[str] = set()
        total = None
        if count and api.cloud is not False:
            self.step = "approximate count"
            if api.cloud:
                total = api.approximate_count(jql)
        bar = _bar(self.progress, board.slug, total)
        cursor = None
        page_no = 0
        fetched = 0
        try:
            while True:
                page_no += 1
                self.step = f"search page {page_no}"
                docs, nxt, page_total = self._search(jql, cursor, fields=FIELD_LIST)
                if self.watermark is None and (page_total or total) is not None:
                    # a first sync: how many issues it will load, for the pages' notice
                    self.meta["expected"] = int(page_total or total)
                if page_total is not None and bar is not None and bar.total != page_total:
                    bar.total = page_total
                    bar.refresh()
                self._store_page(docs, nxt)
                seen.update(str(d["id"]) for d in docs)
                fetched += len(docs)
                if bar is not None:
                    bar.update(len(docs))
                else:
                    LOG.info(
                        "jira %s: page %d, %d issues (%d%s)",
                        board.slug,
                        page_no,
                        len(docs),
                        fetched,
                        f" of {page_total}" if page_total is not None else "",
                    )
                if nxt is None or not docs:
                    break
                cursor = nxt
        finally:
            if bar is not None:
                bar.close()
        return seen

    def _store_page(self, docs: list[dict], cursor, *, advance_watermark: bool = True) -> None:
        if not docs:
            return
        board = self.board
        ids = [str(d["id"]) for d in docs]
        with self.engine.connect() as conn:
            stored = dict(
                conn.execute(
                    select(s.issue.c.issue_id, s.issue.c.updated).where(
                        s.issue.c.board_id == board.id, s.issue.c.issue_id.in_(ids)
                    )
                ).all()
            )
        issue_rows: list[dict] = []
        transition_rows: list[dict] = []
        statuses: dict[str, dict] = {}
        watermark = None
        for doc in docs:
            updated = parse_time((doc.get("fields") or {}).get("updated"))
            if updated is not None and (watermark is None or updated > watermark):
                watermark = updated
            if not self.full and updated is not None and stored.get(str(doc["id"])) == updated:
                continue  # unchanged since it was stored with its whole history
            rows = self._complete(doc)
            issue_rows.append(rows.issue)
            transition_rows.extend(rows.transitions)
            for sid, st in rows.statuses.items():
                if sid not in statuses or st.get("category"):
                    statuses[sid] = st
        with self.engine.begin() as conn:
            if issue_rows:
                known = store_boards.statuses(conn, board.id)
                store_boards.upsert_statuses(
                    conn,
                    board.id,
                    [
                        x
                        for x in statuses.values()
                        if x.get("category") or x["status_id"] not in known
                    ],
                )
                counts = save_issues(conn, board, issue_rows, transition_rows)
                self.report.added += counts.added
                self.report.updated += counts.updated
            store_sync.checkpoint(
                conn,
                self.run_id,
                watermark=watermark if advance_watermark else None,
                cursor=None if cursor is None else str(cursor),
                counts=self._counts(),
            )

    def _complete(self, doc: dict):
        """Rows of one issue with its whole status history (fetching what is missing)."""
        complete, present, total = changelog_state(doc)
        if complete:
            return transform_issue(doc)
        key = doc.get("key") or str(doc["id"])
        api = self.api
        embedded = (doc.get("changelog") or {}).get("histories") or []
        if api.cloud:
            self.step = f"changelog of {key}"
            missing = total - present if total >= 0 else None
            fetched: list[dict] = []
            start = 0
            try:
                while True:
                    page = api.changelog_page(key, start)
                    values = page.get("values") or []
                    fetched.extend(values)
                    start += len(values)
                    if page.get("isLast", True) or not values:
                        break
                    if missing is not None and len(fetched) >= missing:
                        break
                return transform_issue(doc, merge_histories(embedded, fetched))
            except JIRAError as exc:
                if exc.status_code != 404:
                    raise
                api.set_deployment("Server")  # no paged changelog: not Cloud after all
                self.meta["deployment"] = "Server"
        self.step = f"issue {key} with changelog"
        full = api.issue_with_changelog(key, FIELD_LIST)
        histories = merge_histories(embedded, (full.get("changelog") or {}).get("histories") or [])
        return transform_issue(
            {**doc, "fields": full.get("fields") or doc.get("fields")}, histories
        )

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
        """Fetch issues Jira lists but the store lacks: offset paging on Data Center can
        skip an issue whose update moved it between pages while the run paged."""
        with self.engine.connect() as conn:
            stored = set(
                conn.execute(
                    select(s.issue.c.issue_id).where(s.issue.c.board_id == self.board.id)
                ).scalars()
            )
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
            stored = set(
                conn.execute(
                    select(s.issue.c.issue_id).where(s.issue.c.board_id == self.board.id)
                ).scalars()
            )
            gone = sorted(stored - seen)
            if not gone:
                return
            if not seen:
                # Never empty a board on an empty listing (a permissions change looks like this).
                self.report.extra["warning"] = f"the {listing} listed no issues; nothing removed"
                return
            self.report.removed += delete_issues(conn, self.board.id, gone)


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
