"""Pull-request stages (docs/metrics.md, "Pull-request stages"). Pure: no I/O.

A pull request's life from creation to merge splits into three stages, each in calendar
days (seconds / 86 400) with the time it spent as a draft taken out:

- **waiting for review**: ``created`` → the first review by a reviewer;
- **in review**: the first review → the last approval (at or before the merge);
- **approved to merge**: the last approval → ``merged``.

A *review* is a submitted GitHub review (state ``APPROVED``, ``CHANGES_REQUESTED``,
``COMMENTED`` or ``DISMISSED``; a review comment is always part of one) by someone other
than the pull request's author and not by a bot (a ``Bot`` account or a login ending in
``[bot]``); a self-review, a bot's review, a pending review and a review submitted after
the merge (or the close) are ignored. A review whose author was deleted (GitHub's
"ghost") counts: it was not the author.

*Review rounds*: the first review opens round 1; a later review opens a new round when
the author answered since the previous review, by pushing a commit or re-requesting a
review. No review: 0 rounds. Approved at once: 1 round.

*Draft time*: a pull request is a draft from its creation when GitHub says so now and
nothing changed it, or when its first draft event is "ready for review"; a "convert to
draft" event starts a draft interval, "ready for review" ends it. Every stage excludes
the draft time inside it, and the total draft time is reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from vger.metrics.percentiles import LEVELS, percentile

STAGES: tuple[str, ...] = ("wait", "review", "merge")
STAGE_NAMES = {
    "wait": "waiting for first review",
    "review": "in review (first review → last approval)",
    "merge": "approved → merged",
}
REVIEW_STATES = frozenset({"APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED"})
DAY = 86_400.0


@dataclass(frozen=True)
class Review:
    """One submitted review: its author's login (None: deleted account), whether the
    author is a bot, its state and when it was submitted (UTC)."""

    login: str | None
    bot: bool
    state: str
    at: datetime


@dataclass(frozen=True)
class Event:
    """One timeline event: ``kind`` is ``draft`` (converted to draft), ``ready`` (ready
    for review), ``commit`` (a commit pushed; its committer date) or ``request`` (a review
    requested), at ``at`` (UTC)."""

    kind: str
    at: datetime


@dataclass(frozen=True)
class Stages:
    """What is stored per pull request: the moments and the stage durations (days,
    draft time excluded; None when the stage did not happen), the review rounds, the
    draft days and whether GitHub had more reviews or events than one page fetched."""

    first_review: datetime | None
    last_approval: datetime | None
    wait: float | None
    review: float | None
    merge: float | None
    rounds: int
    draft: float
    cut: bool = False


def is_bot(login: str | None, typename: str | None = None) -> bool:
    """A GitHub App or bot account: GraphQL ``__typename`` ``Bot`` or a ``[bot]`` login."""
    return typename == "Bot" or (login or "").endswith("[bot]")


def draft_intervals(
    created: datetime, draft_now: bool, events: Iterable[Event]
) -> list[tuple[datetime, datetime | None]]:
    """The intervals (start, end; None: still a draft) the pull request was a draft."""
    toggles = sorted((e for e in events if e.kind in ("draft", "ready")), key=lambda e: e.at)
    drafting = toggles[0].kind == "ready" if toggles else draft_now
    out: list[tuple[datetime, datetime | None]] = []
    since = created if drafting else None
    for event in toggles:
        if event.kind == "draft" and since is None:
            since = event.at
        elif event.kind == "ready" and since is not None:
            out.append((since, event.at))
            since = None
    if since is not None:
        out.append((since, None))
    return out


def _draft_seconds(
    start: datetime, end: datetime, drafts: Sequence[tuple[datetime, datetime | None]]
) -> float:
    """Seconds between ``start`` and ``end`` the pull request was a draft."""
    seconds = 0.0
    for lo, hi in drafts:
        a, b = max(lo, start), min(hi or end, end)
        if b > a:
            seconds += (b - a).total_seconds()
    return seconds


def _days(
    start: datetime | None, end: datetime | None, drafts: Sequence[tuple[datetime, datetime | None]]
) -> float | None:
    """Days from ``start`` to ``end`` less the draft time between them."""
    if start is None or end is None or end < start:
        return None
    return ((end - start).total_seconds() - _draft_seconds(start, end, drafts)) / DAY


def pr_stages(
    author: str | None,
    created: datetime,
    merged: datetime | None,
    closed: datetime | None,
    draft_now: bool,
    reviews: Iterable[Review],
    events: Iterable[Event],
    *,
    cut: bool = False,
) -> Stages:
    """The stages of one pull request (module docstring). ``reviews`` and ``events`` in
    any order; ``cut``: GitHub listed more than were fetched (passed through)."""
    events = list(events)
    end = merged or closed
    counted = sorted(
        (
            r
            for r in reviews
            if r.state in REVIEW_STATES
            and not (r.bot or is_bot(r.login))
            and (r.login is None or r.login != author)
            and (end is None or r.at <= end)
        ),
        key=lambda r: r.at,
    )
    drafts = draft_intervals(created, draft_now, events)
    first = counted[0].at if counted else None
    approvals = [r.at for r in counted if r.state == "APPROVED"]
    last = approvals[-1] if approvals else None
    answers = sorted(e.at for e in events if e.kind in ("commit", "request"))
    rounds, previous = 0, None
    for review in counted:
        if previous is None or any(previous < at <= review.at for at in answers):
            rounds += 1
        previous = review.at
    draft = _draft_seconds(created, end, drafts) / DAY if end is not None else 0.0
    return Stages(
        first_review=first,
        last_approval=last,
        wait=_days(created, first, drafts),
        review=_days(first, last, drafts),
        merge=_days(last, merged, drafts),
        rounds=rounds,
        draft=draft,
        cut=cut,
    )


def stage_levels(items: pd.DataFrame, levels: Sequence[int] = LEVELS) -> pd.DataFrame:
    """Per stage (rows ``wait``, ``review``, ``merge``, then ``total``: their sum over
    the items that went through all three), the number of pull requests that went
    through it (``items``) and the ``levels``-th percentiles of its days. ``items`` has
    the columns ``wait``, ``review``, ``merge`` (days, NaN: not gone through)."""
    rows = []
    values = {s: items[s].to_numpy(dtype=float) for s in STAGES}
    values["total"] = sum(values[s] for s in STAGES) if len(items) else np.array([])
    for stage, days in values.items():
        kept = days[~np.isnan(days)]
        rows.append(
            {
                "stage": stage,
                "name": STAGE_NAMES.get(stage, "total (all three stages)"),
                "items": int(kept.size),
                **{level: percentile(kept, level) for level in levels},
            }
        )
    return pd.DataFrame(rows)


def rounds_histogram(rounds: Iterable[int]) -> pd.DataFrame:
    """How many pull requests had 0, 1, 2, ... review rounds (``rounds``, ``items``)."""
    counts = pd.Series(list(rounds), dtype="int64").value_counts().sort_index()
    top = int(counts.index.max()) if len(counts) else 0
    counts = counts.reindex(range(top + 1), fill_value=0)
    return pd.DataFrame({"rounds": counts.index.astype(int), "items": counts.to_numpy(dtype=int)})


def median_rounds(rounds: Iterable[int]) -> float:
    """The median number of review rounds (the 50th percentile, linear); NaN for none."""
    return percentile(np.asarray(list(rounds), dtype=float), 50)
