"""bench.scale's load test: gunicorn workers on loopback, concurrent clients (wrk when
installed, else threads), latency percentiles and errors.

Clients ask what a browser asks, with a browser's ``Accept-Encoding`` (Chromium's
``gzip, deflate, br, zstd`` by default: the server then compresses, as it does for
users). The gunicorn log is kept: a worker that gunicorn recycled during a scenario
(``max_requests``) starts with an empty per-process cache, and the scenario says so."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from bench.scale_data import ROOT

# --- 3. gunicorn under load ------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


#: What Chromium sends (a browser gets compressed answers; wrk sends none by itself).
BROWSER_ENCODING = "gzip, deflate, br, zstd"


def callback_payload(deps: list, marker: str, values: dict) -> dict | None:
    """The POST body of the callback whose outputs include ``marker`` (from
    /_dash-dependencies), its inputs set from ``values`` (by component id)."""
    for dep in deps:
        if marker in dep["output"]:
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


def chart_callback_payload(base: str, session) -> dict | None:
    """The POST the page's chart callback sends when a control changes."""
    deps = session.get(base + "/_dash-dependencies", timeout=30).json()
    values = {"quad-board": "big", "quad-source": "jira", "quad-lines": "rolling"}
    values |= {"quad-leadtime": "overall", "quad-backlog": "absolute", "quad-tags": []}
    values |= {"quad-types": [], "quad-repos": []}
    return callback_payload(deps, "quad-chart-throughput.figure", values)


def load_payloads(base: str, session) -> dict[str, dict]:
    """The callbacks a browser opening /quadrant?board=big sends (the page's layout with
    its charts drawn in it, by Dash's page router; the navigation links and freshness
    line), and the chart callback a control change sends."""
    deps = session.get(base + "/_dash-dependencies", timeout=30).json()
    where = {"pathname": "/quadrant", "search": "?board=big"}
    router = callback_payload(deps, "_pages_content.children", {"_pages_location": None})
    nav = callback_payload(deps, "freshness.children", {"app-url": None})
    for body in (router, nav):
        for i in body["inputs"]:
            i["value"] = where[i["property"]]
    return {"ROUTER": router, "NAV": nav, "CHART": chart_callback_payload(base, session)}


WRK_SCRIPT = """
local reqs = {}
local i = 0
init = function(args)
  local enc = os.getenv("VGER_WRK_ENCODING")
  local headers = {}
  if enc ~= "" then headers["Accept-Encoding"] = enc end
  local posted = {}
  posted["Content-Type"] = "application/json"
  if enc ~= "" then posted["Accept-Encoding"] = enc end
  for path in string.gmatch(os.getenv("VGER_WRK_PATHS"), "[^ ]+") do
    if path:sub(1, 1) == "/" then
      reqs[#reqs + 1] = wrk.format("GET", path, headers)
    else
      reqs[#reqs + 1] = wrk.format("POST", "/_dash-update-component", posted,
        os.getenv("VGER_WRK_BODY_" .. path))
    end
  end
end
request = function()
  i = i + 1
  return reqs[(i % #reqs) + 1]
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK %d %d %d %d %d %d %d %d %d %d %d\\n", summary.requests,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    summary.bytes))
end
"""


def start_gunicorn(url: str, workers: int, env_extra: dict | None = None):
    import requests

    port = free_port()
    env = {
        **os.environ,
        "VGER_DATABASE_URL": url,
        "VGER_SECRET_KEY": "bench",
        "VGER_BIND": f"127.0.0.1:{port}",
        "VGER_WORKERS": str(workers),
        "VGER_ACCESS_LOG": "/dev/null",
        **(env_extra or {}),
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


def worker_boots(log) -> int:
    """Workers gunicorn has booted so far (its log's "Booting worker" lines)."""
    log.flush()
    log.seek(0)
    return log.read().decode(errors="replace").count("Booting worker")


def server_cpu(master: int) -> float:
    """CPU seconds the gunicorn workers of ``master`` have used so far: the live ones'
    (user + system) plus those of the workers it has reaped (its children's times)."""
    tick = os.sysconf("SC_CLK_TCK")

    def times(pid: int) -> list[int]:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return [int(x) for x in fields[11:15]]  # utime, stime, cutime, cstime

    with open(f"/proc/{master}/task/{master}/children") as f:
        workers = [int(x) for x in f.read().split()]
    total = sum(times(master)[2:])
    for pid in workers:
        try:
            total += sum(times(pid)[:2])
        except FileNotFoundError:  # exited meanwhile: counted with the master's children
            pass
    return total / tick


#: Scenario -> what one client asks in turn (a path: GET; a name: that callback's POST).
SCENARIOS = {
    # a browser opening the page: the shell (its static files are cached), then Dash's
    # page router (the layout with the charts drawn in it) and the navigation/freshness
    "page": ["/quadrant?board=big", "ROUTER", "NAV"],
    # a control changed: the chart callback
    "controls": ["CHART"],
    "api": ["/api/v1/quadrant?board=big"],
}


def load_test(
    url: str,
    clients: int,
    seconds: float,
    workers: int,
    encoding: str = BROWSER_ENCODING,
    env_extra: dict | None = None,
) -> dict:
    """Each scenario of ``SCENARIOS`` against one gunicorn, caches warm, ``encoding`` as
    every request's Accept-Encoding ("" for none). wrk when installed, else a thread-pool
    client."""
    import requests

    proc, log, base = start_gunicorn(url, workers, env_extra)
    try:
        session = requests.Session()
        payloads = load_payloads(base, session)
        for name, body in payloads.items():
            probe = session.post(base + "/_dash-update-component", json=body, timeout=120)
            if probe.status_code != 200:
                raise RuntimeError(f"{name} probe: HTTP {probe.status_code}: {probe.text[:300]}")
        # Warm every worker's cache (the cold case is measured above), each request on
        # a new connection: one kept-alive session stays with one worker, and the other
        # then computed its cold 1,000,000-issue quadrant (10 s) during the measurement.
        for paths in SCENARIOS.values():
            for path in paths:
                for _ in range(workers * 4):
                    with requests.Session() as fresh:
                        if path.startswith("/"):
                            fresh.get(base + path, timeout=120)
                        else:
                            fresh.post(
                                base + "/_dash-update-component", json=payloads[path], timeout=120
                            )
        out = {}
        for name, paths in SCENARIOS.items():
            before, cpu = worker_boots(log), server_cpu(proc.pid)
            run = run_wrk if shutil.which("wrk") else run_threads
            out[name] = run(base, paths, payloads, clients, seconds, encoding)
            out[name]["restarts"] = worker_boots(log) - before
            out[name]["server_cpu"] = server_cpu(proc.pid) - cpu
        return out
    finally:
        stop_gunicorn(proc, log)


def run_wrk(
    base: str, paths: list[str], payloads: dict, clients: int, seconds: float, encoding: str
) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    env = {**os.environ, "VGER_WRK_PATHS": " ".join(paths), "VGER_WRK_ENCODING": encoding}
    env |= {f"VGER_WRK_BODY_{name}": json.dumps(body) for name, body in payloads.items()}
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
    n, connect, read, write, status, timeout, p50, p95, p99, top, sent = map(int, line.split()[1:])
    return {
        "tool": "wrk",
        "requests": n,
        "wall_s": seconds,
        "bytes": sent / max(n, 1),
        "errors": connect + read + write + status + timeout,
        "error_sample": f"connect {connect}, read {read}, write {write}, status {status}, timeout {timeout}",
        "p50": p50 / 1e6,
        "p95": p95 / 1e6,
        "p99": p99 / 1e6,
        "max": top / 1e6,
    }


def run_threads(
    base: str, paths: list[str], payloads: dict, clients: int, seconds: float, encoding: str
) -> dict:
    import requests

    latencies: list[float] = []
    errors: list[str] = []
    sizes: list[int] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    headers = {"Accept-Encoding": encoding or "identity"}

    def client(k: int) -> None:
        s = requests.Session()
        i = k
        while time.monotonic() < stop_at:
            path = paths[i % len(paths)]
            i += 1
            t = time.perf_counter()
            try:
                if path.startswith("/"):
                    r = s.get(base + path, timeout=10, headers=headers, stream=True)
                else:
                    r = s.post(
                        base + "/_dash-update-component",
                        json=payloads[path],
                        timeout=10,
                        headers=headers,
                        stream=True,
                    )
                size = len(r.raw.read(decode_content=False))  # as sent: no decoding here
                ok, detail = r.status_code == 200, f"{path}: HTTP {r.status_code}"
            except requests.RequestException as exc:
                ok, detail, size = False, f"{path}: {type(exc).__name__}", 0
            elapsed = time.perf_counter() - t
            with lock:
                latencies.append(elapsed)
                sizes.append(size)
                if not ok:
                    errors.append(detail)

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(client, range(clients)))
    out = {"tool": "python threads", "requests": len(latencies), "errors": len(errors)}
    out.update(wall_s=time.perf_counter() - began, error_sample=errors[:3])
    out.update(bytes=sum(sizes) / max(len(sizes), 1))
    out.update(percentiles(latencies))
    return out


def percentiles(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    p50, p95, p99 = np.percentile(np.array(values), [50, 95, 99])
    return {"n": len(values), "p50": p50, "p95": p95, "p99": p99, "max": max(values)}
