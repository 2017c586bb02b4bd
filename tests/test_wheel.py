"""A non-editable install works: the built wheel, installed into a brand-new virtual
environment, serves the dashboard on the demo store with its templates, static files and
migrations found through the package (never through a path into the checkout)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from tests.servers import free_port, get, start, wait_for_health

ROOT = Path(__file__).resolve().parents[1]


def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(args, capture_output=True, text=True, timeout=600, **kwargs)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A brand-new virtual environment holding the wheel built from this checkout.

    The wheel goes in without its dependencies, which the environment then borrows from the
    one running the tests through a path file (its own .pth files, e.g. the editable
    install's, are not run): what is tested is the wheel's own content. Whether the declared
    dependencies install is what `.ci/run` tests, in its own fresh environment."""
    work = tmp_path_factory.mktemp("wheel")
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work / "dist"), "."],
        cwd=ROOT,
    )
    wheels = list((work / "dist").glob("vger_dashboard-*.whl"))
    assert len(wheels) == 1, wheels
    venv.create(work / "venv", with_pip=False)
    python = work / "venv" / "bin" / "python"
    _run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps"]
        + [str(wheels[0])],
        cwd=work,
    )
    purelib = _run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        cwd=work,
    ).stdout.strip()
    borrowed = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(purelib, "borrowed-dependencies.pth").write_text("\n".join(sorted(borrowed)) + "\n")
    return python.parent


def test_wheel_holds_templates_static_and_migrations(installed):
    code = (
        "import importlib.resources as r, json, vger;"
        "print(json.dumps({'pkg': vger.__file__,"
        " 'css': r.files('vger.static').joinpath('vger.css').is_file(),"
        " 'login': r.files('vger.templates').joinpath('admin/login.html').is_file(),"
        " 'migrations': sorted(p.name for p in"
        "   r.files('vger.store').joinpath('migrations/versions').iterdir()"
        "   if p.name.endswith('.py'))}))"
    )
    found = json.loads(_run([str(installed / "python"), "-c", code], cwd=installed.parent).stdout)
    assert str(ROOT) not in found["pkg"], "the test must use the installed package"
    assert found["css"] and found["login"]
    assert found["migrations"][0].startswith("0001_")


def test_wheel_serves_health_data_and_an_admin_template(installed, tmp_path):
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("VGER_")},
        "VGER_ADMIN_PASSWORD": "wheel-test-password",
        "VGER_SECRET_KEY": "wheel-test-key",
    }
    proc = start(
        [str(installed / "vger"), "demo", "--port", str(port), "--db", str(tmp_path / "d.db")],
        cwd=tmp_path,  # not the checkout: nothing may be found relative to it
        env=env,
        log=tmp_path / "server.log",
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(base, proc, tmp_path / "server.log", seconds=120)
        status, body = get(f"{base}/health")
        assert status == 200 and json.loads(body)["store"] == "ok"

        status, body = get(f"{base}/api/v1/quadrant?board=platform&from=2026-01-05&to=2026-03-30")
        assert status == 200, body[:500]
        data = json.loads(body)
        weeks = data["throughput"]
        assert len(weeks) >= 10 and sum(w["count"] for w in weeks) > 0

        status, body = get(f"{base}/admin/login")
        assert status == 200
        assert b'name="password"' in body and b"csrf" in body.lower()

        status, body = get(f"{base}/assets/vger.css")
        assert status == 200 and body

        status, page = get(f"{base}/quadrant?board=platform")
        plotly = re.search(rb'src="(/assets/vendor/plotly-vger\.min\.js\?m=\w+)"', page)
        assert status == 200 and plotly, "the page loads the vendored plotly.js"
        status, body = get(f"{base}{plotly.group(1).decode()}")
        assert status == 200 and body.startswith(b"/**\n* plotly.js v")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)
