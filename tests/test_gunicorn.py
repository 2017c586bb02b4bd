"""The production server: gunicorn with gunicorn.conf.py and 2 workers on a temp store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import example_board
from tests.servers import free_port, get, start, wait_for_health
from vger.store.db import make_engine, upgrade
from vger.web.speed import BUNDLED_TRACES

ROOT = Path(__file__).resolve().parents[1]
pytest.importorskip("gunicorn")


@pytest.fixture
def server(tmp_path):
    url = f"sqlite:///{tmp_path / 'gunicorn.db'}"
    engine = make_engine(url)
    upgrade(engine)
    example_board(engine)
    engine.dispose()
    port = free_port()
    env = {
        **os.environ,
        "VGER_DATABASE_URL": url,
        "VGER_SECRET_KEY": "test-key",
        "VGER_BIND": f"127.0.0.1:{port}",
        "VGER_WORKERS": "2",
    }
    proc = start(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "vger.web:create_app()"],
        cwd=ROOT,
        env=env,
        log=tmp_path / "gunicorn.log",
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(base, proc, tmp_path / "gunicorn.log")
        yield base, proc, tmp_path / "gunicorn.log"
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


def test_gunicorn_serves_the_dashboard(server):
    base, proc, log = server
    status, body = get(base + "/health")
    assert status == 200 and b'"ok"' in body
    status, body = get(base + "/quadrant?board=example")
    assert status == 200 and b"_dash-config" in body
    status, body = get(base + "/api/v1/quadrant?board=example&from=2024-01-01&to=2024-01-28")
    assert status == 200 and b'"board": "example"' in body
    status, _ = get(base + "/assets/vger.css")
    assert status == 200
    # two workers were booted from the config file, and the access log is written
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    text = log.read_text()
    assert text.count("Booting worker") >= 2
    assert "GET /quadrant?board=example" in text


def test_the_master_loads_the_libraries_but_no_vger_code():
    """gunicorn.conf.py imports the heavy libraries in the master (a forked worker boots
    with them loaded) but none of Vger's own modules, so a HUP reload runs new code."""
    script = (
        "import runpy, sys; cfg = runpy.run_path('gunicorn.conf.py');"
        "print(sorted(m for m in ('pandas', 'dash', 'sqlalchemy', 'plotly') if m in sys.modules));"
        "print(sorted(m for m in sys.modules if m == 'vger' or m.startswith(('vger.', 'etl'))));"
        "print(cfg['max_requests_jitter'] * 2 == cfg['max_requests'], cfg['preload_app']);"
        "print(sorted(cfg['PLOTLY_TRACES']));"
        "print('plotly.graph_objs.layout.xaxis._title' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out[:3] == ["['dash', 'pandas', 'plotly', 'sqlalchemy']", "[]", "True False"]
    # and the figure classes of the traces the pages draw (imported lazily otherwise)
    assert out[3] == str(sorted(BUNDLED_TRACES))
    assert out[4] == "True"
