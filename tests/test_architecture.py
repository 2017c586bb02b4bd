"""The code's shape is checked with the tests: layers (import-linter), lint (ruff),
and the pinned requirements agreeing with pyproject.toml."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_layers_hold():
    """metrics are pure; the web never talks to Jira/GitHub; imports point down."""
    exe = shutil.which("lint-imports")
    if exe is None:
        pytest.fail("lint-imports is missing: pip install -e '.[test]'")
    result = _run(exe, "--config", "pyproject.toml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_is_clean():
    result = _run(sys.executable, "-m", "ruff", "check", "vger", "etl", "tests", "bench")
    assert result.returncode == 0, result.stdout + result.stderr


def _name(requirement: str) -> str:
    return re.split(r"[<>=\[ ;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_requirements_pin_every_runtime_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {_name(r) for r in project["dependencies"]}
    pinned = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            assert "==" in line, f"requirements.txt must pin exact versions: {line}"
            pinned[_name(line)] = line
    missing = declared - set(pinned)
    assert not missing, f"runtime dependencies not pinned in requirements.txt: {sorted(missing)}"
