"""The demo's links between issues and pull requests: branch names and descriptions
drawn for the simulated pull requests, so the linked PRs (scatter hover, CSVs), the
code-review lead-time option and the two data-quality lines are alive in ``vger demo``.

The simulator titles a developer's PR ``KEY: summary``. Here, from a random stream of
its own (seeded per repository, so every other simulated number stays as it was), each
such PR gets a branch ``feature/key-123-words`` or ``fix/…`` (lower case, as git tools
make them); some titles then drop the key (the branch alone links them), some
descriptions name a second, related key, and a few PRs carry a mistyped key that names
no issue. Dependency bumps get ``dependabot/…`` branches and no key. The keys are found
by :func:`vger.metrics.links.candidate_keys`, as the GitHub sync finds them."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from typing import Any

from vger.metrics.links import candidate_keys

KEY_ONLY_IN_BRANCH = 0.15  # of keyed PRs: the title drops the key
RELATED_IN_BODY = 0.10  # of keyed PRs: the description names another issue too
MISTYPED = 0.02  # of keyed PRs: title and branch name a key with a wrong number
TYPO_OFFSET = 50_000  # a mistyped number: far above every simulated key

_TITLE = re.compile(r"^([A-Z][A-Z0-9_]+-\d+): (.*)$")


def _words(text: str, most: int = 5) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", text.lower())[:most]) or "change"


def link_pulls(
    rows: Sequence[dict[str, Any]], rng: random.Random
) -> tuple[list[dict[str, Any]], dict[int, list[str]]]:
    """The pull-request rows (titles possibly changed) and, per PR number, the keys its
    title, branch and description name."""
    out: list[dict[str, Any]] = []
    keys: dict[int, list[str]] = {}
    titled = [m.group(1) for r in rows if (m := _TITLE.match(str(r["title"])))]
    for row in rows:
        title = str(row["title"])
        match = _TITLE.match(title)
        body = ""
        if match is None:  # a dependency bump
            dep = _words(title, 2)
            branch = f"dependabot/npm_and_yarn/{dep}-{rng.randint(1, 30)}"
        else:
            key, summary = match.groups()
            if rng.random() < MISTYPED:
                project, _, number = key.rpartition("-")
                key = f"{project}-{int(number) + TYPO_OFFSET}"
                title = f"{key}: {summary}"
            kind = "fix" if rng.random() < 0.35 else "feature"
            branch = f"{kind}/{key.lower()}-{_words(summary)}"
            if rng.random() < KEY_ONLY_IN_BRANCH:
                title = summary
            if titled and rng.random() < RELATED_IN_BODY:
                body = f"Follows up {rng.choice(titled)}; see the discussion there."
        out.append({**row, "title": title})
        keys[int(row["number"])] = candidate_keys(title, branch, body)
    return out, keys
