"""Reads: DataFrames for one board, with the work-type filter done in SQL.

Every timestamp column comes back tz-aware UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import pandas as pd
from sqlalchemy import Connection, and_, case, func, literal, or_, select, true

from vger.metrics.pulls import pull_events
from vger.store import schema as s
from vger.store.frames import _utc, read_frame, stamp
from vger.store.statepack import unpack

if TYPE_CHECKING:  # boards -> issues -> quality_hits -> queries: the type only
    from vger.store.boards import Board


def type_filter(board: Board, types: Sequence[str] | None):
    """SQL condition on ``issue``: sub-tasks per the board, work types when given."""
    cond = true() if board.include_subtasks else s.issue.c.is_subtask.is_(False)
    if types:
        members = select(s.work_type.c.issue_type).where(
            s.work_type.c.board_id == board.id, s.work_type.c.name.in_(list(types))
        )
        cond = and_(cond, s.issue.c.issue_type.in_(members))
    return cond


def issue_items(
    conn: Connection,
    board: Board,
    types: Sequence[str] | None = None,
    *,
    lean: bool = False,
    state_days: bool = False,
    since: datetime | None = None,
) -> pd.DataFrame:
    """Every issue of the board after the filter, from the beginning of the data:
    ``lead_time`` is calendar or working days per the board option. ``lean`` reads only
    what the charts compute on (issue_id, key, issue_type, created, done, outcome as a
    category, lead_time); otherwise also summary, start, status and resolution. ``state_days`` adds
    the packed per-state days (:mod:`vger.store.statepack`). ``since`` (UTC) reads only
    the issues created or done at or after it (what a range's charts need; the counts
    before it come from :func:`issue_counts_before`)."""
    lead = s.issue.c.lead_time_working_days if board.working_days else s.issue.c.lead_time_days
    columns = [
        s.issue.c.issue_id,
        s.issue.c.key,
        s.issue.c.issue_type,
        stamp(s.issue.c.created),
        stamp(s.issue.c.done),
        s.issue.c.outcome,
        lead.label("lead_time"),
    ]
    if not lean:
        columns += [
            s.issue.c.summary,
            stamp(s.issue.c.start),
            s.issue.c.status_name,
            s.issue.c.resolution,
        ]
    if state_days:
        columns.append(s.issue.c.state_days)
    stmt = select(*columns).where(s.issue.c.board_id == board.id, type_filter(board, types))
    if since is not None:
        stmt = stmt.where(or_(s.issue.c.created >= since, s.issue.c.done >= since))
    frame = read_frame(conn, stmt)
    if lean:
        frame["outcome"] = outcome_category(frame["outcome"])
        return _utc(frame, "created", "done")
    return _utc(frame, "created", "start", "done")


#: An issue's outcome (None while open), as the lean reads give it.
OUTCOMES = pd.CategoricalDtype(["completed", "abandoned"])


def outcome_category(values: pd.Series) -> pd.Series:
    """``values`` as :data:`OUTCOMES`: each of the views' outcome tests then compares
    small integer codes, not 27,000 strings (5 ms each on a 13-week quadrant of 100k
    issues). Values outside it (none are stored) keep the column as it was."""
    coded = values.astype(OUTCOMES)
    if (coded.isna() & values.notna()).any():
        return values
    return coded


@dataclass(frozen=True)
class IssueCounts:
    """One aggregate over the board's (filtered) issues: the first creation (UTC; None
    without issues), how many are stored, and how many were created / completed /
    abandoned before ``since``."""

    first: datetime | None
    stored: int
    since: datetime
    created: int
    completed: int
    abandoned: int


def issue_counts(
    conn: Connection, board: Board, since: datetime, types: Sequence[str] | None = None
) -> IssueCounts:
    """:class:`IssueCounts` before ``since`` (UTC), from one aggregate and no rows."""
    i = s.issue

    def count(cond):
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    row = conn.execute(
        select(
            func.min(i.c.created),
            func.count(),
            count(i.c.created < since),
            count(and_(i.c.outcome == "completed", i.c.done < since)),
            count(and_(i.c.outcome == "abandoned", i.c.done < since)),
        ).where(i.c.board_id == board.id, type_filter(board, types))
    ).one()
    return IssueCounts(row[0], int(row[1]), since, int(row[2]), int(row[3]), int(row[4]))


def issue_details(conn: Connection, board: Board, issue_ids: Sequence[str]) -> pd.DataFrame:
    """summary, start, status and resolution of the given issues (for CSVs and hovers)."""
    ids = [str(i) for i in issue_ids]
    frames = []
    for k in range(0, len(ids), 500):
        stmt = select(
            s.issue.c.issue_id,
            s.issue.c.summary,
            stamp(s.issue.c.start),
            s.issue.c.status_name,
            s.issue.c.resolution,
        ).where(s.issue.c.board_id == board.id, s.issue.c.issue_id.in_(ids[k : k + 500]))
        frames.append(read_frame(conn, stmt))
    if not frames:
        return pd.DataFrame(
            {
                c: pd.Series(dtype=object)
                for c in ("issue_id", "summary", "status_name", "resolution")
            }
        ).assign(start=pd.Series(dtype="datetime64[ns, UTC]"))
    return _utc(pd.concat(frames, ignore_index=True), "start")


def completed_details(
    conn: Connection,
    board: Board,
    start: datetime,
    end: datetime,
    types: Sequence[str] | None = None,
) -> pd.DataFrame:
    """summary, start, status, resolution and the packed per-state days (``state_days``)
    of the issues completed in [start, end) (UTC): one range read for the lead-time CSV
    instead of batches of ``IN (ids)`` and a join on ``issue_state_time``."""
    i = s.issue
    stmt = select(
        i.c.issue_id,
        i.c.summary,
        stamp(i.c.start),
        i.c.status_name,
        i.c.resolution,
        i.c.state_days,
    ).where(*_completed_in(board, start, end, types))
    return _utc(read_frame(conn, stmt), "start")


def _completed_in(board: Board, start: datetime, end: datetime, types) -> tuple:
    """WHERE conditions: the board's issues (of ``types``) completed in [start, end) UTC."""
    i = s.issue
    return (
        i.c.board_id == board.id,
        i.c.outcome == "completed",
        i.c.done >= start,
        i.c.done < end,
        type_filter(board, types),
    )


def completed_items(
    conn: Connection,
    board: Board,
    start: datetime,
    end: datetime,
    types: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The columns of :func:`issue_items` (``lean``) and of :func:`completed_details`
    for the issues completed in [start, end) (UTC), in one range read: what the lead-time
    CSV lists, without reading the issues the quadrant's charts also need."""
    lead = s.issue.c.lead_time_working_days if board.working_days else s.issue.c.lead_time_days
    i = s.issue
    stmt = select(
        i.c.issue_id,
        i.c.key,
        i.c.issue_type,
        stamp(i.c.created),
        stamp(i.c.done),
        i.c.outcome,
        lead.label("lead_time"),
        i.c.summary,
        stamp(i.c.start),
        i.c.status_name,
        i.c.resolution,
        i.c.state_days,
    ).where(*_completed_in(board, start, end, types))
    frame = read_frame(conn, stmt)
    frame["outcome"] = outcome_category(frame["outcome"])
    return _utc(frame, "created", "start", "done")


def completed_state_times(
    conn: Connection,
    board: Board,
    start: datetime,
    end: datetime,
    types: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Time per work state (``days``, per the board option) of issues completed in [start, end)."""
    days = s.issue_state_time.c.working_days if board.working_days else s.issue_state_time.c.days
    st = s.issue_state_time
    stmt = (
        select(st.c.issue_id, st.c.state, st.c.position, days.label("days"))
        .join(
            s.issue, and_(s.issue.c.board_id == st.c.board_id, s.issue.c.issue_id == st.c.issue_id)
        )
        .where(
            st.c.board_id == board.id,
            s.issue.c.outcome == "completed",
            s.issue.c.done >= start,
            s.issue.c.done < end,
            type_filter(board, types),
        )
    )
    return read_frame(conn, stmt)


def state_names(conn: Connection, board: Board) -> dict[int, str]:
    """Work-state names of the board by position."""
    return dict(
        conn.execute(
            select(s.work_state.c.position, s.work_state.c.name).where(
                s.work_state.c.board_id == board.id
            )
        ).all()
    )


def completed_state_times_of(conn: Connection, board: Board, items: pd.DataFrame) -> pd.DataFrame:
    """Per-state days of the completed issues among ``items`` (read with
    ``state_days=True``), decoded from the packed column: ``issue_id``, ``position``,
    ``state``, ``days`` (working days per the board option)."""
    done = items[items["outcome"] == "completed"]
    return unpack(
        done["issue_id"].to_numpy(),
        done["state_days"].tolist(),
        working=board.working_days,
        names=state_names(conn, board),
    )


def issue_transitions(
    conn: Connection, board: Board, types: Sequence[str] | None = None
) -> pd.DataFrame:
    """Status history of the board's (filtered) issues: issue_id, seq, at, from/to status id."""
    t = s.transition
    stmt = (
        select(t.c.issue_id, t.c.seq, t.c.at, t.c.from_status_id, t.c.to_status_id)
        .join(s.issue, and_(s.issue.c.board_id == t.c.board_id, s.issue.c.issue_id == t.c.issue_id))
        .where(t.c.board_id == board.id, type_filter(board, types))
    )
    return _utc(read_frame(conn, stmt), "at")


def pull_items(conn: Connection, board: Board, repos: Sequence[str] | None = None) -> pd.DataFrame:
    """Every pull request of the board's repositories (or of ``repos``): ``key``
    (owner/name#N), ``created``, ``done`` (merged), ``outcome`` (completed = merged,
    rejected = closed unmerged), ``lead_time`` (days), line counts, ``url``."""
    pr = s.pull_request
    stmt = (
        select(
            (s.repo.c.full_name + literal("#") + pr.c.number.cast(s.String)).label("key"),
            s.repo.c.full_name.label("repo"),
            pr.c.number,
            pr.c.title,
            pr.c.author,
            pr.c.state,
            pr.c.draft,
            pr.c.created,
            pr.c.merged,
            pr.c.closed,
            pr.c.additions,
            pr.c.deletions,
            pr.c.url,
        )
        .join(s.repo, s.repo.c.id == pr.c.repo_id)
        .where(s.repo.c.board_id == board.id)
    )
    if repos:
        stmt = stmt.where(s.repo.c.full_name.in_(list(repos)))
    frame = _utc(read_frame(conn, stmt), "created", "merged", "closed")
    frame = pull_events(frame)  # done, outcome, lead time: vger.metrics.pulls
    frame["issue_id"] = frame["key"]
    frame["issue_type"] = "Pull request"
    frame["summary"] = frame["title"]
    return frame


def board_tags(conn: Connection, board: Board) -> pd.DataFrame:
    """Every git tag of the board's repositories: ``repo``, ``name``, ``at`` (UTC)."""
    stmt = (
        select(s.repo.c.full_name.label("repo"), s.tag.c.name, s.tag.c.at)
        .join(s.repo, s.repo.c.id == s.tag.c.repo_id)
        .where(s.repo.c.board_id == board.id)
        .order_by(s.tag.c.at)
    )
    return _utc(read_frame(conn, stmt), "at")


def data_version(conn: Connection, board_id: int) -> tuple:
    """What the board's computed series depend on besides the view's parameters: its
    sync runs (the newest successful finish, i.e. ``sync.last_success``, plus the newest
    run id, finish and the cursor/watermark of a running sync, whose pages commit as they
    go) and its work states with their working/waiting flags. Any write path that
    records a sync run, or changes the work states or their flags, changes this value;
    the cache keys on it."""
    sy = s.sync
    runs = conn.execute(
        select(
            func.max(case((sy.c.status == "ok", sy.c.finished))),
            func.max(sy.c.id),
            func.max(sy.c.finished),
            func.count(),
            func.max(case((sy.c.status == "running", sy.c.cursor))),
            func.max(case((sy.c.status == "running", sy.c.watermark))),
        ).where(sy.c.board_id == board_id)
    ).one()
    ws, wss = s.work_state, s.work_state_status
    states = conn.execute(
        select(ws.c.position, ws.c.name, ws.c.working, wss.c.status_id)
        .select_from(ws)
        .outerjoin(wss, and_(wss.c.board_id == ws.c.board_id, wss.c.position == ws.c.position))
        .where(ws.c.board_id == board_id)
        .order_by(ws.c.position, wss.c.status_id)
    ).all()
    return tuple(str(v) for v in runs), tuple(tuple(r) for r in states)


def quality_rows(
    conn: Connection, board: Board, types: Sequence[str] | None = None
) -> pd.DataFrame:
    """Issues as the data-quality checks read them: ids, key, summary, status,
    resolution, created/start/done (UTC), outcome, lead time (board option), calendar
    lead time and whether Jira cut the history."""
    i = s.issue
    lead = i.c.lead_time_working_days if board.working_days else i.c.lead_time_days
    stmt = select(
        i.c.issue_id,
        i.c.key,
        i.c.summary,
        i.c.status_id,
        i.c.resolution,
        stamp(i.c.created),
        stamp(i.c.start),
        stamp(i.c.done),
        i.c.outcome,
        lead.label("lead_time"),
        i.c.lead_time_days.label("lead_time_days"),
        i.c.history_cut,
    ).where(i.c.board_id == board.id, type_filter(board, types))
    frame = _utc(read_frame(conn, stmt), "created", "start", "done")
    for column in ("lead_time", "lead_time_days"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    frame["issue_id"] = frame["issue_id"].astype(str)
    return frame
