"""Scale benchmark on the local PostgreSQL: ``python -m bench.scale [--issues N --boards B]``.

1. Generates ``--boards`` boards (default 50) with ``--issues`` issues in total (default
   1,000,000; one board has ``--big`` = 100,000 of them) and ``--moves`` transitions per
   issue (default 10: 10,000,000 transitions), in the schema ``--schema`` (default
   ``vger_scale``; dropped at the end unless ``--keep``). Rows are built with numpy, start/done/outcome/lead time and
   the time per work state come from ``vger.metrics.events.derive_events`` (one board at
   a time), and everything is loaded with PostgreSQL ``COPY`` (psycopg 3).
2. The quadrant of the big board, in process: the ``/api/v1/quadrant`` route and the
   page's chart callback (``quadrant.render``), cold (cache cleared) and cached.
3. gunicorn with 2 workers on loopback, ``--clients`` concurrent clients (default 20)
   for ``--seconds`` (default 30) requesting the big board's quadrant (page shell, chart
   callback, JSON): p50 / p95 / p99 and errors. Budget: p95 <= 1 s, zero errors.
4. ETL of ``--etl-boards`` boards x ``--etl-issues`` issues (default 50 x 200) against the
   fake Jira of tests/etl/fake_jira.py with 4 workers into the schema ``vger_scale_etl``:
   total time and requests.
5. Every view (:mod:`bench.views`) of a board of each ``--view-issues`` size (default
   100,000; e.g. ``100000,1000000``) on SQLite and PostgreSQL side by side: cold and warm
   CPU seconds, payload bytes, peak RSS, raw read and the ratio view / raw read, with the
   issue's budgets. ``--views-only`` runs just this step.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
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


# --- 2. in-process quadrant ------------------------------------------------------------


def in_process(url: str, repeat: int) -> dict:
    from vger.config import Settings
    from vger.web import cache, create_app
    from vger.web.params import parse
    from vger.web.views.quadrant import page as quadrant

    app = create_app(Settings(_env_file=None, database_url=url, secret_key="bench"))
    client = app.server.test_client()
    api = "/api/v1/quadrant?board=big"
    params = parse({"board": "big"}).params
    out: dict[str, list[float]] = {
        k: [] for k in ("api_cold", "api_cached", "render_cold", "render_cached")
    }
    for _ in range(repeat):
        with app.server.app_context():
            cache.clear()
        t = time.perf_counter()
        response = client.get(api)
        out["api_cold"].append(time.perf_counter() - t)
        assert response.status_code == 200, response.data[:300]
        t = time.perf_counter()
        assert client.get(api).status_code == 200
        out["api_cached"].append(time.perf_counter() - t)
        with app.server.app_context():
            cache.clear()
            t = time.perf_counter()
            quadrant.render(params)
            out["render_cold"].append(time.perf_counter() - t)
            t = time.perf_counter()
            result = quadrant.render(params)
            out["render_cached"].append(time.perf_counter() - t)
    body = json.loads(response.data)
    completed = sum(w["count"] for w in body["throughput"])
    app.server.extensions["vger"]["engine"].dispose()
    summary = {k: statistics.median(v) for k, v in out.items()}
    summary["completed_in_range"] = completed
    summary["status"] = str(result[-1])[:0]
    return summary


# --- 3. gunicorn under load ------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def chart_callback_payload(base: str, session) -> dict | None:
    """The POST the page's chart callback sends on load (from /_dash-dependencies)."""
    deps = session.get(base + "/_dash-dependencies", timeout=30).json()
    for dep in deps:
        if "quad-chart-throughput.figure" in dep["output"]:
            values = {"quad-board": "big", "quad-source": "jira", "quad-lines": "rolling"}
            values |= {"quad-leadtime": "overall", "quad-backlog": "absolute", "quad-tags": []}
            values |= {"quad-types": [], "quad-repos": []}
            inputs = [
                {"id": i["id"], "property": i["property"], "value": values.get(i["id"])}
                for i in dep["inputs"]
            ]
            outputs = [
                {"id": o.split(".")[0], "property": o.split(".")[1]}
                for o in dep["output"].strip(".").split("...")
                if o
            ]
            return {
                "output": dep["output"],
                "outputs": outputs,
                "inputs": inputs,
                "changedPropIds": [],
                "state": [],
            }
    return None


WRK_SCRIPT = """
local reqs = {}
local i = 0
init = function(args)
  local body = os.getenv("VGER_WRK_BODY")
  for path in string.gmatch(os.getenv("VGER_WRK_PATHS"), "[^ ]+") do
    if path == "CALLBACK" then
      reqs[#reqs + 1] = wrk.format("POST", "/_dash-update-component",
        {["Content-Type"] = "application/json"}, body)
    else
      reqs[#reqs + 1] = wrk.format("GET", path)
    end
  end
end
request = function()
  i = i + 1
  return reqs[(i % #reqs) + 1]
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK %d %d %d %d %d %d %d %d %d %d\\n", summary.requests,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


def start_gunicorn(url: str, workers: int):
    import requests

    port = free_port()
    env = {
        **os.environ,
        "VGER_DATABASE_URL": url,
        "VGER_SECRET_KEY": "bench",
        "VGER_BIND": f"127.0.0.1:{port}",
        "VGER_WORKERS": str(workers),
        "VGER_ACCESS_LOG": "/dev/null",
    }
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "vger.web:create_app()"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(base + "/health", timeout=2).status_code == 200:
                return proc, log, base
        except requests.RequestException:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            log.seek(0)
            stop_gunicorn(proc, log)
            raise RuntimeError("gunicorn did not start: " + log.read().decode()[-2000:])
        time.sleep(0.2)


def stop_gunicorn(proc, log) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    log.close()


def load_test(url: str, clients: int, seconds: float, workers: int) -> dict:
    """Scenarios against one gunicorn: ``page`` (the page shell and its chart callback in
    turn, what a browser opening the quadrant asks for besides cached static files) and
    ``api`` (the JSON route). wrk when installed, else a thread-pool client."""
    import requests

    proc, log, base = start_gunicorn(url, workers)
    try:
        session = requests.Session()
        payload = chart_callback_payload(base, session)
        probe = session.post(base + "/_dash-update-component", json=payload, timeout=60)
        if probe.status_code != 200:
            raise RuntimeError(
                f"chart callback probe: HTTP {probe.status_code}: {probe.text[:300]}"
            )
        # Warm every worker's cache (the cold case is measured above), each request on
        # a new connection: one kept-alive session stays with one worker, and the other
        # then computed its cold 1,000,000-issue quadrant (10 s) during the measurement.
        for path in ("/quadrant?board=big", "/api/v1/quadrant?board=big"):
            for _ in range(workers * 4):
                with requests.Session() as fresh:
                    fresh.get(base + path, timeout=120)
                with requests.Session() as fresh:
                    fresh.post(base + "/_dash-update-component", json=payload, timeout=120)
        scenarios = {
            "page": ["/quadrant?board=big", "CALLBACK"],
            "api": ["/api/v1/quadrant?board=big"],
        }
        out = {}
        for name, paths in scenarios.items():
            if shutil.which("wrk"):
                out[name] = run_wrk(base, paths, payload, clients, seconds)
            else:
                out[name] = run_threads(base, paths, payload, clients, seconds)
        return out
    finally:
        stop_gunicorn(proc, log)


def run_wrk(base: str, paths: list[str], payload: dict, clients: int, seconds: float) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    env = {**os.environ, "VGER_WRK_PATHS": " ".join(paths), "VGER_WRK_BODY": json.dumps(payload)}
    try:
        result = subprocess.run(
            [
                "wrk",
                "-t",
                "4",
                "-c",
                str(clients),
                "-d",
                f"{int(seconds)}s",
                "--timeout",
                "10s",
                "-s",
                script.name,
                base,
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=seconds + 60,
        )
    finally:
        os.unlink(script.name)
    line = next((x for x in result.stdout.splitlines() if x.startswith("WRK ")), None)
    if line is None:
        raise RuntimeError("wrk: " + result.stdout[-1000:] + result.stderr[-1000:])
    n, connect, read, write, status, timeout, p50, p95, p99, top = map(int, line.split()[1:])
    return {
        "tool": "wrk",
        "requests": n,
        "wall_s": seconds,
        "errors": connect + read + write + status + timeout,
        "error_sample": f"connect {connect}, read {read}, write {write}, status {status}, timeout {timeout}",
        "p50": p50 / 1e6,
        "p95": p95 / 1e6,
        "p99": p99 / 1e6,
        "max": top / 1e6,
    }


def run_threads(base: str, paths: list[str], payload: dict, clients: int, seconds: float) -> dict:
    import requests

    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(k: int) -> None:
        s = requests.Session()
        i = k
        while time.monotonic() < stop_at:
            path = paths[i % len(paths)]
            i += 1
            t = time.perf_counter()
            try:
                if path == "CALLBACK":
                    r = s.post(base + "/_dash-update-component", json=payload, timeout=10)
                else:
                    r = s.get(base + path, timeout=10)
                ok, detail = r.status_code == 200, f"{path}: HTTP {r.status_code}"
            except requests.RequestException as exc:
                ok, detail = False, f"{path}: {type(exc).__name__}"
            elapsed = time.perf_counter() - t
            with lock:
                latencies.append(elapsed)
                if not ok:
                    errors.append(detail)

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(client, range(clients)))
    out = {"tool": "python threads", "requests": len(latencies), "errors": len(errors)}
    out.update(wall_s=time.perf_counter() - began, error_sample=errors[:3])
    out.update(percentiles(latencies))
    return out


def percentiles(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    p50, p95, p99 = np.percentile(np.array(values), [50, 95, 99])
    return {"n": len(values), "p50": p50, "p95": p95, "p99": p99, "max": max(values)}


# --- 4. ETL against the fake Jira --------------------------------------------------------


def etl_bench(boards_n: int, issues_n: int, workers: int) -> dict:
    sys.path.insert(0, str(ROOT))
    from etl.run import run_etl
    from tests.etl.fake_jira import FakeJira
    from vger.config import Settings
    from vger.store import boards, teams, workflows

    schema = "vger_scale_etl"
    engine = fresh_schema(schema)
    t0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
    try:
        with FakeJira("cloud") as fake:
            for sid, name in NAMES.items():
                fake.add_status(sid, name, "done" if sid in ("6", "7") else "indeterminate")
            with engine.begin() as conn:
                teams.add_team(conn, "etl", "ETL team", tz="Europe/Berlin")
                for b in range(boards_n):
                    board_id = boards.add_board(conn, f"e{b:02d}", "etl", jql=f"project = E{b}")
                    workflows.set_workflow(conn, board_id, STATES, (1, 4))
            for b in range(boards_n):
                for k in range(issues_n):
                    created = t0 + timedelta(minutes=13 * k + b)
                    steps, prev = [], "1"
                    for j, nxt in enumerate(DONE_PATH[1:]):
                        steps.append((created + timedelta(hours=6 * (j + 1)), prev, nxt))
                        prev = nxt
                    fake.add_issue(
                        f"{b}{k:05d}",
                        f"E{b}-{k + 1}",
                        issue_type=str(TYPES[k % 3]),
                        created=created,
                        status=prev,
                        resolution="Done",
                        moves=steps,
                    )
            settings = Settings(
                _env_file=None,
                database_url=schema_url(schema),
                jira_url=fake.url,
                jira_user=fake.user,
                jira_token=fake.token,
                jira_timeout=30,
                jira_retries=2,
            )
            t = time.perf_counter()
            report = run_etl(engine, settings, workers=workers)
            seconds = time.perf_counter() - t
            served = len(fake.log)
        with engine.connect() as conn:
            stored = conn.execute(sa.text("select count(*) from issue")).scalar_one()
            moves = conn.execute(sa.text("select count(*) from transition")).scalar_one()
        return {
            "seconds": seconds,
            "ok": report.ok,
            "parts": len(report.parts),
            "failed": [p.line() for p in report.parts if not p.ok][:3],
            "requests_reported": sum(p.requests for p in report.parts),
            "requests_served": served,
            "issues_stored": stored,
            "transitions_stored": moves,
        }
    finally:
        engine.dispose()
        drop_schema(schema)


# --- main ------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=1_000_000, help="issues in total")
    parser.add_argument("--boards", type=int, default=50)
    parser.add_argument("--big", type=int, default=100_000, help="issues of the big board")
    parser.add_argument("--moves", type=int, default=10, help="transitions per issue (<= 10)")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--repeat", type=int, default=3, help="cold/cached repetitions")
    parser.add_argument("--etl-boards", type=int, default=50)
    parser.add_argument("--etl-issues", type=int, default=200)
    parser.add_argument("--etl-workers", type=int, default=4)
    parser.add_argument("--skip-etl", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept vger_scale schema")
    parser.add_argument("--keep", action="store_true", help="keep the schema")
    parser.add_argument(
        "--schema", default="vger_scale", help="PostgreSQL schema (one per concurrent run)"
    )
    parser.add_argument("--view-issues", default="100000", help="board sizes for step 5")
    parser.add_argument("--views-only", action="store_true", help="run only step 5")
    parser.add_argument("--skip-views", action="store_true")
    args = parser.parse_args()
    if args.views_only:
        views_table(args.view_issues)
        return
    schema = args.schema
    url = schema_url(schema)
    now = pd.Timestamp(datetime.now(UTC))
    try:
        if not args.reuse:
            sizes = board_sizes(args.issues, args.boards, args.big)
            say(
                f"1. generating {len(sizes)} boards, {sum(sizes):,} issues, "
                f"{sum(sizes) * args.moves:,} transitions (big board {sizes[0]:,}) into {schema}"
            )
            engine = fresh_schema(schema)
            g = generate(engine, sizes, args.moves, now)
            engine.dispose()
            say(
                f"   {g['issues']:,} issues, {g['transitions']:,} transitions, {g['state_times']:,} "
                f"state-time rows in {g['total_s']:.0f} s (numpy {g['generate_s']:.0f} s, "
                f"derive_events {g['derive_s']:.0f} s, COPY {g['copy_s']:.0f} s, ANALYZE {g['analyze_s']:.0f} s)"
            )
        say("2. quadrant of the big board, default range (last 90 days), in process")
        q = in_process(url, args.repeat)
        say(
            f"   /api/v1/quadrant: cold {ms(q['api_cold'])}, cached {ms(q['api_cached'])}; "
            f"quadrant render: cold {ms(q['render_cold'])}, cached {ms(q['render_cached'])} "
            f"(medians of {args.repeat}; {q['completed_in_range']:,} issues completed in the range)"
        )
        say(
            f"3. gunicorn, {args.workers} workers, {args.clients} concurrent clients for "
            f"{args.seconds:.0f} s per scenario, caches warm"
        )
        load = load_test(url, args.clients, args.seconds, args.workers)
        for name, r in load.items():
            what = "page shell + chart callback" if name == "page" else "/api/v1/quadrant"
            say(
                f"   {name} ({what}, {r['tool']}): {r['requests']:,} requests in {r['wall_s']:.0f} s "
                f"({r['requests'] / r['wall_s']:.1f}/s): p50 {ms(r['p50'])}, p95 {ms(r['p95'])}, "
                f"p99 {ms(r['p99'])}, max {ms(r['max'])}, errors {r['errors']} ({r['error_sample']})"
            )
            verdict = "OK" if r["p95"] <= 1.0 and r["errors"] == 0 else "OVER BUDGET"
            say(f"     budget p95 <= 1 s with zero errors: {verdict}")
    finally:
        if not args.keep:
            drop_schema(schema)
            say(f"   dropped schema {schema}")
    if not args.skip_etl:
        say(
            f"4. ETL: {args.etl_boards} boards x {args.etl_issues} issues (10 moves each) from the "
            f"fake Jira (Cloud), {args.etl_workers} workers, into PostgreSQL"
        )
        e = etl_bench(args.etl_boards, args.etl_issues, args.etl_workers)
        say(
            f"   {e['seconds']:.1f} s, ok={e['ok']}, {e['parts']} board syncs, "
            f"{e['requests_reported']} requests reported / {e['requests_served']} served by the fake, "
            f"{e['issues_stored']:,} issues and {e['transitions_stored']:,} transitions stored "
            f"{e['failed'] or ''}"
        )
    if not args.skip_views:
        views_table(args.view_issues)


def views_table(sizes: str) -> None:
    """Step 5: the table of every view, per board size, SQLite and PostgreSQL."""
    for n in [int(x) for x in sizes.split(",") if x.strip()]:
        say(f"5. every view of a {n:,}-issue board (python -m bench.views --issues {n})")
        subprocess.run(
            [sys.executable, "-m", "bench.views", "--issues", str(n), "--db", "sqlite,postgresql"],
            cwd=ROOT,
            check=False,
        )


if __name__ == "__main__":
    main()
