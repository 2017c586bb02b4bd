"""Helpers for tests that start a real server process: a free port, a plain GET, and a
wait until ``/health`` answers (failing with the server's log if it exits first)."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, timeout: float = 10.0) -> tuple[int, bytes]:
    """(status, body) of a GET; HTTP errors are answers too, not exceptions."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_for_health(base: str, proc: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    """Return once ``base/health`` answers 200; fail with the log's tail otherwise."""
    deadline = time.monotonic() + seconds
    while True:
        if proc.poll() is not None:
            pytest.fail(f"the server exited: {log.read_text()[-2000:]}")
        try:
            if get(base + "/health", timeout=2)[0] == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(
                f"no answer on {base}/health within {seconds:.0f} s: {log.read_text()[-2000:]}"
            )
        time.sleep(0.2)


def start(args: list[str], *, cwd: Path, env: dict[str, str], log: Path) -> subprocess.Popen:
    """Start a server process in its own session, its output going to ``log``."""
    with log.open("wb") as out:
        return subprocess.Popen(
            args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
