"""The history checks over arrays (``vger.metrics.history_hits``, what the store keeps)
find the very hits of the plain pandas checks (tests/metrics/quality_reference.py) run on the frames: same
issues, same text, same unmapped visits, on random workflows and histories (ties in
time and changelog order, unmapped and missing statuses, moves before creation)."""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings

from tests.metrics import quality_reference
from tests.metrics.test_events_reference import boards
from vger.metrics.event_arrays import MoveArrays
from vger.metrics.history_hits import history_hits


def by_the_checks(issues: pd.DataFrame, moves: pd.DataFrame, wf) -> set[tuple]:
    r = quality_reference
    v = r.visits(issues, moves, wf)
    found = {
        "reopened": r.reopened(issues, v, wf),
        "backward_moves": r.backward_moves(issues, v, wf),
        "skipped_interval": r.skipped_interval(issues, v, wf),
        "entered_late": r.entered_late(issues, v, wf),
        "before_created": r.before_created(issues, moves),
        "out_of_order": r.out_of_order(issues, moves),
    }
    hits = {
        (i, check, 0, d)
        for check, rows in found.items()
        for i, d in zip(rows["issue_id"], rows["detail"], strict=True)
    }
    unmapped = v[(v["position"] < 0) & v["status_id"].notna()]
    hits |= {
        (i, "unmapped_statuses", int(n), str(st))
        for i, n, st in zip(unmapped["issue_id"], unmapped["n"], unmapped["status_id"], strict=True)
    }
    return hits


def by_arrays(issues: pd.DataFrame, moves: pd.DataFrame, wf) -> set[tuple]:
    ids = issues["issue_id"].astype(str).to_numpy()
    naive = lambda s: pd.DatetimeIndex(s).tz_convert(None).to_numpy("datetime64[ns]")  # noqa: E731
    arrays = MoveArrays(
        moves["issue_id"].astype(str).to_numpy(),
        moves["seq"].to_numpy(),
        naive(moves["at"]),
        moves["from_status_id"].to_numpy(dtype=object),
        moves["to_status_id"].to_numpy(dtype=object),
    )
    h = history_hits(
        ids, naive(issues["created"]), issues["status_id"].to_numpy(object), arrays, wf
    )
    return set(zip(ids[h.issue].tolist(), h.check, h.seq, h.detail, strict=True))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(board=boards())
def test_history_hits_are_the_checks_hits(board):
    wf, issues, moves = board
    issues = issues.assign(key=[f"K-{k}" for k in range(len(issues))])
    moves = moves[moves["issue_id"].isin(issues["issue_id"])]
    assert by_arrays(issues, moves, wf) == by_the_checks(issues, moves, wf)
