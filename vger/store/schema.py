"""Tables of the store (SQLAlchemy 2 Core). Every timestamp is UTC.

Natural keys keep upserts simple: an issue is (board, Jira issue id), a transition is
(board, issue, changelog order), a pull request is (repo, number).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    true,
)


class UTCDateTime(TypeDecorator):
    """A timestamp stored as UTC and read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: store UTC-aware timestamps only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


naming = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=naming)

team = Table(
    "team",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("slug", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("tz", String(64), nullable=False, default="UTC"),
    Column("fiscal_start_month", Integer, nullable=False, default=1),
)

board = Table(
    "board",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("slug", String(64), nullable=False, unique=True),
    Column("team_id", Integer, ForeignKey("team.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("jql", Text, nullable=False, default=""),
    Column("jira_board_id", Integer, nullable=True),
    Column("include_subtasks", Boolean, nullable=False, default=False),
    Column("rolling_weeks", Integer, nullable=False, default=12),
    Column("working_days", Boolean, nullable=False, default=False),
    Column("abandoned_resolutions", Text, nullable=True),  # JSON list; NULL = the default list
    Column("interval_start", Integer, nullable=True),  # work-state positions, inclusive
    Column("interval_end", Integer, nullable=True),
    Column("browse_url", String(500), nullable=True),  # where issue keys link to
    # Lead time includes code review: it runs from the first linked pull request's
    # creation when that is earlier than start (vger.metrics.links.review_lead_times).
    Column("review_lead_time", Boolean, nullable=False, default=False, server_default=false()),
)

work_state = Table(
    "work_state",
    metadata,
    Column("board_id", Integer, ForeignKey("board.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    # Working (someone works on the item) or waiting (a queue): flow efficiency's split.
    Column("working", Boolean, nullable=False, default=True, server_default=true()),
)

work_state_status = Table(
    "work_state_status",
    metadata,
    Column("board_id", Integer, ForeignKey("board.id", ondelete="CASCADE"), primary_key=True),
    Column("status_id", String(64), primary_key=True),
    Column("position", Integer, nullable=False),
)

status = Table(
    "status",
    metadata,
    Column("board_id", Integer, ForeignKey("board.id", ondelete="CASCADE"), primary_key=True),
    Column("status_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("category", String(32), nullable=True),  # new | indeterminate | done
)

work_type = Table(
    "work_type",
    metadata,
    Column("board_id", Integer, ForeignKey("board.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(100), primary_key=True),
    Column("issue_type", String(100), primary_key=True),
)

repo = Table(
    "repo",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("board_id", Integer, ForeignKey("board.id", ondelete="CASCADE"), nullable=False),
    Column("full_name", String(200), nullable=False),  # owner/name
    UniqueConstraint("board_id", "full_name", name="uq_repo_board_full_name"),
)

issue = Table(
    "issue",
    metadata,
    Column("board_id", Integer, ForeignKey("board.id", ondelete="CASCADE"), primary_key=True),
    Column("issue_id", String(64), primary_key=True),  # Jira's id: stable across moves
    Column("key", String(64), nullable=False),
    Column("issue_type", String(100), nullable=False),
    Column("is_subtask", Boolean, nullable=False, default=False),
    Column("parent_key", String(64), nullable=True),
    Column("summary", Text, nullable=False, default=""),
    Column("status_id", String(64), nullable=True),
    Column("status_name", String(200), nullable=True),
    Column("resolution", String(200), nullable=True),
    Column("created", UTCDateTime, nullable=False),
    Column("updated", UTCDateTime, nullable=True),
    # Derived when stored (vger.metrics.events), re-derived when the board's rules change.
    Column("start", UTCDateTime, nullable=True),
    Column("done", UTCDateTime, nullable=True),
    Column("outcome", String(16), nullable=True),  # completed | abandoned | NULL (open)
    Column("lead_time_days", Float, nullable=True),
    Column("lead_time_working_days", Float, nullable=True),
    Column("state_days", LargeBinary, nullable=True),  # vger.store.statepack: per-state days
    # Aging marks (vger.metrics.aging.aging_marks): the age at leaving each state of a
    # completed item, packed as state_days is; the current work state and its entry.
    Column("leave_days", LargeBinary, nullable=True),
    Column("state_position", Integer, nullable=True),
    Column("state_since", UTCDateTime, nullable=True),
    # Jira answered only part of the status history and the rest could not be fetched
    # (Data Center cuts very long changelogs): the derived start may be wrong.
    Column("history_cut", Boolean, nullable=False, default=False, server_default=false()),
    Index("ix_issue_board_done", "board_id", "done"),
    Index("ix_issue_board_created", "board_id", "created"),
    Index("ix_issue_board_type", "board_id", "issue_type"),
    Index("ix_issue_board_key", "board_id", "key"),
)

# The issue's history (transition, issue_flag, issue_state_time) has no foreign key to
# issue (revision 0014): the key's check cost the load a lookup per row, and every path
# removing issues deletes their history itself (vger.store.issues, vger.store.boards).
transition = Table(
    "transition",
    metadata,
    Column("board_id", Integer, primary_key=True),
    Column("issue_id", String(64), primary_key=True),
    Column("seq", Integer, primary_key=True),  # changelog order, oldest first
    Column("at", UTCDateTime, nullable=False),
    Column("from_status_id", String(64), nullable=True),
    Column("to_status_id", String(64), nullable=True),
    Column("from_status", String(200), nullable=True),
    Column("to_status", String(200), nullable=True),
    Index("ix_transition_board_at", "board_id", "at", "issue_id"),  # a range's moves (flow)
)

issue_flag = Table(
    "issue_flag",
    metadata,
    Column("board_id", Integer, primary_key=True),
    Column("issue_id", String(64), primary_key=True),
    Column("seq", Integer, primary_key=True),  # changelog order, oldest first
    Column("at", UTCDateTime, nullable=False),
    Column("flagged", Boolean, nullable=False),  # Jira's "Flagged" (Impediment) set or cleared
)

issue_state_time = Table(
    "issue_state_time",
    metadata,
    Column("board_id", Integer, primary_key=True),
    Column("issue_id", String(64), primary_key=True),
    Column("position", Integer, primary_key=True),  # work-state position; -1 = unmapped
    Column("state", String(200), nullable=False),
    Column("days", Float, nullable=False),
    Column("working_days", Float, nullable=False),
)

issue_quality = Table(
    "issue_quality",
    metadata,
    # The data-quality checks that read an issue's status history, run when the issue is
    # stored (vger.store.quality): one row per hit; the unmapped-history check stores one
    # row per unmapped visit (seq = visit number, detail = status id).
    Column("board_id", Integer, primary_key=True),
    Column("issue_id", String(64), primary_key=True),
    Column("check_id", String(64), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("detail", Text, nullable=True),
    ForeignKeyConstraint(
        ["board_id", "issue_id"], ["issue.board_id", "issue.issue_id"], ondelete="CASCADE"
    ),
)

flow_day = Table(
    "flow_day",
    metadata,
    # The cumulative flow's counts (vger.store.flow_days): per issue type, sub-task flag,
    # status and local day (the board's time zone, days since 1970-01-01), the issues
    # entering the status minus those leaving it, and those entering it (created in it or
    # moved into it). Kept by save_issues; rebuilt when the board is re-derived.
    Column("board_id", Integer, ForeignKey("board.id", ondelete="CASCADE"), primary_key=True),
    Column("issue_type", String(100), primary_key=True),
    Column("is_subtask", Boolean, primary_key=True),
    Column("status_id", String(64), primary_key=True),
    Column("day", Integer, primary_key=True),
    Column("delta", Integer, nullable=False),
    Column("entered", Integer, nullable=False),
)

flow_day_board = Table(
    "flow_day_board",
    metadata,
    # Which time zone a board's flow_day rows count days in, and how many of its issues
    # have a history the counts cannot follow (a move leaving a status the history never
    # entered, ...): the flow reads the moves instead while there is one.
    Column("board_id", Integer, ForeignKey("board.id", ondelete="CASCADE"), primary_key=True),
    Column("tz", String(64), nullable=False),
    Column("odd", Integer, nullable=False),
)

quality_pending = Table(
    "quality_pending",
    metadata,
    # Issues whose quality hits are still to be computed: those stored before the hits
    # were kept (revision 0008; save_issues keeps each page's hits itself). vger db
    # upgrade (and the end of each sync run) computes them in one batch; until then the
    # report computes theirs from their own history when read.
    Column("board_id", Integer, primary_key=True),
    Column("issue_id", String(64), primary_key=True),
    ForeignKeyConstraint(
        ["board_id", "issue_id"], ["issue.board_id", "issue.issue_id"], ondelete="CASCADE"
    ),
)

pull_request = Table(
    "pull_request",
    metadata,
    Column("repo_id", Integer, ForeignKey("repo.id", ondelete="CASCADE"), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("title", Text, nullable=False, default=""),
    Column("author", String(200), nullable=True),
    Column("state", String(16), nullable=False),  # open | merged | rejected
    Column("draft", Boolean, nullable=False, default=False),
    Column("created", UTCDateTime, nullable=False),
    Column("updated", UTCDateTime, nullable=True),
    Column("merged", UTCDateTime, nullable=True),
    Column("closed", UTCDateTime, nullable=True),
    Column("additions", Integer, nullable=True),
    Column("deletions", Integer, nullable=True),
    Column("url", String(500), nullable=True),
    Index("ix_pull_request_repo_merged", "repo_id", "merged"),
)

# Derived when a pull request is saved (etl.github_reviews, vger.metrics.pr_stages): its
# review stages in days, draft time excluded, so the stages view reads one row per PR.
pull_request_stage = Table(
    "pull_request_stage",
    metadata,
    Column("repo_id", Integer, primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("first_review", UTCDateTime, nullable=True),
    Column("last_approval", UTCDateTime, nullable=True),
    Column("wait_days", Float, nullable=True),  # created -> first review
    Column("review_days", Float, nullable=True),  # first review -> last approval
    Column("merge_days", Float, nullable=True),  # last approval -> merged
    Column("rounds", Integer, nullable=False, default=0),
    Column("draft_days", Float, nullable=False, default=0.0),
    Column("cut", Boolean, nullable=False, default=False),  # more reviews than fetched
    ForeignKeyConstraint(
        ["repo_id", "number"],
        ["pull_request.repo_id", "pull_request.number"],
        ondelete="CASCADE",
    ),
)

pull_issue_link = Table(
    "pull_issue_link",
    metadata,
    # The Jira keys a pull request names in its title, branch or body
    # (vger.metrics.links.candidate_keys), written when the PR is saved. Linked by key,
    # not by issue id, so an issue stored later still joins; restricted to the board's
    # projects when read.
    Column("repo_id", Integer, primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("issue_key", String(64), primary_key=True),
    ForeignKeyConstraint(
        ["repo_id", "number"],
        ["pull_request.repo_id", "pull_request.number"],
        ondelete="CASCADE",
    ),
    Index("ix_pull_issue_link_issue_key", "issue_key"),
)

tag = Table(
    "tag",
    metadata,
    Column("repo_id", Integer, ForeignKey("repo.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(250), primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("sha", String(64), nullable=True),
)

sync = Table(
    "sync",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", String(16), nullable=False),  # jira | github | demo
    Column("scope", String(250), nullable=False),  # board slug or owner/name
    Column("board_id", Integer, ForeignKey("board.id", ondelete="CASCADE"), nullable=True),
    Column("started", UTCDateTime, nullable=False),
    Column("finished", UTCDateTime, nullable=True),
    Column("status", String(16), nullable=False),  # running | ok | failed
    Column("watermark", UTCDateTime, nullable=True),  # resume point of the next run
    Column("cursor", Text, nullable=True),  # page token / offset inside an unfinished run
    Column("counts", Text, nullable=True),  # JSON: added, updated, removed, requests, ...
    Column("error", Text, nullable=True),
    Index("ix_sync_scope", "source", "scope", "id"),
)

sync_lock = Table(
    "sync_lock",
    metadata,
    Column("scope", String(250), primary_key=True),
    Column("owner", String(200), nullable=False),
    Column("acquired", UTCDateTime, nullable=False),
)

# --- web state shared by every worker (when no Redis is configured) ----------------------

web_session = Table(
    "web_session",
    metadata,
    Column("id", String(64), primary_key=True),  # sha256 of the cookie's session token
    Column("user_name", String(200), nullable=False),
    Column("password_tag", String(64), nullable=False),  # which admin password it logged in with
    Column("created", UTCDateTime, nullable=False),
    Column("last_seen", UTCDateTime, nullable=False),
    Index("ix_web_session_last_seen", "last_seen"),
)

rate_limit = Table(
    "rate_limit",
    metadata,
    Column("key", String(250), primary_key=True),
    Column("count", Integer, nullable=False),
    Column("expires", Float, nullable=False),  # Unix seconds
)
