"""Jira ETL budgets: ``python -m bench.etl_bench [--issues N] [--postgres URL]``.

1. Transform + load, SQLite and PostgreSQL side by side (network excluded): recorded
   search pages (100 issues of 10 status moves each) fed in-process to the transform and
   ``save_issues`` with the watermark checkpoint, one transaction per page, as the sync
   does (each page with its data-quality hits), then ``finish_run``. Rate = issues / CPU
   seconds of this process (``time.process_time``; the wall-clock rate is printed
   beside). The PostgreSQL server's backend is another process: its CPU is not in the
   rate, and is printed below it when the server runs on this machine (``/proc``).
   Goals (issue 17): >= 20,000 issues/CPU-s on SQLite, >= 10,000 on PostgreSQL.
   PostgreSQL runs in a schema of its own (``--pg-schema``), dropped afterwards;
   skipped when the server does not answer.
2. A full sync against the fake Jira (Cloud and Data Center): requests made vs the
   minimum (search pages + changelog pages of truncated issues only); goal ratio 1.0.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from etl.jira_client import CHANGELOG_PAGE, PAGE
from etl.jira_sync import sync_board
from etl.jira_transform import PageRows, transform_issue
from tests.etl.fake_jira import FakeJira, jira_time
from vger.config import Settings
from vger.store import boards, sync, teams, workflows
from vger.store.db import make_engine, upgrade
from vger.store.issues import save_issues

T0 = datetime(2023, 1, 2, 9, 0, tzinfo=UTC)
STATES = [
    ("Backlog", ["1"]),
    ("Ready", ["2"]),
    ("Doing", ["3"]),
    ("Review", ["4"]),
    ("Done", ["5"]),
]
NAMES = {"1": "To Do", "2": "Selected", "3": "In Progress", "4": "In Review", "5": "Done"}
CYCLE = ["1", "2", "3", "4", "3", "4", "2", "3", "4", "5", "5"]


def recorded_doc(k: int, moves: int = 10) -> dict:
    created = T0 + timedelta(minutes=7 * k)
    histories = []
    path = CYCLE[: moves + 1]
    for j in range(moves):
        at = created + timedelta(hours=5 * (j + 1))
        a, b = path[j], path[j + 1]
        histories.append(
            {
                "id": str(k * 100 + j),
                "created": jira_time(at),
                "items": [
                    {
                        "field": "status",
                        "fieldtype": "jira",
                        "fieldId": "status",
                        "from": a,
                        "fromString": NAMES[a],
                        "to": b,
                        "toString": NAMES[b],
                    }
                ],
            }
        )
    last = path[moves]
    return {
        "id": str(10000 + k),
        "key": f"B-{k + 1}",
        "fields": {
            "summary": f"issue {k}",
            "issuetype": {"name": "Bug" if k % 3 == 0 else "Story", "subtask": False},
            "status": {
                "id": last,
                "name": NAMES[last],
                "statusCategory": {"key": "done" if last == "5" else "indeterminate"},
            },
            "resolution": {"name": "Done"} if last == "5" else None,
            "created": jira_time(created),
            "updated": histories[-1]["created"],
        },
        "changelog": {
            "startAt": 0,
            "maxResults": moves,
            "total": moves,
            "histories": list(reversed(histories)),
        },
    }


def store(tmp: Path, name: str, engine=None):
    engine = engine or make_engine(f"sqlite:///{tmp / name}")
    upgrade(engine)
    with engine.begin() as conn:
        teams.add_team(conn, "t")
        boards.add_board(conn, "b", "t", jql="project = B")
        board = boards.get_board(conn, "b")
        workflows.set_workflow(conn, board.id, STATES, (1, 3))
    return engine, board


@contextmanager
def postgres_engine(url: str, schema: str):
    """An engine on a fresh schema ``schema`` of ``url``, dropped on exit."""
    admin = create_engine(make_engine(url).url, connect_args={"connect_timeout": 3})
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(admin.url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def backend_cpu(conn) -> tuple[int, float] | None:
    """(pid, CPU seconds, user + system) of the PostgreSQL backend serving ``conn`` so
    far, from ``/proc`` (a server on this machine); None on SQLite or when unreadable."""
    if conn.dialect.name != "postgresql":
        return None
    pid = conn.connection.dbapi_connection.info.backend_pid
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return pid, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_load(n: int, tmp: Path, engine=None) -> tuple[float, float, float | None]:
    """(issues per CPU second, issues per wall second, the PostgreSQL backend's CPU
    seconds or None) of transform + load + finish."""
    pages = [[recorded_doc(k) for k in range(p, min(p + PAGE, n))] for p in range(0, n, PAGE)]
    # The recorded pages stand for JSON the sync holds one page at a time; kept out of the
    # collector's scans, which the sync never makes over every page at once (with them the
    # full collections the load triggers rescan n documents' dicts: ~10 % of its CPU).
    gc.freeze()
    engine, board = store(tmp, "load.db", engine)
    with engine.begin() as conn:
        run_id = sync.start_run(conn, "jira", "b", board.id)
        server = backend_cpu(conn)  # the pool hands this connection to every page
    wall, cpu = time.perf_counter(), time.process_time()
    for page in pages:
        rows = PageRows()
        for doc in page:
            rows.add(transform_issue(doc))
        with engine.begin() as conn:
            save_issues(conn, board, rows.issues, rows.transitions, flags=rows.flags)
            sync.checkpoint(conn, run_id, watermark=rows.issues[-1]["updated"], cursor=None)
    with engine.begin() as conn:
        sync.finish_run(conn, run_id, "ok")
        after = backend_cpu(conn)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    gc.unfreeze()
    engine.dispose()
    same = server is not None and after is not None and server[0] == after[0]
    return n / cpu, n / wall, after[1] - server[1] if same else None


def bench_requests(mode: str, n: int, tmp: Path) -> tuple[int, int, int, float]:
    with FakeJira(mode) as fake:
        for sid, name in NAMES.items():
            fake.add_status(sid, name, "done" if sid == "5" else "indeterminate")
        truncated = 0
        minimum_changelog = 0
        for k in range(n):
            moves = 10 if k % 20 else 160  # 5 % of the issues have long histories
            path = [CYCLE[j % 10] if j < 10 else ("3" if j % 2 else "4") for j in range(moves + 1)]
            path = [a for a in path]
            created = T0 + timedelta(minutes=7 * k)
            steps = []
            prev = "1"
            for j in range(moves):
                nxt = "2" if prev == "1" else ("3" if prev != "3" else "4")
                steps.append((created + timedelta(minutes=30 * (j + 1)), prev, nxt))
                prev = nxt
            fake.add_issue(str(20000 + k), f"B-{k + 1}", created=created, status=prev, moves=steps)
            if moves > fake.embedded:
                truncated += 1
                missing = moves - fake.embedded
                minimum_changelog += math.ceil(missing / CHANGELOG_PAGE) if mode == "cloud" else 1
        engine, board = store(tmp, f"{mode}.db")
        settings = Settings(
            _env_file=None,
            jira_url=fake.url,
            jira_token=fake.token,
            jira_user=fake.user if mode == "cloud" else None,
            jira_timeout=10,
            jira_retries=2,
        )
        t = time.perf_counter()
        report = sync_board(engine, board, settings, full=True)
        seconds = time.perf_counter() - t
        assert report.ok, report.error
        data = sum(1 for r in fake.log if "/search" in r["path"] or "/issue/" in r["path"])
        minimum = math.ceil(n / PAGE) + minimum_changelog
        engine.dispose()
        return report.requests, data, minimum, seconds


def report_load(name: str, rates: tuple[float, float, float | None], goal: int, n: int) -> None:
    cpu, wall, server = rates
    verdict = "OK" if cpu >= goal else "BELOW GOAL"
    print(
        f"  {name:<10} {cpu:>8,.0f} issues/CPU-s  ({wall:,.0f} issues/s wall)"
        f"  goal >= {goal:,} per CPU-s: {verdict}"
    )
    if server is not None:  # not in the rate above: another process
        print(
            f"  {'':<10} client {1e6 / cpu:,.0f} µs/issue; the server's backend"
            f" {server / n * 1e6:,.0f} µs/issue more ({n / server:,.0f} issues per its CPU-s)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=5000, help="issues for the load benchmark")
    parser.add_argument(
        "--sync-issues", type=int, default=1000, help="issues served by the fake Jira"
    )
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432/test",
        help="PostgreSQL server for the load benchmark",
    )
    parser.add_argument("--pg-schema", default="etl_bench", help="scratch schema (dropped)")
    parser.add_argument("--load-only", action="store_true", help="skip the fake-Jira syncs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        print(
            f"transform + load + finish_run, {args.issues} issues of 10 transitions, pages of {PAGE}:"
        )
        report_load("SQLite", bench_load(args.issues, tmp), 20_000, args.issues)
        try:
            with postgres_engine(args.postgres, args.pg_schema) as engine:
                report_load("PostgreSQL", bench_load(args.issues, tmp, engine), 10_000, args.issues)
        except OSError as exc:  # pragma: no cover - no server here
            print(f"  PostgreSQL: skipped ({exc})")
        for mode in () if args.load_only else ("cloud", "dc"):
            total, data, minimum, seconds = bench_requests(mode, args.sync_issues, tmp)
            print(
                f"full sync ({mode}, {args.sync_issues} issues, 5 % with 160 moves): "
                f"{data} search+changelog requests vs minimum {minimum} -> ratio {data / minimum:.2f} (goal 1.0); "
                f"{total} requests in all (+{total - data} setup: serverInfo, myself); {seconds:.1f} s"
            )


if __name__ == "__main__":
    main()
