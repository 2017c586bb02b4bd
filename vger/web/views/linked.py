"""Issues linked to pull requests, for the views that list issues: each issue's linked
PRs as text (``repo#N`` separated by spaces; vger.metrics.links.linked_pulls)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from vger.metrics.links import linked_pulls
from vger.store.links import board_links
from vger.web.views.common import BoardChoice


def linked_prs(
    conn: Connection, choice: BoardChoice, items: pd.DataFrame, *, open_items: bool = False
) -> np.ndarray:
    """The linked pull requests of ``items`` (``key``, ``done``: done issues; with
    ``open_items``, issues not done), in their order; reads only the links of issues done
    within the items' span, or of open issues ("" for all when the board has no
    repository)."""
    if items.empty or not choice.repos:
        return np.full(len(items), "", dtype=object)
    if open_items:
        links = board_links(conn, choice.board.id, open_only=True)
    else:
        done = pd.to_datetime(items["done"], utc=True)
        links = board_links(
            conn,
            choice.board.id,
            done_from=done.min().to_pydatetime(),
            done_to=(done.max() + pd.Timedelta(microseconds=1)).to_pydatetime(),
        )
    return linked_pulls(links, items["key"].reset_index(drop=True)).to_numpy(dtype=object)
