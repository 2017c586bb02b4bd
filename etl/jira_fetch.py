"""Fetch: one board's search window read by keyset, as one chain or as parallel chains
over id ranges, with the watermark only ever advanced to what every chain has stored.

A chain is a sequence of queries ``(board JQL) [AND <id range>] AND updated >= <minute of
the newest row read>`` ORDER BY updated ASC; rows already read with the same ``updated``
are skipped. Why keyset and not offset paging plus a re-read at the end: with ``startAt``
paging (and Cloud's tokens, which are positions too), an issue read on page 1 that changes
during the run moves to the end, every later row shifts left by one, and the row at the
page boundary is never read; its own ``updated`` predates the run, so re-reading "what
changed since the run started" would not find it. A keyset restart cannot skip a row: each
query starts at a row we have read, and a row that changes mid-run sorts after it. A
minute holding more than a page of rows (bulk edits) is listed by id in one request and
fetched by id (:meth:`KeysetPaging._dense_minute`).

Split. Every query of one chain waits for the one before it. When the first page shows
more than ``SPLIT_AFTER`` pages left (Data Center: its ``total``; Cloud: the approximate
count), the rest of the window is cut into id ranges (``id < c1``, ``id >= c1 AND id <
c2``, …, ``id >= cN``: every id falls in one, new issues in the last) at quantiles of its
ids when one id-only page lists them all, else evenly between its smallest and largest id.
Two ranges per request the pool allows, one keyset chain each, read by as many threads as
the pool allows (chains that start later overlap the changelog requests of earlier ones).
A range only loses rows while the run reads it (an issue's id never changes), and a row
that changes sorts after its chain's key, so each chain keeps the single chain's guarantee.

Watermark: only what every chain has stored (``etl.jira_chains.Frontier``), so a run
killed at any point resumes below every row not yet stored; chains that ended before the
newest row was read search their ranges once more at the end (one query ORing them), so
the final watermark is the newest ``updated`` read, as a single chain's would be.

Pipeline. A page's changelogs are completed in the pool (``_prepare``) while its chain
searches on; one writer thread stores pages (``_save``) in the order their completion
ends, each chain's pages in order (a chain waits for its previous page before queuing the
next).
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from datetime import datetime, timedelta
from typing import Any

from etl import progress
from etl.jira_chains import Chain, Frontier, id_ranges, updated_of
from etl.jira_client import PAGE, SWEEP_PAGE
from etl.jira_transform import FIELDS, search_jql, since_clause
from etl.run_writer import RunWriter

LOG = logging.getLogger("vger.etl.jira")
DC_PAGE_CAP = 1000  # Data Center's default search page cap (id-only listings too)
CLOUD_ID_PAGE = 5000  # Cloud: rows of an id-only search page
SPLIT_AFTER = 5  # more pages left than this after the first: read as parallel id ranges
MISSING_BATCH = 100  # issues fetched per `id in (...)` query
CLOSING_ROUNDS = 3  # at most this many rounds re-searching chains that ended early
CHAINS_PER_SLOT = 2  # id ranges per request the pool allows; a chain waits for a free thread


class KeysetPaging:
    """The board's window read by keyset chains (mixed into ``etl.jira_sync.BoardSync``,
    whose ``_search``, ``_by_ids``, ``_prepare`` and ``_save`` it calls)."""

    api: Any
    board: Any
    user_tz: str | None
    watermark: datetime | None
    meta: dict[str, Any]
    step: str
    _lock: threading.Lock
    _writer: RunWriter  # the run's one store connection, opened and closed by the run
    _search: Callable[..., Any]
    _by_ids: Callable[..., Any]
    _prepare: Callable[..., Any]
    _save: Callable[..., Any]

    def _read(self, since: str | None, *, total: int | None, bar) -> set[str]:
        """Read the window (``updated >= since``; everything when None); the ids read."""
        self._frontier = Frontier()
        self._halt = threading.Event()
        self._written: datetime | None = None
        self._counted = 0
        self._expected = total
        self._bar = bar
        self._completer = ThreadPoolExecutor(
            max_workers=max(self.api.concurrency, 1), thread_name_prefix="jira-page"
        )
        whole = Chain(since=since)
        self._frontier.cover[whole] = None
        chains: list[Chain] = []
        try:
            chains = self._chain(whole, first=True)
            if chains:
                self._parallel(chains)
                self._drain([whole, *chains])
                for _ in range(CLOSING_ROUNDS):  # chains that ended before the newest row
                    behind = self._frontier.behind()
                    if not behind:
                        break
                    self._parallel(self._close(behind))
                    self._drain(behind)
            self._drain([whole, *chains])
            mark = self._frontier.watermark()
            if mark is not None and (self._written is None or mark > self._written):
                self._writer.call(self._save, None, mark)
        finally:
            self._halt.set()
            for c in [whole, *chains]:  # after an error: pages already fetched are stored
                if c.pending is not None:
                    c.pending.exception()
            self._completer.shutdown(wait=True, cancel_futures=True)
        seen = set(whole.seen)
        for c in chains:
            seen.update(c.seen)
        return seen

    def _parallel(self, chains: list[Chain]) -> None:
        """Chains in threads; the first error stops the others and is raised."""
        if not chains:
            return
        pool = ThreadPoolExecutor(
            max_workers=min(len(chains), self.api.concurrency), thread_name_prefix="jira-chain"
        )
        try:
            futures = [pool.submit(self._chain, c) for c in chains]
            done, _ = wait(futures, return_when=FIRST_EXCEPTION)
            failed = [f for f in done if f.exception() is not None]
            if failed:
                self._halt.set()
                raise failed[0].exception()  # type: ignore[misc]
        finally:
            pool.shutdown(wait=True)

    def _close(self, chains: list[Chain]) -> list[Chain]:
        """One search for the rest of every chain that ended before the newest row was
        read: ``((range 1 AND updated >= key 1) OR (range 2 AND …))``. Each chain takes the
        rows of its range and ends (the query was answered after every row read so far).
        Answers the chains left to close one by one (the rest was more than a page)."""
        if len(chains) < 2:
            return chains
        self.step = f"closing search of {len(chains)} id ranges"
        either = " OR ".join(f"({c.clause(self.user_tz)})" for c in chains)
        again = sum(self._page_size(c) - PAGE for c in chains)
        docs, nxt, _ = self._search(
            search_jql(self.board.jql, f"({either})"),
            None,
            fields=",".join(FIELDS),
            max_results=PAGE if self.api.cloud else min(PAGE + again, DC_PAGE_CAP),
        )
        sent = self._frontier.saw(docs)
        if nxt is not None:
            return chains
        for c in chains:
            self._hand(c, c.take(docs), final=True, sent=sent)
        return []

    def _drain(self, chains: list[Chain]) -> None:
        for c in chains:
            pending, c.pending = c.pending, None
            if pending is not None:
                pending.result()

    def _chain(self, chain: Chain, *, first: bool = False) -> list[Chain]:
        """Read one chain to its end. The whole window's chain (``first``) answers the
        range chains to read instead when its first page shows the window is large."""
        board = self.board
        page_no = 0
        while not self._halt.is_set():
            page_no += 1
            self.step = f"search page {page_no}{chain.label()}"
            docs, nxt, page_total = self._search(
                search_jql(board.jql, chain.clause(self.user_tz)),
                None,
                fields=",".join(FIELDS),
                max_results=self._page_size(chain),
            )
            sent = self._frontier.saw(docs)
            if first and page_no == 1:
                self._first_page(page_total)
            if chain.key is not None and nxt is not None and not chain.fresh(docs):
                chain.key = self._dense_minute(chain)  # a full page of already-read rows
                continue
            new = chain.take(docs)
            final = nxt is None or not docs or chain.key is None
            self._hand(chain, new, final=final, sent=sent)
            self._advance(len(new), page_no)
            if final:
                return []
            if first and page_no == 1:
                ranges = self._split(chain, page_total)
                if ranges:
                    return ranges
        return []

    def _first_page(self, page_total: int | None) -> None:
        if page_total is not None:
            self._expected = page_total
        if self.watermark is None and self._expected is not None:
            # a first sync: how many issues it will load, for the pages' notice
            self.meta["expected"] = int(self._expected)
        if page_total is not None and self._bar is not None:
            self._bar.total = page_total
            self._bar.refresh()

    def _advance(self, new: int, page_no: int) -> None:
        with self._lock:
            self._counted += new
            counted = self._counted
            if self._bar is not None:
                self._bar.update(new)
        expected = self._expected
        progress.note(
            f"jira {self.board.slug}",
            f"{counted} issues" + (f" of {expected}" if expected is not None else ""),
        )
        if self._bar is None:
            LOG.info("jira %s: page %d, %d new issues (%d)", self.board.slug, page_no, new, counted)

    def _hand(self, chain: Chain, docs: list[dict], *, final: bool, sent: datetime | None) -> None:
        """Queue a page of ``chain``: completed in the pool, then stored by the writer
        (pages of different chains in the order their completion ends, so a page waiting
        for its changelogs holds up no other chain). Waits for the chain's previous page
        first (its error, if any, is raised here), so a chain's pages are stored in order."""
        pending, chain.pending = chain.pending, None
        if pending is not None:
            pending.result()
        if not docs and not final:
            return
        newest = max((u for d in docs if (u := updated_of(d)) is not None), default=None)
        chain.handed += 1
        chain.pending = self._completer.submit(
            self._complete_and_commit, chain, docs, newest, final, sent
        )

    def _complete_and_commit(
        self,
        chain: Chain,
        docs: list[dict],
        newest: datetime | None,
        final: bool,
        sent: datetime | None,
    ) -> None:
        rows = self._prepare(docs) if docs else None
        self._writer.call(self._commit, chain, rows, newest, final, sent)

    def _commit(
        self,
        conn: Any,
        chain: Chain,
        rows: Any,
        newest: datetime | None,
        final: bool,
        sent: datetime | None,
    ) -> None:
        """In the writer thread: store a completed page with the watermark it allows."""
        mark = self._frontier.commit(chain, newest, final=final, sent=sent)
        if rows is not None:
            self._save(conn, rows, mark)
            if mark is not None:
                self._written = mark

    def _split(self, whole: Chain, total: int | None) -> list[Chain]:
        """Range chains for the rest of the window when it holds more than ``SPLIT_AFTER``
        pages; [] to go on as one chain. How many are left: Data Center's ``total``, on
        Cloud the approximate count (not a search request). Then, in parallel, the rest's
        ids by an id-only listing when one page holds them all (the ranges are cut at
        quantiles), else its smallest and largest id (cut evenly)."""
        pool = self.api.concurrency
        left = None if total is None else total - len(whole.seen)
        if pool < 2 or whole.key is None or (left is not None and left <= SPLIT_AFTER * PAGE):
            return []
        since = since_clause(whole.key, timedelta(0), self.user_tz)
        cap = CLOUD_ID_PAGE if self.api.cloud else DC_PAGE_CAP
        asc = search_jql(self.board.jql, since, order="id ASC")
        desc = search_jql(self.board.jql, since, order="id DESC")

        def probe(jql_size: tuple[str, int]):
            jql, size = jql_size
            return self._search(jql, None, fields="id", expand=None, max_results=size)

        if left is None:  # Cloud: how many are left, without a search request
            self.step = "approximate count of the window"
            count = self.api.approximate_count(search_jql(self.board.jql, since))
            left = None if count is None else count
        if left is None or left <= SPLIT_AFTER * PAGE:
            return []
        self.step = "id span of the window"
        whole_list = left + PAGE <= cap
        wanted = [(asc, left + PAGE)] if whole_list else [(asc, 1), (desc, 1)]
        answers = self._pool_map(probe, wanted)
        docs, nxt = answers[0][0], answers[0][1]
        last = answers[1][0] if len(answers) > 1 else None
        ids = [int(d["id"]) for d in docs]
        if not ids:
            return []
        complete = nxt is None
        top = int(last[0]["id"]) if last else ids[-1]
        n = max(2, min(CHAINS_PER_SLOT * pool, math.ceil(left / (2 * PAGE))))
        chains = [Chain(lo=lo, hi=hi, key=whole.key) for lo, hi in id_ranges(ids, complete, top, n)]
        for c in chains:  # each skips the rows of its range the first page read
            c.seen = {i: u for i, u in whole.seen.items() if c.holds(i)}
        self._frontier.replace(whole, chains, whole.key)
        LOG.info(
            "jira %s: %s issues left, read as %d id ranges", self.board.slug, left, len(chains)
        )
        return chains

    def _pool_map(self, fn: Callable[[Any], Any], items: list[Any]) -> list[Any]:
        if len(items) == 1:
            return [fn(items[0])]
        with ThreadPoolExecutor(max_workers=len(items), thread_name_prefix="jira-probe") as pool:
            return list(pool.map(fn, items))

    def _page_size(self, chain: Chain) -> int:
        """A page of new rows: Data Center also returns the rows already read in the
        minute of the chain's key (the query restarts there), so it asks for that many
        more (its cap is 1000); Cloud caps full-field pages at 100."""
        if chain.key is None or self.api.cloud:
            return PAGE
        floor = chain.key.replace(second=0, microsecond=0)
        again = sum(1 for u in list(chain.seen.values()) if u is not None and u >= floor)
        return min(PAGE + again, DC_PAGE_CAP)

    def _dense_minute(self, chain: Chain) -> datetime:
        """More than a page of rows updated in the minute of the chain's key: list the
        minute's ids (id-only pages hold up to 1000 rows), fetch them by id (unchanged rows
        cost no changelog request and no write), and answer the next minute as the key."""
        assert chain.key is not None
        start = chain.key.replace(second=0, microsecond=0)
        end = start + timedelta(minutes=1)
        tz = self.user_tz
        minute = (
            f"{since_clause(start, timedelta(0), tz)} AND "
            f"{since_clause(end, timedelta(0), tz).replace('>=', '<')}"
        )
        ids_clause = Chain(lo=chain.lo, hi=chain.hi).clause(tz)
        jql = search_jql(self.board.jql, f"{ids_clause} AND {minute}" if ids_clause else minute)
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
            sent = self._frontier.saw(docs)
            self._hand(chain, chain.take(docs), final=False, sent=sent)
        return end
