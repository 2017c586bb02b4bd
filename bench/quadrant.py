"""Quadrant budgets (issue 2): a 100,000-issue board with 1,000,000 transitions.

    python -m bench.quadrant [--issues 100000] [--db PATH]

Prints: load rate through the real load path; time to read the quadrant's rows from
SQLite into DataFrames; time of all quadrant series (read + compute) over a two-year
range, and their ratio; peak memory of a fresh process doing the quadrant; and how
long `vger demo` takes to serve its first page.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

STATES = [
    ("Backlog", ["1"]),
    ("Ready", ["2"]),
    ("In Progress", ["3"]),
    ("Review", ["4"]),
    ("Test", ["5"]),
    ("Done", ["6", "7"]),
]
NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
TYPES = ["Story", "Bug", "Task"]


def generate(engine, issues: int, seed: int = 1) -> tuple[int, float]:
    """Write ``issues`` issues with 10 transitions each through save_issues; returns (transitions, seconds)."""
    from vger.store import boards
    from vger.store.issues import save_issues

    rng = random.Random(seed)
    with engine.begin() as conn:
        boards.add_team(conn, "bench", "Bench team", tz="Europe/Berlin")
        board_id = boards.add_board(conn, "bench", "bench", name="Bench board", jql="project = B")
        boards.set_workflow(conn, board_id, STATES, (1, 4))
        boards.set_work_types(
            conn, board_id, {"Feature": ["Story"], "Defect": ["Bug"], "Task": ["Task"]}
        )
        board = boards.get_board(conn, "bench")
    span = timedelta(days=730).total_seconds()
    start = NOW - timedelta(days=760)
    path = ["1", "2", "3", "4", "3", "4", "5", "3", "4", "5", "6"]  # 10 moves, with backward moves
    total = 0
    began = time.perf_counter()
    batch_i, batch_t = [], []
    for n in range(issues):
        created = start + timedelta(seconds=rng.random() * span)
        at = created
        moves = []
        for k in range(10):
            at = at + timedelta(hours=rng.expovariate(1 / 14))
            moves.append(
                {
                    "issue_id": str(n),
                    "seq": k,
                    "at": at,
                    "from_status_id": path[k],
                    "to_status_id": path[k + 1],
                    "from_status": None,
                    "to_status": None,
                }
            )
        done = at <= NOW
        if not done:
            moves = [m for m in moves if m["at"] <= NOW]
        status = moves[-1]["to_status_id"] if moves else "1"
        batch_i.append(
            {
                "issue_id": str(n),
                "key": f"B-{n}",
                "issue_type": TYPES[n % 3],
                "is_subtask": False,
                "summary": f"Issue {n}",
                "status_id": status,
                "status_name": None,
                "resolution": ("Won't Do" if n % 17 == 0 else "Done")
                if status in ("6", "7")
                else None,
                "created": created,
                "updated": at,
            }
        )
        batch_t.extend(moves)
        total += len(moves)
        if len(batch_i) == 2000:
            with engine.begin() as conn:
                save_issues(conn, board, batch_i, batch_t)
            batch_i, batch_t = [], []
    if batch_i:
        with engine.begin() as conn:
            save_issues(conn, board, batch_i, batch_t)
    return total, time.perf_counter() - began


def measure(db: str, repeat: int = 3) -> dict:
    """Read-only timings of the quadrant on ``db`` (best of ``repeat``)."""

    from vger.store import boards, queries
    from vger.store.db import make_engine
    from vger.web.params import ViewParams
    from vger.web.views.common import choose_board
    from vger.web.views.quadrant.data import quadrant_data

    engine = make_engine(f"sqlite:///{db}")
    first, last = (NOW - timedelta(days=730)).date(), NOW.date()
    out: dict[str, float] = {}
    for mode in ("overall", "states"):
        reads, totals = [], []
        for _ in range(repeat):
            with engine.connect() as conn:
                board = boards.get_board(conn, "bench")
                t0 = time.perf_counter()
                # the columns the charts read
                queries.issue_items(conn, board, lean=True, state_days=mode == "states")
                reads.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                params = ViewParams(board="bench", start=first, end=last, leadtime=mode)
                data = quadrant_data(conn, choose_board(conn, params), NOW)
                totals.append(time.perf_counter() - t0)
        out[f"{mode}_read_s"] = min(reads)
        out[f"{mode}_quadrant_s"] = min(totals)
        out[f"{mode}_weeks"] = len(data.grid)
        out[f"{mode}_completed"] = int(len(data.completed))
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def demo_first_page(tmp: Path) -> float:
    """Seconds from starting `vger demo` to a 200 on its first page."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    began = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "vger", "demo", "--port", str(port), "--db", str(tmp / "demo.db")],
        cwd=tmp,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = began + 60
        while time.perf_counter() < deadline:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/quadrant?board=platform", timeout=2
                ) as r:
                    if r.status == 200:
                        return time.perf_counter() - began
            except OSError:
                time.sleep(0.1)
        return float("nan")
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--issues", type=int, default=100_000)
    parser.add_argument("--db", default=None, help="reuse/keep the generated SQLite file")
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure_only:
        print(json.dumps(measure(args.db)))
        return
    from vger.store.db import make_engine, upgrade

    tmp = Path(tempfile.mkdtemp(prefix="vger-bench-"))
    db = Path(args.db) if args.db else tmp / "bench.db"
    if not db.exists():
        engine = make_engine(f"sqlite:///{db}")
        upgrade(engine)
        transitions, seconds = generate(engine, args.issues)
        print(
            f"load path: {args.issues:,} issues, {transitions:,} transitions in {seconds:.1f} s = {args.issues / seconds:,.0f} issues/s through save_issues (derivation included)"
        )
    # A fresh process, so peak memory is the quadrant's alone.
    result = json.loads(
        subprocess.check_output(
            [sys.executable, "-m", "bench.quadrant", "--measure-only", "--db", str(db)],
            env={**os.environ},
        )
    )
    for mode in ("overall", "states"):
        read, total = result[f"{mode}_read_s"], result[f"{mode}_quadrant_s"]
        verdict = "OK" if total <= 1.0 and total <= 3 * read else "OVER BUDGET"
        print(
            f"quadrant (lead time {mode}): {result[f'{mode}_weeks']} weeks, {result[f'{mode}_completed']:,} completed; read rows {read:.3f} s; all series {total:.3f} s; ratio {total / read:.2f}x  [{verdict}: <= 1 s and <= 3x]"
        )
    print(
        f"peak memory of the quadrant process: {result['peak_rss_mb']:.0f} MB  [{'OK' if result['peak_rss_mb'] <= 1024 else 'OVER BUDGET'}: <= 1024 MB]"
    )
    first = demo_first_page(tmp)
    print(
        f"`vger demo` first page served after {first:.1f} s  [{'OK' if first <= 15 else 'OVER BUDGET'}: <= 15 s]"
    )


if __name__ == "__main__":
    main()
