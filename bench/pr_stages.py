"""The pull-request stages view on one board of 100,000 pull requests, SQLite and
PostgreSQL side by side: ``python -m bench.pr_stages [--pulls 100000] [--db sqlite,postgresql]``.

Builds one board (one repository) of ``--pulls`` pull requests created over two years,
each with its stored stage row (``pull_request_stage``, as a sync stores it), into a
SQLite file under the temp directory and the PostgreSQL schema ``vger_prstages``
(dropped at the end), then measures each request in a fresh process (empty cache): CPU
seconds cold and warm (cached), payload bytes, and the raw read (``fetchall``) of the
rows the view needs. Budgets (the quadrant's): 13-week range cold <= 0.5 CPU-s, warm <= 0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

from bench.scale import drop_schema, fresh_schema, schema_url

NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
SCHEMA = "vger_prstages"
DAY = NOW.date()
W13 = f"board=big&source=github&from={(DAY - timedelta(weeks=13)).isoformat()}&to={DAY}"
REQUESTS = {
    "pr-stages API 13w": ("get", f"/api/v1/pr-stages?{W13}"),
    "pr-stages.csv 13w": ("get", f"/download/pr-stages.csv?{W13}"),
    "pr-stages page 13w": ("render", W13),
}


def build(engine: sa.Engine, n: int) -> None:
    """``n`` pull requests over two years, about 85 % merged, each with a stage row."""
    from vger.store import boards, schema, teams
    from vger.store.sync import finish_run, start_run

    rng = np.random.default_rng(7)
    with engine.begin() as conn:
        teams.add_team(conn, "scale", "Scale team", tz="Europe/Berlin")
        board_id = boards.add_board(conn, "big", "scale", name="Big board")
        repo_id = boards.add_repo(conn, board_id, "scale/big")
        run = start_run(conn, "github", "scale/big", board_id)
    now = pd.Timestamp(NOW)
    created = now - pd.to_timedelta(rng.random(n) * 730 + 1, unit="D")
    wait = rng.lognormal(np.log(0.5), 1.0, n)
    review = rng.lognormal(np.log(0.8), 1.2, n)
    merge = rng.lognormal(np.log(0.2), 1.0, n)
    merged = created + pd.to_timedelta(wait + review + merge, unit="D")
    done = (rng.random(n) < 0.85) & (merged < now)
    number = np.arange(1, n + 1)
    pulls = pd.DataFrame(
        {
            "repo_id": repo_id,
            "number": number,
            "title": [f"Change {k}" for k in number],
            "author": "dev",
            "state": np.where(done, "merged", "open"),
            "draft": False,
            "created": created,
            "updated": now,
            "merged": pd.Series(merged).where(done),
            "closed": pd.Series(merged).where(done),
            "additions": 10,
            "deletions": 2,
            "url": [f"https://github.com/scale/big/pull/{k}" for k in number],
        }
    )
    stages = pd.DataFrame(
        {
            "repo_id": repo_id,
            "number": number,
            "first_review": created + pd.to_timedelta(wait, unit="D"),
            "last_approval": created + pd.to_timedelta(wait + review, unit="D"),
            "wait_days": wait,
            "review_days": review,
            "merge_days": np.where(done, merge, np.nan),
            "rounds": rng.integers(0, 5, n),
            "draft_days": 0.0,
            "cut": False,
        }
    )
    with engine.begin() as conn:
        for table, frame in ((schema.pull_request, pulls), (schema.pull_request_stage, stages)):
            records = frame.astype(object).where(frame.notna(), None).to_dict("records")
            for k in range(0, len(records), 20_000):
                conn.execute(sa.insert(table), records[k : k + 20_000])
        finish_run(conn, run, "ok", counts={"added": n}, watermark=NOW)


def store_url(db: str, n: int) -> str:
    from vger.store.db import upgrade

    if db == "sqlite":
        path = Path(tempfile.gettempdir()) / f"vger-prstages-{n}.db"
        path.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
        engine = sa.create_engine(url)
        upgrade(engine)
    else:
        engine = fresh_schema(SCHEMA)
        url = schema_url(SCHEMA)
    t = time.perf_counter()
    build(engine, n)
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    print(f"   built {db}: {n:,} pull requests in {time.perf_counter() - t:.0f} s", flush=True)
    return url


def raw_read(url: str) -> float:
    """CPU seconds to fetch the 13 weeks' merged pull requests and their stage rows."""
    first = (DAY - timedelta(weeks=13)).isoformat()
    sql = (
        "SELECT p.number, p.title, p.author, p.url, p.created, p.merged, s.* FROM pull_request p"
        " LEFT JOIN pull_request_stage s ON s.repo_id = p.repo_id AND s.number = p.number"
        " WHERE p.repo_id = 1 AND p.merged >= :first"
    )
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")
        t = time.process_time()
        rows = conn.execute(sa.text(sql), {"first": first}).fetchall()
        spent = time.process_time() - t
    engine.dispose()
    return spent, len(rows)


def child(url: str, name: str) -> dict:
    import plotly

    from vger.config import Settings
    from vger.web import create_app
    from vger.web.params import parse
    from vger.web.views.pr_stages import page

    kind, what = REQUESTS[name]
    raw, rows = raw_read(url)
    app = create_app(Settings(_env_file=None, database_url=url, secret_key="bench"))
    app.server.config["VGER_NOW"] = NOW
    client = app.server.test_client()
    assert client.get("/health").status_code == 200

    def once() -> tuple[float, int]:
        t = time.process_time()
        if kind == "get":
            response = client.get(what)
            assert response.status_code == 200, response.get_data()[:300]
            size = len(response.get_data())
        else:
            params = parse({k: [v] for k, v in (p.split("=") for p in what.split("&"))}).params
            with app.server.test_request_context("/"):
                out = page.render(params)
            size = len(json.dumps(out, cls=plotly.utils.PlotlyJSONEncoder))
        return time.process_time() - t, size

    cold, size = once()
    warm, _ = once()
    return {"cold": cold, "warm": warm, "bytes": size, "raw": raw, "rows": rows}


def measure(url: str, name: str) -> dict:
    root = str(Path(__file__).resolve().parents[1])
    out = subprocess.run(
        [sys.executable, "-m", "bench.pr_stages", "--child", name, "--url", url],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=root),
        check=False,
        cwd=root,
    )
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode or not lines:
        return {"error": (out.stderr.strip().splitlines() or ["?"])[-1][:160]}
    return json.loads(lines[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pulls", type=int, default=100_000)
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--url", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.url, args.child)), flush=True)
        return
    dbs = [d.strip() for d in args.db.split(",") if d.strip()]
    print(f"1. one board of {args.pulls:,} pull requests on {', '.join(dbs)}", flush=True)
    urls = {db: store_url(db, args.pulls) for db in dbs}
    print("2. each request in a fresh process: CPU-s cold / warm, bytes, raw read", flush=True)
    try:
        for name in REQUESTS:
            for db in dbs:
                r = measure(urls[db], name)
                if "error" in r:
                    print(f"{name:<20} {db:<10} error: {r['error']}", flush=True)
                    continue
                ok = r["cold"] <= 0.5 and r["warm"] <= 0.1
                print(
                    f"{name:<20} {db:<10} cold {r['cold']:.3f} warm {r['warm']:.4f} "
                    f"bytes {r['bytes']:>9,} raw {r['raw']:.3f} ({r['rows']:,} rows) "
                    f"ratio {r['cold'] / max(r['raw'], 1e-9):.1f} {'ok' if ok else 'OVER'}",
                    flush=True,
                )
    finally:
        if "postgresql" in dbs:
            drop_schema(SCHEMA)
        Path(tempfile.gettempdir(), f"vger-prstages-{args.pulls}.db").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
