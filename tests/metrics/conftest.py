"""Shared helpers for the metric tests: example 5 of METRICS.md as plain frames."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.factories import EXAMPLE_ISSUES, EXAMPLE_STATES, EXAMPLE_TRANSITIONS
from vger.metrics.events import Workflow, WorkState, derive_events


def example_workflow() -> Workflow:
    """Backlog {To Do}, Ready {Selected}, Doing {In Progress}, Review {In Review},
    Done {Done, Closed}; lead-time interval = Ready..Review."""
    states = tuple(WorkState(name, frozenset(ids)) for name, ids in EXAMPLE_STATES)
    return Workflow(states, 1, 3)


def example_issues() -> pd.DataFrame:
    frame = pd.DataFrame(EXAMPLE_ISSUES)
    frame["created"] = pd.to_datetime(frame["created"], utc=True)
    return frame


def example_transitions() -> pd.DataFrame:
    frame = pd.DataFrame(EXAMPLE_TRANSITIONS)
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    return frame


def example_items(tz: str = "UTC", *, working_days: bool = False):
    """Items as ``vger.store.queries.issue_items`` returns them, and the state times."""
    issues = example_issues()
    derived = derive_events(issues, example_transitions(), example_workflow(), tz=tz)
    ev = derived.events
    items = issues[["issue_id", "key", "issue_type", "summary", "created"]].merge(ev, on="issue_id")
    items["lead_time"] = items["lead_time_working_days" if working_days else "lead_time_days"]
    return items, derived.state_times


@pytest.fixture
def workflow() -> Workflow:
    return example_workflow()
