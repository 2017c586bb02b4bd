"""Keyset chains of one board's search window (``etl.jira_fetch`` reads them): an id
range each, the cut of a window into ranges, and the watermark their stored pages allow.
No I/O.

Watermark (:class:`Frontier`). A chain *covers* ``t`` when every issue of its range updated
before ``t`` is stored: the newest ``updated`` of its committed pages, and for a finished
chain the newest ``updated`` the whole read had received when its last search was sent
(an issue of its range changed after that search is newer). A commit checkpoints the least
cover over the chains, so a run killed at any point resumes from a watermark below every
row not yet stored. When every chain has finished, those that finished before the newest
row was read search their ranges once more (one query for all of them) so the final
watermark is the newest ``updated`` read, as a single chain's would be.
"""

from __future__ import annotations

import math
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from etl.jira_transform import parse_time, since_clause


@dataclass(eq=False)
class Chain:
    """One keyset chain over ids ``lo <= id < hi`` (None: unbounded)."""

    lo: int | None = None
    hi: int | None = None
    key: datetime | None = None  # the newest ``updated`` read
    since: str | None = None  # the clause while nothing is read
    seen: dict[str, datetime | None] = field(default_factory=dict)
    pending: Future | None = None  # its page being completed and written
    handed: int = 0  # pages queued for the writer

    def clause(self, tz: str | None) -> str | None:
        parts = [f"id >= {self.lo}"] if self.lo is not None else []
        parts += [f"id < {self.hi}"] if self.hi is not None else []
        when = since_clause(self.key, timedelta(0), tz) if self.key is not None else self.since
        return " AND ".join(parts + ([when] if when else [])) or None

    def fresh(self, docs: list[dict]) -> bool:
        """Whether ``docs`` hold a row of this range not yet read with that ``updated``."""
        return any(
            self.holds(str(d["id"])) and self.seen.get(str(d["id"]), 0) != updated_of(d)
            for d in docs
        )

    def take(self, docs: list[dict]) -> list[dict]:
        """The rows of ``docs`` in this range not yet read with that ``updated``; they
        become read and move the key."""
        new = [
            d
            for d in docs
            if self.holds(str(d["id"])) and self.seen.get(str(d["id"]), 0) != updated_of(d)
        ]
        for d in new:
            self.seen[str(d["id"])] = u = updated_of(d)
            if u is not None and (self.key is None or u > self.key):
                self.key = u
        return new

    def label(self) -> str:
        if self.lo is None and self.hi is None:
            return ""
        return f" of ids {self.lo or ''}..{self.hi or ''}"

    def holds(self, issue_id: str) -> bool:
        n = int(issue_id) if issue_id.isdigit() else None
        if n is None:
            return self.lo is None and self.hi is None
        return (self.lo is None or n >= self.lo) and (self.hi is None or n < self.hi)


class Frontier:
    """The watermark a read may commit: the least cover over its chains (see the module
    docstring); None while a chain covers nothing yet."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.newest: datetime | None = None  # the newest ``updated`` received so far
        self.cover: dict[Chain, datetime | None] = {}
        self.stored: dict[Chain, int] = {}  # pages of each chain stored
        self.retired: set[Chain] = set()

    def saw(self, docs: list[dict]) -> datetime | None:
        """Note a page's rows; answers the newest before them (for a search just sent)."""
        with self.lock:
            before = self.newest
            for d in docs:
                u = updated_of(d)
                if u is not None and (self.newest is None or u > self.newest):
                    self.newest = u
            return before

    def replace(self, old: Chain, new: list[Chain], cover: datetime | None) -> None:
        """``new`` chains take over from ``old`` covering ``cover``; ``old`` still counts
        until every page it queued is stored."""
        with self.lock:
            for c in new:
                self.cover[c] = cover
            self.retired.add(old)
            self._retire(old)

    def _retire(self, chain: Chain) -> None:
        if chain in self.retired and self.stored.get(chain, 0) >= chain.handed:
            self.cover.pop(chain, None)

    def commit(
        self, chain: Chain, newest: datetime | None, *, final: bool, sent: datetime | None
    ) -> datetime | None:
        """A chain's page is stored (``newest``: its newest ``updated``; ``final``: the
        chain's last search, sent when the read had received ``sent``): the watermark."""
        with self.lock:
            self.stored[chain] = self.stored.get(chain, 0) + 1
            if chain in self.cover:
                now = self.cover[chain]
                for t in (newest, sent if final else None):
                    if t is not None and (now is None or t > now):
                        now = t
                self.cover[chain] = now
            self._retire(chain)
            return self.watermark()

    def watermark(self) -> datetime | None:
        covers = list(self.cover.values())
        if not covers or any(c is None for c in covers):
            return None
        return min(covers)  # type: ignore[type-var]

    def behind(self) -> list[Chain]:
        """Chains that cover less than the newest row read (they finished before it came)."""
        with self.lock:
            return [
                c for c, t in self.cover.items() if self.newest and (t is None or t < self.newest)
            ]


def updated_of(doc: dict) -> datetime | None:
    return parse_time((doc.get("fields") or {}).get("updated"))


def id_ranges(
    ids: list[int], complete: bool, top: int, n: int
) -> list[tuple[int | None, int | None]]:
    """``n`` id ranges covering every id: cut at quantiles of ``ids`` when they are the
    window's every id (sorted), else evenly between the smallest and ``top``."""
    if complete:
        cuts = [ids[len(ids) * j // n] for j in range(1, n)]
    else:
        low = ids[0]
        cuts = [low + math.ceil((top - low + 1) * j / n) for j in range(1, n)]
    cuts = sorted(set(c for c in cuts if c > ids[0]))
    return list(zip([None, *cuts], [*cuts, None], strict=True))
