"""bench.scale's stores: PostgreSQL schemas and generated boards (issues with ten moves
each, written with COPY)."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
PG = os.environ.get("VGER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
STATES = [
    ("Backlog", ["1"]),
    ("Ready", ["2"]),
    ("In Progress", ["3"]),
    ("Review", ["4"]),
    ("Test", ["5"]),
    ("Done", ["6", "7"]),
]
NAMES = {
    "1": "To Do",
    "2": "Selected",
    "3": "In Progress",
    "4": "In Review",
    "5": "Testing",
    "6": "Done",
    "7": "Closed",
}
TYPES = np.array(["Story", "Bug", "Task"], dtype=object)
# 10 moves with backward moves; an open issue stops in Review instead of Done
DONE_PATH = ["1", "2", "3", "4", "3", "4", "5", "3", "4", "5", "6"]
OPEN_PATH = ["1", "2", "3", "4", "3", "4", "5", "3", "4", "5", "4"]


def say(text: str) -> None:
    print(text, flush=True)


def schema_url(schema: str) -> str:
    sep = "&" if "?" in PG else "?"
    return f"{PG}{sep}options=-csearch_path%3D{schema}"


def fresh_schema(schema: str) -> sa.Engine:
    from vger.store.db import upgrade

    admin = sa.create_engine(PG)
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    engine = sa.create_engine(schema_url(schema))
    upgrade(engine)
    return engine


def drop_schema(schema: str) -> None:
    admin = sa.create_engine(PG)
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


# --- 1. generation -------------------------------------------------------------------


def board_sizes(total: int, boards: int, big: int) -> list[int]:
    big = min(big, total)
    if boards == 1:
        return [total]
    rest = total - big
    each, extra = divmod(rest, boards - 1)
    return [big] + [each + (1 if k < extra else 0) for k in range(boards - 1)]


def make_board(conn, k: int, slug: str):
    from vger.store import boards, teams, workflows

    if k == 0:
        teams.add_team(conn, "scale", "Scale team", tz="Europe/Berlin")
    board_id = boards.add_board(conn, slug, "scale", name=f"Scale board {k}", jql=f"project = S{k}")
    workflows.set_workflow(conn, board_id, STATES, (1, 4))
    workflows.set_work_types(
        conn, board_id, {"Feature": ["Story"], "Defect": ["Bug"], "Task": ["Task"]}
    )
    workflows.upsert_statuses(
        conn, board_id, [{"status_id": s, "name": n} for s, n in NAMES.items()]
    )
    return boards.get_board(conn, slug), workflows.get_workflow(conn, board_id)


def generate_board(rng, n: int, moves: int, now: pd.Timestamp, prefix: str):
    """numpy-built issues and transitions of one board (every issue has ``moves`` moves)."""
    ids = np.arange(n)
    span = 730 * 86_400.0
    created_s = now.value / 1e9 - 2 * 86_400 - rng.random(n) * span
    gaps = rng.exponential(14 * 3600.0, size=(n, moves))
    total = gaps.sum(axis=1)
    room = (now.value / 1e9 - 3600) - created_s
    scale = np.minimum(1.0, 0.95 * room / total)
    at_s = created_s[:, None] + np.cumsum(gaps * scale[:, None], axis=1)
    is_open = rng.random(n) < 0.12
    abandoned = (~is_open) & (rng.random(n) < 0.05)
    path_done = np.array(DONE_PATH[: moves + 1], dtype=object)
    path_open = np.array(OPEN_PATH[: moves + 1], dtype=object)
    frm = np.where(is_open[:, None], path_open[None, :-1], path_done[None, :-1])
    to = np.where(is_open[:, None], path_open[None, 1:], path_done[None, 1:])
    status = to[:, -1]
    issue_id = np.char.add(prefix, ids.astype(str)).astype(object)
    key = np.char.add(f"{prefix}-", (ids + 1).astype(str)).astype(object)
    resolution = np.where(is_open, None, np.where(abandoned, "Won't Do", "Done"))
    created = pd.to_datetime((created_s * 1e9).astype("int64"), utc=True)
    updated = pd.to_datetime((at_s[:, -1] * 1e9).astype("int64"), utc=True)
    issues = pd.DataFrame(
        {
            "issue_id": issue_id,
            "key": key,
            "issue_type": TYPES[ids % 3],
            "is_subtask": False,
            "parent_key": None,
            "summary": np.char.add("Issue ", ids.astype(str)).astype(object),
            "status_id": status,
            "status_name": [NAMES[s] for s in status],
            "resolution": resolution,
            "created": created,
            "updated": updated,
        }
    )
    flat_at = pd.to_datetime((at_s.ravel() * 1e9).astype("int64"), utc=True)
    transitions = pd.DataFrame(
        {
            "issue_id": np.repeat(issue_id, moves),
            "seq": np.tile(np.arange(moves), n),
            "at": flat_at,
            "from_status_id": frm.ravel(),
            "to_status_id": to.ravel(),
        }
    )
    transitions["from_status"] = transitions["from_status_id"].map(NAMES)
    transitions["to_status"] = transitions["to_status_id"].map(NAMES)
    return issues, transitions


def copy_frame(cur, table: str, frame: pd.DataFrame, chunk: int = 500_000) -> None:
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    with cur.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT csv)") as copy:
        for start in range(0, len(frame), chunk):
            buf = io.StringIO()
            frame.iloc[start : start + chunk].to_csv(
                buf, index=False, header=False, date_format="%Y-%m-%dT%H:%M:%S.%f%z"
            )
            copy.write(buf.getvalue())


def generate(engine: sa.Engine, sizes: list[int], moves: int, now: pd.Timestamp) -> dict:
    from vger.metrics.events import derive_events
    from vger.store.sync import finish_run, start_run

    rng = np.random.default_rng(7)
    t_gen = t_derive = t_copy = 0.0
    totals = {"issues": 0, "transitions": 0, "state_times": 0}
    began = time.perf_counter()
    for k, n in enumerate(sizes):
        slug = "big" if k == 0 else f"b{k:02d}"
        with engine.begin() as conn:
            board, workflow = make_board(conn, k, slug)
            run = start_run(conn, "jira", slug, board.id)
        t = time.perf_counter()
        issues, transitions = generate_board(rng, n, moves, now, f"S{k}")
        t_gen += time.perf_counter() - t
        t = time.perf_counter()
        result = derive_events(
            issues[["issue_id", "created", "status_id", "resolution"]],
            transitions[["issue_id", "seq", "at", "from_status_id", "to_status_id"]],
            workflow,
            tz=board.tz,
            abandoned=board.abandoned,
        )
        ev = result.events.set_index("issue_id")
        for column in ("start", "done", "outcome", "lead_time_days", "lead_time_working_days"):
            issues[column] = ev[column].reindex(issues["issue_id"]).to_numpy()
        st = result.state_times[["issue_id", "position", "state", "days", "working_days"]].copy()
        t_derive += time.perf_counter() - t
        t = time.perf_counter()
        issues.insert(0, "board_id", board.id)
        transitions.insert(0, "board_id", board.id)
        st.insert(0, "board_id", board.id)
        with engine.begin() as conn:
            raw = conn.connection.driver_connection
            with raw.cursor() as cur:
                cur.execute("SET LOCAL session_replication_role = replica")  # skip FK checks
                copy_frame(cur, "issue", issues)
                copy_frame(cur, "transition", transitions)
                copy_frame(cur, "issue_state_time", st)
            finish_run(conn, run, "ok", counts={"added": n}, watermark=now.to_pydatetime())
        t_copy += time.perf_counter() - t
        totals["issues"] += n
        totals["transitions"] += len(transitions)
        totals["state_times"] += len(st)
        if k % 10 == 0 or k == len(sizes) - 1:
            say(
                f"  board {k + 1}/{len(sizes)}: {totals['issues']:,} issues, "
                f"{totals['transitions']:,} transitions, {time.perf_counter() - began:.0f} s"
            )
    t = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("ANALYZE"))
    totals.update(
        generate_s=t_gen, derive_s=t_derive, copy_s=t_copy, analyze_s=time.perf_counter() - t
    )
    totals["total_s"] = time.perf_counter() - began
    return totals
