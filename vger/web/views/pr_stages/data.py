"""The pull-request stages view's data: the pull requests merged in the range with their
stored stages (days, draft time excluded), the 50/80/90 % of each stage and the review
rounds (docs/metrics.md, "Pull-request stages"). One stored row per pull request
(:mod:`vger.store.pr_stages`); cached like every view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from vger.metrics.calendar import local_midnight_to_utc
from vger.metrics.pr_stages import median_rounds, rounds_histogram, stage_levels
from vger.store import pr_stages
from vger.web import cache
from vger.web.export import defuse, iso_utc
from vger.web.views.common import BoardChoice, local_today, missing_data_message, view_key


@dataclass
class PrStagesData:
    """Everything the stages page, its CSV and its JSON show."""

    choice: BoardChoice
    first_day: date
    last_day: date
    items: pd.DataFrame  # vger.store.pr_stages.merged_stage_items, stage columns renamed
    levels: pd.DataFrame  # vger.metrics.pr_stages.stage_levels
    rounds: pd.DataFrame  # vger.metrics.pr_stages.rounds_histogram
    stored: int
    rows: pd.DataFrame  # the CSV's rows (csv_rows), built once and cached with the rest
    median_rounds: float  # vger.metrics.pr_stages.median_rounds (NaN: none)

    @property
    def counts(self) -> dict[str, int]:
        """Merged PRs, those never reviewed, reviewed but not approved, drafted, cut
        (more reviews or events than one page fetched) and without stages (not synced
        since revision 0009)."""
        i = self.items
        staged = i["has_stages"]
        return {
            "merged": len(i),
            "no_review": int((staged & i["wait"].isna()).sum()),
            "no_approval": int((staged & i["wait"].notna() & i["merge"].isna()).sum()),
            "drafted": int((i["draft"] > 0).sum()),
            "cut": int(i["cut"].sum()),
            "no_stages": int((~staged).sum()),
        }

    @property
    def empty_message(self) -> str | None:
        board = self.choice.board
        if self.choice.params.source != "github":
            return (
                "Pull-request stages are for GitHub pull requests: choose GitHub pull "
                "requests as the source."
            )
        missing = missing_data_message(self.choice, self.stored)
        if missing:
            return missing
        if self.items.empty:
            return (
                f"No pull request of board {board.name} was merged between {self.first_day} "
                f"and {self.last_day}: choose a longer range or other repositories."
            )
        return None


def pr_stages_data(conn: Connection, choice: BoardChoice, now: datetime) -> PrStagesData:
    """The view's data for ``choice``; cached per (board, parameters, local date, data
    version)."""
    return cache.cached(
        "pr-stages", view_key(conn, choice, now), lambda: _pr_stages_data(conn, choice, now)
    )


def csv_rows(i: pd.DataFrame) -> pd.DataFrame:
    """One row per pull request of ``i`` (the view's items): key, title, author, created,
    first review, last approval, merged (UTC), the three stages in days (draft time
    excluded; empty: the stage did not happen or the PR has no stages yet), review
    rounds, days as a draft, ``cut`` (more reviews or events than one page fetched), URL."""

    def days(column: str) -> np.ndarray:
        return np.round(i[column].to_numpy(dtype=float), 4)

    frame = pd.DataFrame(
        {
            "key": i["key"].to_numpy(dtype=object),
            "title": i["title"].to_numpy(dtype=object),
            "author": i["author"].to_numpy(dtype=object),
            "created": iso_utc(i["created"]),
            "first_review": iso_utc(i["first_review"]),
            "last_approval": iso_utc(i["last_approval"]),
            "merged": iso_utc(i["merged"]),
            "days_to_first_review": days("wait"),
            "days_in_review": days("review"),
            "days_approval_to_merge": days("merge"),
            "review_rounds": np.where(i["has_stages"], i["rounds"], None),
            "days_draft": days("draft"),
            "cut": i["cut"].to_numpy(dtype=bool),
            "url": i["url"].to_numpy(dtype=object),
        }
    )
    return defuse(frame, ["title", "author"])


RENAMES = {
    "wait_days": "wait",
    "review_days": "review",
    "merge_days": "merge",
    "draft_days": "draft",
}


def _pr_stages_data(conn: Connection, choice: BoardChoice, now: datetime) -> PrStagesData:
    board, params = choice.board, choice.params
    first_day, last_day = params.dates(local_today(board.tz, now))
    start, end = local_midnight_to_utc(
        [pd.Timestamp(first_day), pd.Timestamp(last_day) + pd.Timedelta(days=1)], board.tz
    )
    repos = params.repos or None
    github = params.source == "github"
    stored = pr_stages.board_pull_count(conn, board, repos) if github else 0
    if github and stored:
        items = pr_stages.merged_stage_items(
            conn, board, start.to_pydatetime(), end.to_pydatetime(), repos
        ).rename(columns=RENAMES)
    else:
        items = pd.DataFrame(
            {c: pd.Series(dtype=float) for c in ("wait", "review", "merge", "draft", "rounds")}
            | {"cut": pd.Series(dtype=bool), "has_stages": pd.Series(dtype=bool)}
        )
    staged = items[items["has_stages"]]
    return PrStagesData(
        choice,
        first_day,
        last_day,
        items.reset_index(drop=True),
        stage_levels(staged),
        rounds_histogram(staged["rounds"].astype(int)),
        stored,
        csv_rows(items) if len(items) else pd.DataFrame(),
        median_rounds(staged["rounds"]),
    )
