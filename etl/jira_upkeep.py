"""What a board sync keeps in order beside its pages: the board's default work states
(from the Jira board's columns, once, when it has none) and work types, and the deletion
sweep (an id-only listing of the board's JQL; stored issues Jira no longer lists are
removed, issues it lists that the store lacks are fetched)."""

from __future__ import annotations

import logging

from jira import JIRAError

from etl.jira_client import SWEEP_PAGE
from etl.jira_fetch import MISSING_BATCH
from etl.jira_transform import (
    FIELDS,
    default_work_types,
    default_workflow,
    search_jql,
    strip_order_by,
)
from vger.errors import SourceError
from vger.store import issues as store_issues
from vger.store import workflows as store_workflows
from vger.store.issues import delete_issues, rederive_board

LOG = logging.getLogger("vger.etl.jira")
FIELD_LIST = ",".join(FIELDS)


class BoardUpkeep:
    """Board defaults and the deletion sweep (a mixin of :class:`etl.jira_sync.BoardSync`:
    it reads ``api``, ``board``, ``engine``, ``report``, ``step`` and calls ``_search``
    and ``_store_page`` of it)."""

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
            self._store_page(docs)
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
