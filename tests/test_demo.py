"""The demo simulator: deterministic, written through the load path, and realistic
enough that the dashboard's charts show what real teams show."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from vger.demo import build_demo
from vger.store import boards, queries, workflows
from vger.store import schema as s
from vger.store.db import make_engine, upgrade
from vger.store.sync import last_success, runs

NOW = datetime(2025, 3, 12, 14, 30, tzinfo=UTC)
TZ = ZoneInfo("Europe/Berlin")
SUMMARY = re.compile(
    r"^2 teams, 2 boards, ([\d,]+) issues, ([\d,]+) transitions, "
    r"([\d,]+) pull requests, ([\d,]+) tags$"
)


def _build(path, seed: int = 7, now: datetime = NOW):
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    started = time.perf_counter()
    summary = build_demo(engine, seed=seed, now=now)
    return engine, summary, time.perf_counter() - started


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    engine, summary, elapsed = _build(tmp_path_factory.mktemp("demo") / "d.db")
    yield engine, summary, elapsed
    engine.dispose()


@pytest.fixture(scope="module")
def platform(demo):
    engine = demo[0]
    with engine.connect() as conn:
        board = boards.get_board(conn, "platform")
        items = queries.issue_items(conn, board)
        everything = pd.read_sql(
            sa.select(s.issue).where(s.issue.c.board_id == board.id).order_by(s.issue.c.key), conn
        )
        moves = pd.read_sql(
            sa.select(s.transition)
            .where(s.transition.c.board_id == board.id)
            .order_by(s.transition.c.issue_id, s.transition.c.seq),
            conn,
        )
    moves["at"] = pd.to_datetime(moves["at"], utc=True)
    for column in ("created", "updated", "start", "done"):
        everything[column] = pd.to_datetime(everything[column], utc=True)
    return board, items, everything, moves


def _table(engine, table: sa.Table, order: list[str], drop: tuple[str, ...] = ()) -> pd.DataFrame:
    with engine.connect() as conn:
        frame = pd.read_sql(sa.select(table).order_by(*[table.c[c] for c in order]), conn)
    return frame.drop(columns=list(drop))


def _weekly(items: pd.DataFrame) -> pd.Series:
    """Completed issues per complete week (Monday 00:00 Europe/Berlin), zeros included."""
    done = items.loc[items["outcome"] == "completed", "done"].dt.tz_convert(TZ).dt.tz_localize(None)
    monday = done.dt.normalize() - pd.to_timedelta(done.dt.day_of_week, unit="D")
    now = pd.Timestamp(NOW).tz_convert(TZ).tz_localize(None)
    this_week = now.normalize() - pd.Timedelta(days=now.day_of_week)
    first = monday.min() + pd.Timedelta(days=7)  # the first week is partial
    weeks = pd.date_range(first, this_week - pd.Timedelta(days=7), freq="7D")
    return monday.value_counts().reindex(weeks, fill_value=0)


# ---------------------------------------------------------------------------------------


def test_summary_counts(demo):
    """The summary line counts what was stored (the build time is bench.quadrant's)."""
    engine, summary, _ = demo
    match = SUMMARY.match(summary)
    assert match, summary
    issues, transitions, pulls, tags = (int(g.replace(",", "")) for g in match.groups())
    with engine.connect() as conn:
        count = lambda t: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()  # noqa: E731
        assert (count(s.issue), count(s.transition)) == (issues, transitions)
        assert (count(s.pull_request), count(s.tag)) == (pulls, tags)
        platform = conn.execute(
            sa.select(sa.func.count())
            .select_from(s.issue.join(s.board))
            .where(s.board.c.slug == "platform")
        ).scalar_one()
    assert 2500 <= platform <= 4000
    assert 600 <= issues - platform <= 1100


def test_deterministic(demo, tmp_path):
    engine = demo[0]
    again, summary, _ = _build(tmp_path / "again.db")
    assert summary == demo[1]
    tables = [
        (s.issue, ["board_id", "issue_id"]),
        (s.transition, ["board_id", "issue_id", "seq"]),
        (s.issue_state_time, ["board_id", "issue_id", "position"]),
        (s.pull_request, ["repo_id", "number"]),
        (s.tag, ["repo_id", "name"]),
        (s.team, ["id"]),
        (s.board, ["id"]),
        (s.repo, ["id"]),
    ]
    for table, order in tables:
        pd.testing.assert_frame_equal(_table(engine, table, order), _table(again, table, order))
    other, other_summary, _ = _build(tmp_path / "other.db", seed=8)
    assert other_summary != summary
    again.dispose()
    other.dispose()


def test_configuration(demo):
    engine = demo[0]
    with engine.connect() as conn:
        board = boards.get_board(conn, "platform")
        assert (board.name, board.team_slug, board.team_name) == (
            "Platform board",
            "platform",
            "Platform",
        )
        assert (board.tz, board.fiscal_start_month, board.jql) == (
            "Europe/Berlin",
            4,
            "project = PLAT",
        )
        assert board.browse_url == "https://jira.example.com" and not board.include_subtasks
        workflow = workflows.get_workflow(conn, board.id)
        assert workflow.state_names == ["Backlog", "Ready", "In Progress", "Review", "Test", "Done"]
        assert (workflow.interval_start, workflow.interval_end) == (1, 4)
        assert workflows.work_types(conn, board.id) == {
            "Defect": ["Bug"],
            "Feature": ["Story"],
            "Task": ["Task"],
        }
        names = workflows.statuses(conn, board.id)
        assert {"Open", "To Do", "Selected", "In Progress", "In Review", "In QA", "Done"} <= set(
            names.values()
        )
        assert workflows.unmapped_statuses(conn, board.id) == {}
        assert sorted(boards.repos(conn, board.id)) == [
            "example/platform-api",
            "example/platform-web",
        ]
        mobile = boards.get_board(conn, "mobile")
        assert (mobile.tz, mobile.fiscal_start_month) == ("America/New_York", 1)
        assert [b.slug for b in boards.list_boards(conn)] == ["mobile", "platform"]
        demo_runs = runs(conn, source="demo")
        assert {r["scope"] for r in demo_runs} == {"platform", "mobile"}
        assert all(r["status"] == "ok" and r["counts"]["issues"] > 0 for r in demo_runs)
        assert last_success(conn, board.id) is not None


def test_issue_shapes(platform):
    _, _, everything, moves = platform
    assert everything["key"].str.fullmatch(r"PLAT-\d+").all()
    numbers = sorted(int(k.split("-")[1]) for k in everything["key"])
    assert numbers == list(range(1, len(numbers) + 1))
    assert everything["issue_id"].str.fullmatch(r"\d+").all()
    # keys follow creation order, as in Jira
    by_number = everything.assign(n=everything["key"].str[5:].astype(int)).sort_values("n")
    assert by_number["created"].is_monotonic_increasing
    # updated = the last transition (or creation)
    last = moves.groupby("issue_id")["at"].max()
    updated = everything.set_index("issue_id")["updated"]
    assert (updated.loc[last.index] == last).all()
    # every issue's history is in time order and chained
    assert moves.groupby("issue_id")["at"].apply(lambda a: a.is_monotonic_increasing).all()
    chained = moves.groupby("issue_id").apply(
        lambda g: (
            g["from_status_id"].iloc[1:].to_numpy() == g["to_status_id"].iloc[:-1].to_numpy()
        ).all(),
        include_groups=False,
    )
    assert chained.all()
    current = moves.groupby("issue_id")["to_status_id"].last()
    assert (everything.set_index("issue_id")["status_id"].loc[current.index] == current).all()
    summaries = everything.loc[~everything["is_subtask"], "summary"]
    assert summaries.nunique() > 300 and summaries.str.len().between(10, 120).all()


def test_data_ends_near_now(platform, demo):
    _, items, everything, moves = platform
    done = items["done"].dropna()
    assert NOW - timedelta(days=7) < done.max() < NOW
    assert moves["at"].max() < NOW and everything["created"].max() < NOW
    assert everything["created"].min() >= NOW - timedelta(days=731)
    with demo[0].connect() as conn:
        pulls = pd.read_sql(sa.select(s.pull_request), conn)
        tags = pd.read_sql(sa.select(s.tag), conn)
    for column in ("created", "updated", "merged", "closed"):
        assert pd.to_datetime(pulls[column], utc=True).max() < NOW
    assert pd.to_datetime(tags["at"], utc=True).max() < NOW


def test_weekly_throughput(platform):
    weekly = _weekly(platform[1])
    assert len(weekly) >= 100
    mean, cv = weekly.mean(), weekly.std(ddof=0) / weekly.mean()
    assert 15 <= mean <= 50, mean
    assert 0.15 <= cv <= 0.8, cv


def test_december_holidays_are_slow(platform):
    weekly = _weekly(platform[1])
    median = weekly.median()
    christmas = [w for w in weekly.index if w.month == 12 and 19 <= w.day <= 25]
    assert len(christmas) == 2  # two Decembers in two years
    assert all(weekly[w] < median for w in christmas), weekly[christmas]
    holiday = [w for w in weekly.index if w.month == 12 and w.day >= 18]
    assert weekly[holiday].mean() < 0.7 * median


def test_lead_times_by_type(platform):
    items = platform[1]
    completed = items[items["outcome"] == "completed"]
    median = completed.groupby("issue_type")["lead_time"].median()
    assert median["Bug"] < median["Task"] < median["Story"]
    assert 1 < median["Bug"] < 8 and 5 < median["Story"] < 25
    assert (completed["lead_time"] > 45).sum() >= 3  # outliers
    assert completed["lead_time"].notna().mean() > 0.95


def test_flow_patterns(platform):
    _, items, everything, moves = platform
    pos = {"10002": 1, "10003": 2, "10004": 3, "10005": 4}
    order = moves["from_status_id"].map(pos).fillna(-1), moves["to_status_id"].map(pos).fillna(-1)
    backward = moves[(order[1] >= 2) & (order[0] > order[1])]
    assert set(backward["from_status"]) == {"In Review", "In QA"}
    assert backward["issue_id"].nunique() > 100
    reopened = moves[moves["from_status"].isin(["Done", "Resolved"])]
    assert len(reopened) >= 10 and set(reopened["to_status"]) == {"In Progress"}
    reopened_issues = everything.set_index("issue_id").loc[reopened["issue_id"].unique()]
    assert (reopened_issues["outcome"] == "completed").mean() > 0.8
    # abandoned: from the backlog and from Ready, with the default abandoned resolutions
    abandoned = everything[everything["outcome"] == "abandoned"]
    assert set(abandoned["resolution"]) >= {"Won't Do", "Duplicate", "Cannot Reproduce"}
    closing = moves[
        moves["issue_id"].isin(abandoned["issue_id"]) & (moves["to_status"] == "Closed")
    ]
    assert {"Open", "To Do", "Selected"} <= set(closing["from_status"])
    assert 0.03 < len(abandoned) / len(everything) < 0.2
    # sub-tasks
    subtasks = everything[everything["is_subtask"]]
    assert len(subtasks) > 100 and (subtasks["issue_type"] == "Sub-task").all()
    assert subtasks["parent_key"].isin(everything["key"]).all()
    assert everything.loc[~everything["is_subtask"], "parent_key"].isna().all()
    assert not items["issue_type"].eq("Sub-task").any()  # the board leaves them out
    # open work at `now`: in progress and in the backlog
    open_status = set(everything.loc[everything["outcome"].isna(), "status_name"])
    assert {"To Do", "In Progress"} <= open_status


def test_working_hours(platform):
    moves = platform[3]
    local = moves["at"].dt.tz_convert(TZ)
    weekend = local.dt.day_of_week >= 5
    assert weekend.mean() < 0.05
    assert local.dt.hour.between(8, 18).mean() > 0.85


def test_pull_requests_and_tags(demo):
    engine = demo[0]
    with engine.connect() as conn:
        board = boards.get_board(conn, "platform")
        pulls = queries.pull_items(conn, board)
        raw = pd.read_sql(sa.select(s.pull_request), conn)
        tags = pd.read_sql(sa.select(s.tag), conn)
    assert len(pulls) > 500
    states = raw["state"].value_counts()
    assert states["merged"] > 0.7 * len(raw) and states["rejected"] > 50 and states["open"] >= 3
    assert raw["draft"].any() and not raw.loc[raw["state"] == "merged", "draft"].any()
    assert raw["url"].str.fullmatch(r"https://github\.com/example/[a-z-]+/pull/\d+").all()
    assert raw["author"].nunique() >= 5
    merged = raw[raw["state"] == "merged"]
    hours = (
        pd.to_datetime(merged["merged"], utc=True) - pd.to_datetime(merged["created"], utc=True)
    ).dt.total_seconds() / 3600
    assert (hours > 0).all() and 2 < hours.median() < 24 * 7 and hours.max() > 24 * 7
    assert raw["additions"].median() < 200 and raw["additions"].max() > 2000
    rejected = raw[raw["state"] == "rejected"]
    assert rejected["merged"].isna().all() and rejected["closed"].notna().all()
    assert raw.loc[raw["state"] == "open", ["merged", "closed"]].isna().all().all()
    at = pd.to_datetime(tags["at"], utc=True)
    assert (at > NOW - timedelta(days=90)).sum() >= 3
    assert tags["name"].str.fullmatch(r"v\d+\.\d+\.\d+").all()
    assert "v1.0.0" in set(tags["name"])


def test_on_every_backend(engine):
    """Builds on SQLite and PostgreSQL alike."""
    summary = build_demo(engine, seed=3, now=NOW)
    issues = int(SUMMARY.match(summary).group(1).replace(",", ""))
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(s.issue)).scalar_one() == issues
        board = boards.get_board(conn, "platform")
        items = queries.issue_items(conn, board)
    assert items["outcome"].eq("completed").sum() > 1500
    assert items["done"].max() < NOW


def test_default_now_is_the_current_time(tmp_path):
    engine, _, _ = _build(tmp_path / "now.db", now=datetime.now(UTC))
    with engine.connect() as conn:
        last = conn.execute(sa.select(sa.func.max(s.issue.c.done))).scalar_one()
    engine.dispose()
    engine = make_engine(f"sqlite:///{tmp_path / 'default.db'}")
    upgrade(engine)
    before = datetime.now(UTC)
    build_demo(engine, seed=7)
    with engine.connect() as conn:
        default_last = conn.execute(sa.select(sa.func.max(s.issue.c.done))).scalar_one()
    engine.dispose()
    assert before - timedelta(days=7) < default_last < datetime.now(UTC)
    assert abs(default_last - last) < timedelta(days=3)


def test_cli_demo_no_serve(tmp_path, monkeypatch):
    from vger.cli import cli

    monkeypatch.chdir(tmp_path)
    path = tmp_path / "x.db"
    path.write_text("stale")  # rebuilt on each start
    result = CliRunner().invoke(cli, ["demo", "--no-serve", "--db", str(path)])
    assert result.exit_code == 0, result.output
    assert f"Demo store {path}: 2 teams, 2 boards, " in result.output
    assert "pull requests" in result.output and "tags" in result.output
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        assert [b.slug for b in boards.list_boards(conn)] == ["mobile", "platform"]
    engine.dispose()
