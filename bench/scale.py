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
   for ``--seconds`` (default 30) per scenario (bench.scale_load.SCENARIOS): the page as
   a browser opens it (shell, page router with the charts, navigation), the chart
   callback of a control change, and the JSON, with a browser's Accept-Encoding
   (``--encoding``; "" for none): p50 / p95 / p99, errors, bytes per answer, the
   workers' CPU per answer (the stable figure on a busy machine) and the workers
   gunicorn recycled meanwhile (``max_requests``; ``--max-requests`` sets
   VGER_MAX_REQUESTS, ``--cache-url`` VGER_CACHE_URL, e.g. a Redis shared by the
   workers). Budget: p95 <= 1 s, zero errors; the machine's load average is printed
   before and after.
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
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pandas as pd
import sqlalchemy as sa

from bench.scale_data import (  # noqa: F401 - re-exported for bench.views, pr_stages, hostile
    DONE_PATH,
    NAMES,
    ROOT,
    STATES,
    TYPES,
    board_sizes,
    copy_frame,
    drop_schema,
    fresh_schema,
    generate,
    generate_board,
    make_board,
    say,
    schema_url,
)
from bench.scale_load import (  # noqa: F401
    BROWSER_ENCODING,
    free_port,
    load_test,
)

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


def load_average() -> str:
    """The machine's load averages (1, 5, 15 minutes) and CPUs: how busy it was."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} CPUs"


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
    parser.add_argument(
        "--encoding", default=BROWSER_ENCODING, help='clients\' Accept-Encoding ("": none)'
    )
    parser.add_argument("--max-requests", type=int, help="VGER_MAX_REQUESTS of the workers")
    parser.add_argument("--cache-url", help="VGER_CACHE_URL of the workers (redis://...)")
    parser.add_argument("--skip-in-process", action="store_true", help="skip step 2")
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
        if not args.skip_in_process:
            say("2. quadrant of the big board, default range (last 90 days), in process")
            q = in_process(url, args.repeat)
            say(
                f"   /api/v1/quadrant: cold {ms(q['api_cold'])}, cached {ms(q['api_cached'])}; "
                f"quadrant render: cold {ms(q['render_cold'])}, cached {ms(q['render_cached'])} "
                f"(medians of {args.repeat}; {q['completed_in_range']:,} issues completed in the range)"
            )
        env = {}
        if args.max_requests is not None:
            env["VGER_MAX_REQUESTS"] = str(args.max_requests)
        if args.cache_url:
            env["VGER_CACHE_URL"] = args.cache_url
        say(
            f"3. gunicorn, {args.workers} workers, {args.clients} concurrent clients for "
            f"{args.seconds:.0f} s per scenario, caches warm, Accept-Encoding "
            f"{args.encoding!r}{', ' + str(env) if env else ''}; {load_average()}"
        )
        load = load_test(url, args.clients, args.seconds, args.workers, args.encoding, env)
        what = {
            "page": "shell + page router + navigation",
            "controls": "chart callback",
            "api": "/api/v1/quadrant",
        }
        for name, r in load.items():
            say(
                f"   {name} ({what.get(name, name)}, {r['tool']}): {r['requests']:,} requests in "
                f"{r['wall_s']:.0f} s ({r['requests'] / r['wall_s']:.1f}/s): p50 {ms(r['p50'])}, "
                f"p95 {ms(r['p95'])}, p99 {ms(r['p99'])}, max {ms(r['max'])}, "
                f"{r['bytes']:,.0f} bytes per answer, "
                f"server CPU {r['server_cpu'] * 1000 / max(r['requests'], 1):.1f} ms per answer, "
                f"workers recycled {r['restarts']}, "
                f"errors {r['errors']} ({r['error_sample']})"
            )
            verdict = "OK" if r["p95"] <= 1.0 and r["errors"] == 0 else "OVER BUDGET"
            say(f"     budget p95 <= 1 s with zero errors: {verdict}")
        say(f"   {load_average()}")
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
