"""The production server: gunicorn with gunicorn.conf.py and 2 workers on a temp store."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.factories import example_board
from vger.store.db import make_engine, upgrade

ROOT = Path(__file__).resolve().parents[1]
pytest.importorskip("gunicorn")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, timeout: float = 10.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


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
    log = (tmp_path / "gunicorn.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "vger.web:create_app()"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"gunicorn exited: {(tmp_path / 'gunicorn.log').read_text()[-2000:]}")
            try:
                if get(base + "/health", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("gunicorn did not answer /health within 60 s")
            time.sleep(0.2)
        yield base, proc, tmp_path / "gunicorn.log"
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        log.close()


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
