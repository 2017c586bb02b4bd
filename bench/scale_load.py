"""bench.scale's load test: gunicorn workers on loopback, concurrent clients (wrk when
installed, else threads), latency percentiles and errors."""

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
