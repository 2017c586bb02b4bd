"""Issues linked to pull requests: Jira keys named by a pull request, and what the links
give (the PRs of each issue, issues without a PR, PRs naming no stored issue, lead time
from the first linked PR). Pure: plain strings and DataFrames in, no I/O.

**The pattern** (``docs/metrics.md``, "Issues linked to pull requests"): a Jira key is a
project key (a letter, then at least one letter, digit or ``_``), a hyphen and a number,
standing alone: neither preceded nor followed by a letter, digit or ``_`` (so
``ALOY-378b`` and ``XALOY-3`` name nothing). In the title and the body only upper-case
keys count, as Jira writes them; in the branch name any case counts (``aloy-1314`` is
``ALOY-1314``: branch names are often lower-cased). A candidate links only when its
project is one of the board's projects (the prefixes of its stored issue keys), so text
like ``UTF-8`` or ``ISO-8601`` links nothing unless a project is named ``UTF`` or ``ISO``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from vger.metrics.quality import Check
from vger.metrics.quality_rows import sort_keys
from vger.metrics.workdays import working_clock

SECONDS_PER_DAY = 86_400.0

_EDGE_BEFORE = r"(?<![A-Za-z0-9_])"
_EDGE_AFTER = r"(?![A-Za-z0-9_])"
#: A Jira key as written in titles and bodies (upper case).
KEY_PATTERN = re.compile(_EDGE_BEFORE + r"([A-Z][A-Z0-9_]+-[0-9]+)" + _EDGE_AFTER)
#: A Jira key in a branch name (any case; upper-cased when read).
BRANCH_KEY_PATTERN = re.compile(_EDGE_BEFORE + r"([A-Za-z][A-Za-z0-9_]+-[0-9]+)" + _EDGE_AFTER)


def _normal(key: str) -> str:
    """``aloy-0042`` → ``ALOY-42`` (Jira numbers have no leading zeros)."""
    project, _, number = key.rpartition("-")
    return f"{project.upper()}-{int(number)}"


def candidate_keys(
    title: str | None, branch: str | None = None, body: str | None = None
) -> list[str]:
    """Every Jira-key-shaped word of a pull request, upper case, sorted, without
    duplicates; not yet restricted to a board's projects (:func:`board_keys`)."""
    found = set()
    for text in (title, body):
        if text:
            found.update(_normal(k) for k in KEY_PATTERN.findall(text))
    if branch:
        found.update(_normal(k) for k in BRANCH_KEY_PATTERN.findall(branch))
    return sorted(k for k in found if not k.endswith("-0"))


def project_of(key: str) -> str:
    """The project part of an issue key (``ALOY-12`` → ``ALOY``)."""
    return str(key).rpartition("-")[0]


def projects(issue_keys: Iterable[str]) -> set[str]:
    """A board's projects: the prefixes of its stored issue keys."""
    return {project_of(k) for k in issue_keys if "-" in str(k)}


def board_keys(keys: Iterable[str], board_projects: set[str]) -> list[str]:
    """The candidates whose project is one of the board's."""
    return [k for k in keys if project_of(k) in board_projects]


def linked_pulls(links: pd.DataFrame, issue_keys: pd.Series) -> pd.Series:
    """Per issue key (in the order of ``issue_keys``): its linked pull requests as text,
    ``repo#number`` in creation order joined by ``" "`` ("" without any). ``links``:
    ``issue_key``, ``repo`` (owner/name), ``number``, ``created`` (UTC)."""
    keys = pd.Series(issue_keys, dtype=object).astype(str)
    if links.empty or keys.empty:
        return pd.Series([""] * len(keys), index=keys.index, dtype=object)
    mine = links[links["issue_key"].isin(set(keys))]
    mine = mine.sort_values(["issue_key", "created", "repo", "number"], kind="stable")
    label = (mine["repo"].astype(str) + "#" + mine["number"].astype(int).astype(str)).to_numpy(
        dtype=object
    )
    owners = mine["issue_key"].to_numpy(dtype=object)
    firsts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]]) if len(owners) else []
    ends = np.r_[firsts[1:], len(owners)] if len(owners) else []
    joined = {  # most issues have one PR: no join for them
        owners[a]: label[a] if b - a == 1 else " ".join(label[a:b])
        for a, b in zip(firsts, ends, strict=True)
    }
    return pd.Series([joined.get(k, "") for k in keys], index=keys.index, dtype=object)


def first_linked_pr(links: pd.DataFrame, issue_keys: pd.Series) -> pd.Series:
    """Per issue key (in the order of ``issue_keys``): the creation time (UTC) of its
    earliest linked pull request, NaT without any."""
    keys = pd.Series(issue_keys, dtype=object).astype(str)
    if links.empty or keys.empty:
        return pd.Series(pd.NaT, index=keys.index, dtype="datetime64[ns, UTC]")
    first = pd.to_datetime(links["created"], utc=True).groupby(links["issue_key"].to_numpy()).min()
    return pd.Series(pd.to_datetime(keys.map(first), utc=True).to_numpy(), index=keys.index)


def review_start(start: pd.Series, first_pr: pd.Series) -> pd.Series:
    """The start used when lead time includes code review: the first linked PR's
    creation when it is earlier than ``start``, else ``start`` (both UTC; NaT stays
    NaT: an issue without a start gets none from a PR)."""
    s = pd.to_datetime(start, utc=True)
    f = pd.to_datetime(first_pr, utc=True)
    earlier = f.notna().to_numpy() & s.notna().to_numpy() & (f < s).to_numpy()
    return s.where(~earlier, f)


def review_lead_times(
    start: pd.Series, done: pd.Series, first_pr: pd.Series, tz: str = "UTC"
) -> tuple[np.ndarray, np.ndarray]:
    """Lead time including code review, in calendar days and in working days (weekends
    in ``tz`` skipped): from :func:`review_start` (the first linked PR's creation when
    earlier than ``start``) to ``done``; NaN where start or done is missing. Without a
    linked PR it equals the lead time from ``start``."""
    begin = review_start(start, first_pr)
    end = pd.to_datetime(done, utc=True)
    days = (end - begin).dt.total_seconds().to_numpy(dtype=float) / SECONDS_PER_DAY
    working = (working_clock(end, tz) - working_clock(begin, tz)) / SECONDS_PER_DAY
    return days, np.asarray(working, dtype=float)


def issues_without_pr(issues: pd.DataFrame, linked_keys: Iterable[str]) -> pd.DataFrame:
    """Completed issues (``outcome == "completed"``) whose key no pull request names
    (``linked_keys``: the keys linked PRs name): rows ``issue_id``, ``key``, ``detail``
    (the done date, UTC), in key order."""
    done = issues[issues["outcome"].to_numpy() == "completed"]
    alone = done[~done["key"].astype(str).isin(set(map(str, linked_keys))).to_numpy()]
    instants = pd.to_datetime(alone["done"], utc=True).dt.tz_convert(None)
    when = pd.Series(np.datetime_as_string(instants.to_numpy(dtype="datetime64[D]")), dtype=object)
    return sort_keys(
        pd.DataFrame(
            {
                "issue_id": alone["issue_id"].astype(str).to_numpy(),
                "key": alone["key"].astype(str).to_numpy(),
                "detail": ("completed " + when).to_numpy(dtype=object),
            }
        )
    )


def pulls_without_issue(
    links: pd.DataFrame, board_projects: set[str], known_keys: Iterable[str] = ()
) -> pd.DataFrame:
    """Pull requests naming keys of the board's projects that match no stored issue
    (``links`` minus those of ``known_keys``; the store may pass only unmatched links):
    rows ``issue_id`` (""), ``key`` (``repo#number``), ``detail`` (the unknown keys),
    ``url``; one row per pull request, by repository and number."""
    columns = ["issue_id", "key", "detail", "url"]
    if links.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    unknown = links[~links["issue_key"].astype(str).isin(set(map(str, known_keys))).to_numpy()]
    mine = set(board_keys(unknown["issue_key"].astype(str).unique(), board_projects))
    unknown = unknown[unknown["issue_key"].isin(mine).to_numpy()]
    if unknown.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    unknown = unknown.sort_values(["repo", "number", "issue_key"], kind="stable")
    grouped = unknown.groupby(["repo", "number"], sort=True)
    names = grouped["issue_key"].agg(", ".join)
    urls = grouped["url"].first()
    labels = [f"{repo}#{number}" for repo, number in names.index]
    return pd.DataFrame(
        {
            "issue_id": [""] * len(labels),
            "key": labels,
            "detail": ["names " + n + ", no stored issue" for n in names.to_numpy()],
            "url": [u if isinstance(u, str) else "" for u in urls.to_numpy()],
        },
        columns=columns,
    )


LINK_WHY = {
    "completed_without_pr": "The board has repositories, yet no pull request names these "
    "completed issues in its title, branch or description: their code review is not in "
    "any PR number, or the work needed no code; name the key in the PR to link them.",
    "prs_without_issue": "These pull requests name keys of the board's projects that match "
    "no stored issue: a typo, an issue moved to another project, or one outside the "
    "board's query; their review time is linked to nothing.",
}
#: The ids of the link checks, in report order (after vger.metrics.quality's).
LINK_CHECK_IDS: tuple[str, ...] = tuple(LINK_WHY)


def link_checks(
    issues: pd.DataFrame,
    linked_keys: Iterable[str],
    unmatched: pd.DataFrame,
    board_projects: set[str],
) -> list[Check]:
    """The data-quality lines of a board that has repositories: completed ``issues``
    whose key no PR names (:func:`issues_without_pr`, unit issues), and the PRs of
    ``unmatched`` links naming keys of ``board_projects`` (:func:`pulls_without_issue`,
    unit pull requests; ``key`` = ``repo#number``)."""
    alone = issues_without_pr(issues, linked_keys)
    orphans = pulls_without_issue(unmatched, board_projects)
    return [
        Check(
            "completed_without_pr",
            "Completed without a pull request",
            LINK_WHY["completed_without_pr"],
            int(len(alone)),
            alone,
        ),
        Check(
            "prs_without_issue",
            "Pull requests naming no stored issue",
            LINK_WHY["prs_without_issue"],
            int(len(orphans)),
            orphans,
            "pull requests",
        ),
    ]
