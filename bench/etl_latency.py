"""The Jira sync against a network with latency: ``python -m bench.etl_latency``.

A loopback proxy in front of the fake Jira adds a fixed delay to every request (as a
far-away Jira would) and counts how many requests are in flight at once. For Cloud and
Data Center, a plain board and one whose issues have long histories, at 0 ms and at the
given latency, it prints: wall seconds, requests, the most requests in flight, CPU seconds
of this process, and the ratio to the physical limit

    limit = minimal requests x latency / pool size + CPU seconds

where the pool size is the requests the sync may have in flight at once
(``VGER_JIRA_CONCURRENCY``, ``--concurrency``) and the minimal requests are the search pages
plus, on Cloud, one ``changelog/bulkfetch`` per 1,000 status histories of a page's cut
issues, and on Data Center one issue GET per cut issue. The fake and the proxy run as
threads of this process, so its CPU seconds include theirs: the limit is generous.
Budgets (issue "ETL at the physical limit"): at 150 ms a long-history board <= 12 s, a
plain board <= 5 s, wall <= 1.5 x the limit; requests in flight never above the pool size.
The sync reads a window of more than a few pages as parallel id-range chains
(``etl.jira_fetch``), so its requests exceed the minimal ones by the id probes, the
chains' partial last pages and one closing search. ``--modes``, ``--data`` and
``--no-zero`` run a part of the table.
"""

from __future__ import annotations

import argparse
import http.client
import math
import tempfile
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from bench.etl_bench import NAMES, T0, store
from etl.jira_client import BULK_PAGE, PAGE
from etl.jira_sync import sync_board
from tests.etl.fake_jira import FakeJira
from vger.config import Settings


class LatencyProxy:
    """Forwards every request to ``upstream`` after ``latency`` seconds; counts in flight
    (from arrival until the answer is ready to be written back)."""

    def __init__(self, upstream: str, latency: float) -> None:
        self.upstream = urlsplit(upstream)
        self.latency = latency
        self.in_flight = 0
        self.max_in_flight = 0
        self.requests = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.url = ""

    def __enter__(self) -> LatencyProxy:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def _forward(self) -> None:
                with proxy._lock:
                    proxy.in_flight += 1
                    proxy.requests += 1
                    proxy.max_in_flight = max(proxy.max_in_flight, proxy.in_flight)
                counted = True
                try:
                    length = int(self.headers.get("Content-Length") or 0)
                    body = self.rfile.read(length) if length else None
                    time.sleep(proxy.latency)
                    conn = http.client.HTTPConnection(
                        proxy.upstream.hostname, proxy.upstream.port, timeout=60
                    )
                    headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                    conn.request(self.command, self.path, body=body, headers=headers)
                    answer = conn.getresponse()
                    payload = answer.read()
                    with proxy._lock:  # answered: the client may send its next request now
                        proxy.in_flight -= 1
                        counted = False
                    self.send_response(answer.status)
                    for key, value in answer.getheaders():
                        if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                            self.send_header(key, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    conn.close()
                finally:
                    if counted:
                        with proxy._lock:
                            proxy.in_flight -= 1

            do_GET = do_POST = do_PUT = _forward

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        host, port = self._server.server_address[:2]
        self.url = f"http://{host}:{port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()


def fill(fake: FakeJira, issues: int, long_share: float, long_moves: int) -> int:
    """Serve ``issues`` issues, a share of them with ``long_moves`` status moves; returns
    the minimal number of data requests a sync needs: search pages (by ``updated``, 100
    a page) plus, per page, the bulkfetch pages (Cloud: 1,000 status histories each) or
    one issue GET per cut issue (Data Center)."""
    for sid, name in NAMES.items():
        fake.add_status(sid, name, "done" if sid == "5" else "indeterminate")
    every = max(1, round(1 / long_share)) if long_share > 0 else 0
    made = []  # (updated, id, moves)
    for k in range(issues):
        moves = long_moves if every and k % every == 0 else 10
        created = T0 + timedelta(minutes=7 * k)
        steps, prev = [], "1"
        for j in range(moves):
            nxt = "2" if prev == "1" else ("3" if prev != "3" else "4")
            steps.append((created + timedelta(minutes=30 * (j + 1)), prev, nxt))
            prev = nxt
        fake.add_issue(str(20000 + k), f"B-{k + 1}", created=created, status=prev, moves=steps)
        made.append((steps[-1][0] if steps else created, 20000 + k, moves))
    made.sort()
    changelog_requests = 0
    for p in range(0, len(made), PAGE):
        cut = [m for _, _, m in made[p : p + PAGE] if m > fake.embedded]
        if fake.mode == "cloud":
            changelog_requests += math.ceil(sum(cut) / BULK_PAGE)
        else:
            changelog_requests += len(cut)
    return math.ceil(issues / PAGE) + changelog_requests


def run(mode: str, issues: int, long_share: float, latency: float, tmp: Path, pool: int) -> dict:
    with FakeJira(mode) as fake:
        minimal = fill(fake, issues, long_share, long_moves=160)
        with LatencyProxy(fake.url, latency) as proxy:
            engine, board = store(tmp, f"{mode}-{long_share}-{latency}.db")
            settings = Settings(
                _env_file=None,
                jira_url=proxy.url,
                jira_token=fake.token,
                jira_user=fake.user if mode == "cloud" else None,
                jira_timeout=60,
                jira_retries=2,
                jira_concurrency=pool,
            )
            cpu0, wall0 = time.process_time(), time.perf_counter()
            report = sync_board(engine, board, settings, full=True)
            wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
            engine.dispose()
            assert report.ok, report.error
            limit = minimal * latency / pool + cpu
            return {
                "wall": wall,
                "cpu": cpu,
                "requests": proxy.requests,
                "minimal": minimal,
                "max_in_flight": proxy.max_in_flight,
                "limit": limit,
                "ratio": wall / limit if limit else float("nan"),
            }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=4503, help="issues of the board")
    parser.add_argument("--latency", type=float, default=0.150, help="seconds per request")
    parser.add_argument(
        "--long-share", type=float, default=0.07, help="share of issues with 160 moves"
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=Settings(_env_file=None).jira_concurrency,
        help="pool size: requests in flight allowed (VGER_JIRA_CONCURRENCY)",
    )
    parser.add_argument("--modes", default="dc,cloud", help="dc, cloud or both")
    parser.add_argument("--data", default="plain,long-history", help="plain, long-history or both")
    parser.add_argument(
        "--no-zero", action="store_true", help="only the given latency (not 0 ms as well)"
    )
    args = parser.parse_args()
    pool = max(args.concurrency, 1)
    print(
        f"{'mode':5} {'data':12} {'latency':>8} {'wall s':>7} {'cpu s':>6} {'requests':>8} "
        f"{'minimal':>7} {'pool':>4} {'in flight':>9} {'limit s':>7} {'wall/limit':>10}"
    )
    with tempfile.TemporaryDirectory() as d:
        for mode in args.modes.split(","):
            for label, share in (("plain", 0.0), ("long-history", args.long_share)):
                if label not in args.data.split(","):
                    continue
                for latency in (args.latency,) if args.no_zero else (0.0, args.latency):
                    r = run(mode, args.issues, share, latency, Path(d), pool)
                    print(
                        f"{mode:5} {label:12} {latency * 1000:6.0f}ms {r['wall']:7.1f} "
                        f"{r['cpu']:6.1f} {r['requests']:8d} {r['minimal']:7d} {pool:4d} "
                        f"{r['max_in_flight']:9d} {r['limit']:7.1f} {r['ratio']:10.2f}",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
