"""Hostile-input budgets (issue 11): ``python -m bench.hostile [--issues N --clients C]``.

1. In process: the whole corpus of tests/web/hostile_corpus.py (every public route with
   every hostile query string, and the Dash callback endpoint with wrongly typed values
   and broken bodies) against a generated board of ``--issues`` issues (SQLite). Prints
   the worst requests' CPU time (``time.process_time``, this process only), their peak
   Python memory (tracemalloc, re-run alone) and the process's peak RSS. Budget: every
   request under 1 CPU-second, no 5xx.
2. gunicorn with the production configuration (gunicorn.conf.py, its default workers):
   ``--clients`` threads fire the corpus for ``--seconds`` while one more asks /health
   every 100 ms. Prints /health's worst and p99 latency and how often it took over 1 s.
   Budget: /health always within 1 s.
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOARD = "bench"


def build_store(path: Path, issues: int) -> str:
    from bench.quadrant import generate
    from vger.store.db import make_engine, upgrade

    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    generate(engine, issues)
    engine.dispose()
    return url


def in_process(url: str) -> dict:
    from tests.web import hostile_corpus as hc
    from vger.config import Settings
    from vger.web import create_app

    logging.disable(logging.CRITICAL)
    settings = Settings(
        _env_file=None, database_url=url, secret_key="bench", admin_password="bench-pass"
    )
    app = create_app(settings)
    client = app.server.test_client()
    requests = hc.corpus(BOARD)
    timings: list[tuple[float, str, int]] = []
    statuses: Counter[int] = Counter()
    started = time.process_time()
    for request in requests:
        response, cpu = hc.measure(client, request)
        statuses[response.status_code] += 1
        timings.append((cpu, request.label, response.status_code))
    total = time.process_time() - started
    by_route: dict[str, tuple[float, str]] = {}
    for cpu, label, _ in timings:
        family = label.split("?")[0] if label.startswith("GET ") else "callbacks"
        if cpu > by_route.get(family, (-1.0, ""))[0]:
            by_route[family] = (cpu, label)
    timings.sort(reverse=True)
    worst = []
    for cpu, label, status in timings[:5]:
        request = next(r for r in requests if r.label == label)
        app.server.extensions["vger-cache"].clear()
        tracemalloc.start()
        request.fire(client).get_data()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        worst.append((cpu, peak, status, label))
    return {
        "requests": len(requests),
        "total_cpu": total,
        "statuses": dict(sorted(statuses.items())),
        "worst": worst,
        "by_route": by_route,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def start_gunicorn(url: str):
    import requests

    from bench.scale import free_port

    port = free_port()
    env = {
        **os.environ,
        "VGER_DATABASE_URL": url,
        "VGER_SECRET_KEY": "bench",
        "VGER_ADMIN_PASSWORD": "bench-pass",
        "VGER_BIND": f"127.0.0.1:{port}",
        "VGER_ACCESS_LOG": "/dev/null",
        "VGER_LOG_LEVEL": "warning",
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
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/health", timeout=2).status_code == 200:
                return proc, log, base
        except requests.RequestException:
            pass
        time.sleep(0.2)
    stop(proc)
    log.seek(0)
    raise RuntimeError("gunicorn did not start: " + log.read().decode()[-2000:])


def stop(proc) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def under_load(url: str, clients: int, seconds: float) -> dict:
    import requests

    from tests.web import hostile_corpus as hc

    corpus = hc.corpus(BOARD)
    proc, log, base = start_gunicorn(url)
    statuses: Counter[int | str] = Counter()
    health: list[float] = []
    stop_at = time.monotonic() + seconds
    lock = threading.Lock()

    def hostile(k: int) -> None:
        session = requests.Session()
        i = k * 37
        while time.monotonic() < stop_at:
            request = corpus[i % len(corpus)]
            i += 1
            url_ = base + request.path + (f"?{request.query}" if request.query else "")
            try:
                if request.method == "GET":
                    response = session.get(url_, timeout=60)
                else:
                    response = session.post(
                        url_,
                        data=request.body,
                        headers={"Content-Type": "application/json"},
                        timeout=60,
                    )
                status: int | str = response.status_code
            except requests.RequestException as exc:
                status = type(exc).__name__
            with lock:
                statuses[status] += 1

    def probe() -> None:
        session = requests.Session()
        while time.monotonic() < stop_at:
            t0 = time.monotonic()
            try:
                ok = session.get(base + "/health", timeout=10).status_code == 200
            except requests.RequestException:
                ok = False
            elapsed = time.monotonic() - t0
            health.append(elapsed if ok else float("inf"))
            time.sleep(0.1)

    threads = [threading.Thread(target=hostile, args=(k,)) for k in range(clients)]
    threads.append(threading.Thread(target=probe))
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        stop(proc)
        log.close()
    ordered = sorted(health)
    return {
        "hostile_requests": sum(statuses.values()),
        "statuses": dict(sorted(statuses.items(), key=str)),
        "health_checks": len(health),
        "health_max": ordered[-1] if ordered else float("nan"),
        "health_p99": ordered[int(0.99 * (len(ordered) - 1))] if ordered else float("nan"),
        "health_median": statistics.median(ordered) if ordered else float("nan"),
        "health_over_1s": sum(1 for h in health if h > 1.0),
    }


def report(result: dict) -> None:
    print(
        f"in process: {result['requests']} hostile requests, "
        f"{result['total_cpu']:.1f} CPU-s in all, statuses {result['statuses']}"
    )
    for cpu, peak, status, label in result["worst"]:
        print(f"  {cpu * 1000:7.0f} ms CPU  {peak / 2**20:7.1f} MB peak  {status}  {label}")
    for family, (cpu, label) in sorted(result["by_route"].items()):
        print(f"  worst of {family:28s} {cpu * 1000:7.0f} ms CPU  {label[:70]}")
    print(f"  peak RSS of the process: {result['max_rss_mb']:.0f} MB")
    worst = result["worst"][0][0]
    print(f"  worst request CPU: {worst:.3f} s (budget 1 s): {'OK' if worst < 1 else 'OVER'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--skip-gunicorn", action="store_true")
    parser.add_argument("--skip-in-process", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.monotonic()
        url = build_store(Path(tmp) / "hostile.db", args.issues)
        print(f"store: {args.issues} issues generated in {time.monotonic() - t0:.1f} s")
        if not args.skip_in_process:
            report(in_process(url))
        if not args.skip_gunicorn:
            load = under_load(url, args.clients, args.seconds)
            print(
                f"gunicorn (gunicorn.conf.py defaults), {args.clients} hostile clients for "
                f"{args.seconds:.0f} s: {load['hostile_requests']} requests, {load['statuses']}"
            )
            print(
                f"  /health: {load['health_checks']} checks, median "
                f"{load['health_median'] * 1000:.0f} ms, p99 {load['health_p99'] * 1000:.0f} ms, "
                f"max {load['health_max'] * 1000:.0f} ms, over 1 s: {load['health_over_1s']}"
            )


if __name__ == "__main__":
    main()
