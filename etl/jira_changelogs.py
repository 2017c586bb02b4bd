"""Changelogs: a page's issues with their whole status history. An issue whose embedded
changelog is cut needs the rest: on Cloud one ``changelog/bulkfetch`` request (paged by
``nextPageToken``) covers every cut issue of a page, grouped so that a group's histories
fit one answer; where bulkfetch answers 404/403 (older sites), which is learnt once per
run, and on Data Center, the per-issue requests of a page run in a bounded pool
(``VGER_JIRA_CONCURRENCY``; a 429 pauses the whole pool, see ``etl.jira_client.Gate``).
Data Center cuts very long changelogs in the issue GET: the paged endpoint completes them
where it exists, else the issue is flagged ``history_cut``."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from jira import JIRAError

from etl.jira_client import BULK_ISSUES, BULK_PAGE
from etl.jira_transform import (
    FIELDS,
    changelog_state,
    flag_field_id,
    history_cut,
    merge_histories,
    transform_issue,
)

LOG = logging.getLogger("vger.etl.jira")
FIELD_LIST = ",".join(FIELDS)


class ChangelogCompletion:
    """Completes the changelogs of a board sync's pages (a mixin of
    :class:`etl.jira_sync.BoardSync`: it reads ``api``, ``board``, ``bulk``,
    ``flag_field``, ``meta``, ``report``, ``step`` and ``_lock`` of it)."""

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
