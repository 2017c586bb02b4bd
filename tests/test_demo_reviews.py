"""The demo's code reviews: every pull request has its stages, they are consistent with
its own times, and the stages view has something to show in ``vger demo``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import sqlalchemy as sa

from tests.test_demo import NOW, demo  # noqa: F401 - module-scoped fixture
from vger.store import schema as s


def _stages(engine) -> pd.DataFrame:
    pr, st = s.pull_request, s.pull_request_stage
    stmt = sa.select(pr.c.author, pr.c.created, pr.c.merged, pr.c.closed, st).join(
        st, sa.and_(st.c.repo_id == pr.c.repo_id, st.c.number == pr.c.number), isouter=True
    )
    with engine.connect() as conn:
        frame = pd.read_sql(stmt, conn)
    for column in ("created", "merged", "closed", "first_review", "last_approval"):
        frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
    return frame


def test_every_pull_request_has_stages_inside_its_life(demo):  # noqa: F811
    frame = _stages(demo[0])
    assert frame["number"].notna().all()  # a stage row for every pull request
    merged = frame[frame["merged"].notna()]
    reviewed = merged[merged["first_review"].notna()]
    assert (reviewed["first_review"] >= reviewed["created"]).all()
    assert (reviewed["first_review"] <= reviewed["merged"]).all()
    approved = merged[merged["last_approval"].notna()]
    assert (approved["last_approval"] <= approved["merged"]).all()
    # the three stages add up to the lead time less the draft days
    whole = approved[approved["wait_days"].notna()]
    lead = (whole["merged"] - whole["created"]).dt.total_seconds() / 86_400
    total = whole["wait_days"] + whole["review_days"] + whole["merge_days"] + whole["draft_days"]
    assert np.allclose(total, lead, atol=1e-6)
    people = merged[~merged["author"].str.endswith("[bot]")]
    assert 0.8 < people["first_review"].notna().mean() < 1.0  # a few merged unreviewed
    assert set(people["rounds"]) >= {1, 2, 3}
    assert (people["draft_days"] > 0).mean() > 0.1  # some opened as drafts
    assert merged["wait_days"].median() > 0
