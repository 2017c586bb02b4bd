"""Every view of one big board, SQLite and PostgreSQL side by side:
``python -m bench.views [--issues 100000] [--db sqlite,postgresql] [--reuse]``.

1. Builds one board of ``--issues`` issues (``--moves`` transitions each) with the
   generator of :mod:`bench.scale` (start/done/lead time and the packed per-state days
   derived by ``vger.metrics.events``), into a SQLite file under the temp directory and
   into the PostgreSQL schema ``vger_views`` (kept for ``--reuse``), and records a
   finished sync run (which refreshes the planner's statistics, as every sync does).
   ``VGER_BENCH_SQLITE`` names the SQLite file (one per concurrent run); with
   ``VGER_BENCH_AS_IS=1`` a reused store is neither migrated nor re-analysed (to measure
   an older checkout with ``--code`` on the store as that code leaves it).
2. Measures each view in a fresh process (empty cache): CPU seconds of the cold request
   (and its wall seconds: the server's time too, which CPU seconds do not show) and of the
   same request again (warm, cached), the payload in bytes, the process's peak
   RSS, and the CPU seconds of the raw read of the rows the view needs, with the ratio
   view / raw read: every distinct statement the cold request ran (recorded from the
   driver's cursor, text and bound values), fetched again bare with ``fetchall`` (rows
   and statements printed; a statement the view runs twice is read once). Page callbacks (the charts' data) are measured as the JSON
   Dash would send.

Budgets (issue 16): 13-week views cold <= 0.5 CPU-s, warm <= 0.1; 2-year views cold <=
1.5; quality <= 3 CPU-s and <= 300 KB of JSON; the scatter callback for 2 years <= 1.5 MB;
peak RSS <= 400 MB; view / raw read <= 3.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

from bench.scale import copy_frame, generate_board, make_board, schema_url

NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
SCHEMA = os.environ.get("VGER_BENCH_SCHEMA", "vger_views")  # one per concurrent run
DAY = NOW.date()
W13 = f"from={(DAY - timedelta(weeks=13)).isoformat()}&to={DAY.isoformat()}"
Y2 = f"from={(DAY - timedelta(weeks=104)).isoformat()}&to={DAY.isoformat()}"

# name: (kind, what, range) — kind "get" is a URL, "render" a page callback (module, query)
VIEWS: dict[str, tuple[str, str, str]] = {
    "quadrant API 13w": ("get", f"/api/v1/quadrant?board=big&{W13}", "13w"),
    "quadrant API 2y": ("get", f"/api/v1/quadrant?board=big&{Y2}", "2y"),
    "quadrant page 13w": ("render", f"quadrant?board=big&{W13}", "13w"),
    "throughput.csv 13w": ("get", f"/download/throughput.csv?board=big&{W13}", "13w"),
    "leadtime.csv 13w": ("get", f"/download/leadtime.csv?board=big&{W13}", "13w"),
    "leadtime.csv 2y": ("get", f"/download/leadtime.csv?board=big&{Y2}", "2y"),
    "scatter API 2y": ("get", f"/api/v1/scatter?board=big&{Y2}", "2y"),
    "scatter.csv 2y": ("get", f"/download/scatter.csv?board=big&{Y2}", "2y"),
    "scatter page 2y": ("render", f"scatter?board=big&{Y2}", "2y"),
    "quarterly API": ("get", "/api/v1/quarterly?board=big", "2y"),
    "flow.csv 13w": ("get", f"/download/flow.csv?board=big&{W13}", "13w"),
    "forecast.csv": ("get", "/download/forecast.csv?board=big", "13w"),
    "quality API": ("get", "/api/v1/quality?board=big", "all"),
    "quality.csv": ("get", "/download/quality.csv?board=big", "all"),
    "quality page": ("render", "quality?board=big", "all"),
    "aging API 13w": ("get", f"/api/v1/aging?board=big&{W13}", "13w"),
    "aging page 2y": ("render", f"aging?board=big&{Y2}", "2y"),
    "distributions page 2y": ("render", f"distributions?board=big&{Y2}", "2y"),
    "leadtime-histogram.csv 13w": (
        "get",
        f"/download/leadtime-histogram.csv?board=big&{W13}",
        "13w",
    ),
    "wip page 13w": ("render", f"wip?board=big&{W13}", "13w"),
    "wip.csv 2y": ("get", f"/download/wip.csv?board=big&{Y2}", "2y"),
    "netflow.csv 2y": ("get", f"/download/netflow.csv?board=big&{Y2}", "2y"),
    "efficiency API 13w": ("get", f"/api/v1/efficiency?board=big&{W13}", "13w"),
    "efficiency.csv 2y": ("get", f"/download/efficiency.csv?board=big&{Y2}", "2y"),
    "efficiency page 13w": ("render", f"efficiency?board=big&{W13}", "13w"),
    "efficiency page 2y": ("render", f"efficiency?board=big&{Y2}", "2y"),
}


def say(text: str) -> None:
    print(text, flush=True)


# --- 1. the board ----------------------------------------------------------------------


def _text_times(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """UTC timestamps as SQLite's text (what SQLAlchemy writes)."""
    out = frame.copy()
    for c in columns:
        t = pd.to_datetime(out[c], utc=True).dt.tz_convert(None)
        out[c] = t.dt.strftime("%Y-%m-%d %H:%M:%S.%f").where(t.notna(), None)
    return out


def _flags(rng, issues: pd.DataFrame) -> pd.DataFrame:
    """Jira's Flagged history of one issue in ten: flagged a while after creation,
    cleared a few days later (a third never cleared)."""
    picked = issues[rng.random(len(issues)) < 0.1]
    n = len(picked)
    on = pd.to_datetime(picked["created"], utc=True) + pd.to_timedelta(
        rng.exponential(3.0, n), unit="D"
    )
    off = on + pd.to_timedelta(rng.exponential(2.0, n), unit="D")
    cleared = rng.random(n) < 0.67
    ids = picked["issue_id"].to_numpy()
    frame = pd.DataFrame(
        {
            "issue_id": np.concatenate([ids, ids[cleared]]),
            "seq": np.concatenate([np.zeros(n, dtype=int), np.ones(int(cleared.sum()), dtype=int)]),
            "at": pd.concat(
                [pd.Series(on.to_numpy()), pd.Series(off.to_numpy()[cleared])]
            ).to_numpy(),
            "flagged": np.concatenate(
                [np.ones(n, dtype=bool), np.zeros(int(cleared.sum()), dtype=bool)]
            ),
        }
    )
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    return frame


def build(engine: sa.Engine, n: int, moves: int) -> None:
    """One board ``big`` of ``n`` issues into a migrated, empty store."""
    from vger.metrics.event_arrays import MoveArrays
    from vger.store import flow_days
    from vger.store.derived import derive, naive_utc
    from vger.store.quality_hits import hit_rows
    from vger.store.sync import finish_run, start_run

    now = pd.Timestamp(NOW)
    with engine.begin() as conn:
        board, workflow = make_board(conn, 0, "big")
        run = start_run(conn, "jira", "big", board.id)
    issues, transitions = generate_board(np.random.default_rng(7), n, moves, now, "S0")
    # the derived columns exactly as save_issues stores them (vger.store.derived)
    derived = derive(
        board,
        workflow,
        issues["issue_id"].astype(str).to_numpy(dtype=object),
        naive_utc(issues["created"]),
        issues["status_id"].to_numpy(dtype=object),
        issues["resolution"].to_numpy(dtype=object),
        MoveArrays.of_frame(transitions),
    )
    for column, values in derived.issue_columns().items():
        if isinstance(values, np.ndarray) and values.dtype.kind == "M":
            values = pd.DatetimeIndex(values).tz_localize("UTC")
        issues[column] = values
    st = pd.DataFrame(derived.state_columns(board.id)).drop(columns="board_id")
    t = time.perf_counter()
    hits = pd.DataFrame(  # the history-based quality checks, as save_issues stores them
        hit_rows(
            board.id,
            issues[["issue_id", "key", "created", "status_id"]],
            transitions[["issue_id", "seq", "at", "from_status_id", "to_status_id"]],
            workflow,
        ),
        columns=["board_id", "issue_id", "check_id", "seq", "detail"],
    )
    say(f"   {len(hits):,} quality hits in {time.perf_counter() - t:.1f} s")
    flags = _flags(np.random.default_rng(11), issues)
    for frame in (issues, transitions, st, flags):
        frame.insert(0, "board_id", board.id)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            raw = conn.connection.driver_connection
            blobs = {c: issues.pop(c) for c in ("state_days", "leave_days")}
            with raw.cursor() as cur:
                cur.execute("SET LOCAL session_replication_role = replica")
                copy_frame(cur, "issue", issues)
                copy_frame(cur, "transition", transitions)
                copy_frame(cur, "issue_state_time", st)
                copy_frame(cur, "issue_flag", flags)
                copy_frame(cur, "issue_quality", hits)
                for column, values in blobs.items():
                    cur.executemany(
                        f"UPDATE issue SET {column} = %s WHERE board_id = %s AND issue_id = %s",  # noqa: S608 - own names
                        list(zip(values, issues["board_id"], issues["issue_id"], strict=True)),
                    )
        else:
            for table, frame, times in (
                ("issue", issues, ["created", "updated", "start", "done", "state_since"]),
                ("transition", transitions, ["at"]),
                ("issue_state_time", st, []),
                ("issue_flag", flags, ["at"]),
                ("issue_quality", hits, []),
            ):
                rows = _text_times(frame, times).astype(object)
                rows = rows.where(rows.notna(), None)
                marks = ", ".join("?" * len(rows.columns))
                cols = ", ".join(f'"{c}"' for c in rows.columns)
                conn.connection.driver_connection.executemany(
                    f"INSERT INTO {table} ({cols}) VALUES ({marks})",  # noqa: S608 - own names
                    rows.itertuples(index=False, name=None),
                )
        finish_run(conn, run, "ok", counts={"added": n}, watermark=NOW)
    with engine.begin() as conn:  # the flow's day counts, as save_issues keeps them
        flow_days.rebuild(conn, board)


def store_url(db: str, n: int, moves: int, reuse: bool) -> str:
    """A store holding the board: built unless ``reuse`` finds it."""
    from vger.store.db import upgrade

    if db == "sqlite":
        path = Path(
            os.environ.get("VGER_BENCH_SQLITE")  # one file per concurrent run
            or Path(tempfile.gettempdir()) / f"vger-views-{n}-{moves}.db"
        )
        url = f"sqlite:///{path}"
        if reuse and path.exists():
            if not os.environ.get("VGER_BENCH_AS_IS"):  # as is: to measure older code
                upgrade(sa.create_engine(url))  # newer migrations and fresh statistics
            return url
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        engine = sa.create_engine(url)
    else:
        url = schema_url(SCHEMA)
        admin = sa.create_engine(schema_url("public"))
        with admin.begin() as conn:
            exists = conn.execute(
                sa.text("SELECT count(*) FROM pg_namespace WHERE nspname = :s"), {"s": SCHEMA}
            ).scalar()
            if reuse and exists:
                if not os.environ.get("VGER_BENCH_AS_IS"):
                    upgrade(sa.create_engine(url))
                return url
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
            conn.execute(sa.text(f'CREATE SCHEMA "{SCHEMA}"'))
        admin.dispose()
        engine = sa.create_engine(url)
    upgrade(engine)
    t = time.perf_counter()
    build(engine, n, moves)
    say(
        f"   built {db}: {n:,} issues, {n * moves:,} transitions in {time.perf_counter() - t:.0f} s"
    )
    engine.dispose()
    return url


# --- 2. one view in a fresh process -----------------------------------------------------


class Reads:
    """The statements a request runs, as the driver gets them (text and bound values),
    recorded while ``on``: what the view reads, to be fetched again bare."""

    def __init__(self) -> None:
        self.on = False
        self.seen: dict[tuple, tuple[str, object]] = {}
        sa.event.listen(sa.engine.Engine, "before_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if (
            self.on
            and not executemany
            and statement.lstrip().upper().startswith(("SELECT", "WITH"))
        ):
            key = (statement, repr(parameters))
            self.seen.setdefault(key, (statement, parameters))

    def raw_read(self, url: str) -> tuple[float, int]:
        """CPU seconds and rows of fetching every distinct statement the view ran
        (``fetchall`` on the driver's cursor, nothing converted): the rows the view needs,
        each read once, however many times the view read them."""
        engine = sa.create_engine(url)
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            cur.execute("SELECT 1")
            cur.fetchall()
            rows = 0
            t = time.process_time()
            for statement, parameters in self.seen.values():
                cur.execute(statement, parameters)
                rows += len(cur.fetchall())
            spent = time.process_time() - t
        finally:
            raw.close()
            engine.dispose()
        return spent, rows


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM: unlike ru_maxrss, not inherited from the
    parent that forked it)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(url: str, name: str) -> dict:
    """Measure one view (run in its own process)."""
    import plotly

    from vger.config import Settings
    from vger.web import create_app
    from vger.web.params import parse

    kind, what, scope = VIEWS[name]
    reads = Reads()
    app = create_app(Settings(_env_file=None, database_url=url, secret_key="bench"))
    app.server.config["VGER_NOW"] = NOW
    client = app.server.test_client()
    assert client.get("/health").status_code == 200

    def once() -> tuple[float, int, float]:
        # The garbage of what ran before is collected first: a full collection falling
        # in the warm request (the cold one's millions of objects) cost the efficiency
        # page 0.1 of its 0.14 CPU-s there; it belongs to no request.
        gc.collect()
        t, wall = time.process_time(), time.perf_counter()
        if kind == "get":
            response = client.get(what)
            assert response.status_code == 200, response.get_data()[:300]
            size = len(response.get_data())
        else:
            module, query = what.split("?", 1)
            page = __import__(f"vger.web.views.{module}.page", fromlist=["render"])
            params = parse({k: [v] for k, v in (p.split("=") for p in query.split("&"))}).params
            with app.server.test_request_context("/"):
                out = page.render(params)
            size = len(json.dumps(out, cls=plotly.utils.PlotlyJSONEncoder))
        return time.process_time() - t, size, time.perf_counter() - wall

    reads.on = True
    cold, size, cold_wall = once()
    reads.on = False
    warm, _, _ = once()
    rss = peak_rss_mb()
    raw, rows = reads.raw_read(url)
    return {
        "cold": cold,
        "cold_wall": cold_wall,
        "warm": warm,
        "bytes": size,
        "rss_mb": rss,
        "raw": raw,
        "rows": rows,
        "reads": len(reads.seen),
    }


def measure(url: str, name: str, pythonpath: str | None) -> dict:
    root = str(Path(__file__).resolve().parents[1])
    env = dict(os.environ, PYTHONPATH=pythonpath or root)
    out = subprocess.run(
        [sys.executable, __file__, "--child", name, "--url", url],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode or not lines:
        return {"error": (out.stderr.strip().splitlines() or ["?"])[-1][:120]}
    return json.loads(lines[-1])


BUDGET = {"13w": (0.5, 0.1), "2y": (1.5, 0.1), "all": (3.0, 0.1)}


def verdict(name: str, r: dict) -> str:
    cold, warm = BUDGET[VIEWS[name][2]]
    over = []
    if r["cold"] > cold:
        over.append(f"cold>{cold}")
    if r["warm"] > warm:
        over.append(f"warm>{warm}")
    if r["rss_mb"] > 400:
        over.append("rss>400")
    if name in ("quality API",) and r["bytes"] > 300_000:
        over.append("bytes>300K")
    if name == "scatter page 2y" and r["bytes"] > 1_500_000:
        over.append("bytes>1.5M")
    if r["raw"] > 0 and r["cold"] / r["raw"] > 3:
        over.append("ratio>3")
    return "ok" if not over else " ".join(over)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=100_000)
    parser.add_argument("--moves", type=int, default=10)
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--views", default="", help="comma-separated view names (default all)")
    parser.add_argument("--reuse", action="store_true", help="reuse a board built before")
    parser.add_argument("--code", default=None, help="measure the vger checkout at this path")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--url", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.url, args.child)), flush=True)
        return
    dbs = [d.strip() for d in args.db.split(",") if d.strip()]
    names = [v.strip() for v in args.views.split(",") if v.strip()] or list(VIEWS)
    say(f"1. one board of {args.issues:,} issues x {args.moves} moves on {', '.join(dbs)}")
    urls = {db: store_url(db, args.issues, args.moves, args.reuse) for db in dbs}
    say("2. each view in a fresh process: CPU-s cold / warm, payload, peak RSS, raw read")
    head = f"{'view':<20}" + "".join(
        f" | {db[:6]:>6} cold  wall   warm      bytes  RSS MB   rows/reads   raw  ratio verdict"
        for db in dbs
    )
    say(head)
    for name in names:
        cells = []
        for db in dbs:
            r = measure(urls[db], name, args.code)
            if "error" in r:
                cells.append(f" | error: {r['error']}")
                continue
            ratio = r["cold"] / r["raw"] if r["raw"] > 0 else float("nan")
            cells.append(
                f" | {'':>6} {r['cold']:5.2f} {r['cold_wall']:5.2f} {r['warm']:6.3f} {r['bytes']:10,} {r['rss_mb']:7.0f}"
                f" {r['rows']:8,}/{r['reads']:<3} {r['raw']:5.2f} {ratio:5.1f} {verdict(name, r)}"
            )
        say(f"{name:<20}" + "".join(cells))


if __name__ == "__main__":
    main()
