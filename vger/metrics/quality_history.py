"""The data-quality checks that read an issue's status history (docs/metrics.md, "Data
quality"): reopened, backward moves, skipped interval, entered late, moves before
creation, history out of order and unmapped statuses in the history, as the report reads
them (:class:`History`). They are computed over arrays
(:func:`vger.metrics.history_hits.history_hits`): the store keeps their hits when issues
are saved (vger.store.quality_hits), and :func:`history` runs them over issues and their
moves.

Inputs as :mod:`vger.metrics.quality`: ``issues`` (``issue_id``, ``key``, ``created``
UTC, ``status_id``) and ``transitions`` (``issue_id``, ``seq``, ``at`` UTC,
``from_status_id``, ``to_status_id``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from vger.metrics.event_arrays import MoveArrays
from vger.metrics.events import Workflow
from vger.metrics.history_hits import UNMAPPED as UNMAPPED_VISITS
from vger.metrics.history_hits import history_hits
from vger.metrics.quality_rows import joined, keyed, naive_utc, per_status, with_key_rank


def unmapped_in_history(
    issues: pd.DataFrame, v: pd.DataFrame, names: Mapping[str, str] | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """Statuses the history (or a current status) shows that belong to no work state,
    and the issues that were in them. Returns (rows, status ids)."""
    names = names or {}
    hits = v[(v["position"] < 0) & v["status_id"].notna()]
    statuses = sorted({str(s) for s in hits["status_id"].unique()})
    # each issue's distinct unmapped statuses in the order it visited them, joined with ", "
    first = hits.drop_duplicates(["issue", "status_id"])
    label = per_status(first["status_id"], lambda x: f"{names.get(str(x), x)} (id {x})")
    nth = first.groupby("issue", sort=False).cumcount().to_numpy()
    ids = first["issue"].to_numpy()
    by_issue = pd.Series(joined("was in ", label[nth == 0]), index=ids[nth == 0], dtype=object)
    for k in range(1, int(nth.max()) + 1 if len(nth) else 1):  # one pass per extra status
        at = nth == k
        by_issue.loc[ids[at]] = joined(by_issue.loc[ids[at]].to_numpy(), ", ", label[at])
    return keyed(issues, by_issue), statuses


HISTORY_CHECKS: tuple[str, ...] = (
    "reopened",
    "backward_moves",
    "skipped_interval",
    "entered_late",
    "before_created",
    "out_of_order",
)


@dataclass
class History:
    """What the report needs of the issues' status histories: each history check's
    rows (``hits``, by check id), the visits of statuses in no work state (``unmapped``:
    ``issue``, ``n`` = visit number, ``status_id``, ``position`` = -1) and
    each issue's latest move or creation (``last_move``: UTC, indexed by the issue's row
    position in ``issues``)."""

    hits: dict[str, pd.DataFrame]
    unmapped: pd.DataFrame
    last_move: pd.Series


def last_moves(v: pd.DataFrame) -> pd.Series:
    """Each issue's latest visit start (its latest move, or its creation), UTC, indexed
    by the issue's row position, from visits (``issue``: row position, ``at``: UTC)."""
    return v.groupby("issue", sort=False)["at"].max()


def history(issues: pd.DataFrame, transitions: pd.DataFrame, workflow: Workflow) -> History:
    """Every history check over ``issues`` and their whole ``transitions``
    (:func:`vger.metrics.history_hits.history_hits`, as the store computes them), as the
    report reads them."""
    ids = issues["issue_id"].astype(str).to_numpy()
    moves = MoveArrays.of_frame(transitions)
    found = history_hits(
        ids,
        naive_utc(issues["created"]),
        issues["status_id"].to_numpy(dtype=object),
        moves,
        workflow,
    )
    check = np.asarray(found.check, dtype=object)
    detail = np.asarray(found.detail, dtype=object)
    ranked = with_key_rank(issues)  # the key order once for every check
    hits = {
        c: keyed(ranked, pd.Series(detail[check == c], index=found.issue[check == c], dtype=object))
        for c in HISTORY_CHECKS
    }
    mine = check == UNMAPPED_VISITS
    unmapped = pd.DataFrame(
        {
            "issue_id": ids[found.issue[mine]],
            "issue": found.issue[mine],
            "n": np.asarray(found.seq, dtype=np.int64)[mine],
            "status_id": detail[mine],
            "position": np.full(int(mine.sum()), -1, dtype=np.int64),
        }
    )
    latest = found.latest if found.latest is not None else np.zeros(0, dtype=np.int64)
    last = pd.Series(
        pd.to_datetime(latest.view("datetime64[ns]"), utc=True), index=np.arange(len(ids))
    )
    return History(hits, unmapped, last)
