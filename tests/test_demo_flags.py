"""The demo's flagged periods and working/waiting states: the efficiency and blocked
views have something to show in ``vger demo``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.test_demo import NOW, demo, platform  # noqa: F401 - module-scoped fixtures
from vger.metrics.blocked import flagged_days
from vger.metrics.efficiency import flow_efficiency, split_state_days
from vger.store import boards, flags, queries, working
from vger.store.statepack import unpack


def test_teams_flag_their_queues_differently(demo):  # noqa: F811
    engine = demo[0]
    with engine.connect() as conn:
        by_board = {b.slug: working.working_by_name(conn, b.id) for b in boards.list_boards(conn)}
    assert by_board["platform"]["Ready"] is False and by_board["platform"]["Test"] is True
    assert by_board["mobile"]["Test"] is False
    assert all(f["In Progress"] and f["Review"] for f in by_board.values())


def test_flagged_periods_fall_inside_the_items_and_some_are_long(demo, platform):  # noqa: F811
    board, items, _, _ = platform
    done = items[(items["outcome"] == "completed") & items["start"].notna()]
    with demo[0].connect() as conn:
        stored = flags.issue_flags(conn, board.id)
    flagged_ids = set(stored["issue_id"])
    share = len(flagged_ids & set(done["issue_id"].astype(str))) / len(done)
    assert 0.05 < share < 0.25
    windows = pd.DataFrame(
        {"issue_id": done["issue_id"], "start": done["start"], "end": done["done"]}
    )
    days = flagged_days(stored, windows)
    lead = done.set_index(done["issue_id"].astype(str))["lead_time"]
    assert (days <= lead.reindex(days.index) + 1e-9).all()
    p85 = float(np.quantile(lead.dropna(), 0.85))
    started = items[items["start"].notna() & items["outcome"].isna()]
    still_open = flagged_days(
        stored,
        pd.DataFrame({"issue_id": started["issue_id"], "start": started["start"], "end": NOW}),
    )
    assert (days > p85).sum() + (still_open > p85).sum() >= 1  # a quality-report line
    assert stored.groupby("issue_id")["flagged"].last().any()  # still flagged now


def test_flow_efficiency_varies(demo, platform):  # noqa: F811
    board, items, _, _ = platform
    done = items[(items["outcome"] == "completed") & items["start"].notna()]
    with demo[0].connect() as conn:
        wanted = queries.issue_items(conn, board, lean=True, state_days=True)
        flags_by_position = working.working_flags(conn, board.id)
    wanted = wanted[wanted["issue_id"].isin(done["issue_id"])]
    states = unpack(
        wanted["issue_id"].to_numpy(), wanted["state_days"].tolist(), working=False, names={}
    )
    split = split_state_days(states, flags_by_position).set_index("issue_id")
    lead = wanted.set_index("issue_id")["lead_time"].reindex(split.index)
    eff = flow_efficiency(split["working"], lead)
    eff = eff[~np.isnan(eff)]
    assert 0.2 < np.median(eff) < 0.95 and eff.min() < 0.3 and eff.max() > 0.9
