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
    beside = Path(sys.executable).with_name("lint-imports")
    exe = str(beside) if beside.exists() else shutil.which("lint-imports")
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


_LOCAL = {"vger", "etl", "tests", "bench"}


def _imported_top_level_modules(folder: Path) -> dict[str, str]:
    """{top-level module: first file importing it} for absolute imports under ``folder``."""
    import ast

    found: dict[str, str] = {}
    for path in sorted(folder.rglob("*.py")):
        if "migrations/versions" in path.as_posix():
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], str(path.relative_to(ROOT)))
    return found


def _declared_distributions() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        requirements += extra
    return {_name(r) for r in requirements}


@pytest.mark.parametrize("folder", ["vger", "etl", "tests", "bench"])
def test_every_imported_module_is_declared(folder):
    """A module imported anywhere is the standard library's, the project's own, or comes from a
    distribution named in pyproject.toml (runtime or an extra) — never one that merely happens
    to be installed on this machine."""
    from importlib.metadata import packages_distributions

    providers = packages_distributions()
    declared = _declared_distributions()
    undeclared = {}
    for module, where in _imported_top_level_modules(ROOT / folder).items():
        if module in sys.stdlib_module_names or module in _LOCAL or module == "__future__":
            continue
        # A module not installed here (boto3, part of the Lambda runtime) counts as declared
        # when a declared distribution bears its name.
        dists = {_name(d) for d in providers.get(module, [])} or {_name(module)}
        if not dists & declared:
            undeclared[module] = (where, sorted(dists) or "not installed")
    assert not undeclared, f"imported but not declared in pyproject.toml: {undeclared}"


def test_not_browser_runs_no_browser_test():
    """Every browser test carries the ``browser`` marker, so ``-m "not browser"`` runs none."""
    result = _run(
        sys.executable,
        *("-m", "pytest", "-n", "0", "--collect-only", "-q", "-m", "not browser", "tests/browser"),
    )
    collected = [line for line in result.stdout.splitlines() if "::" in line]
    assert collected == [], collected
    everything = _run(
        sys.executable, "-m", "pytest", "-n", "0", "--collect-only", "-q", "tests/browser"
    )
    assert sum("::" in line for line in everything.stdout.splitlines()) > 20


#: Statistics: a view that calls one of these computes a number of its own. Every number
#: a user sees comes from a function of vger.metrics (docs/metrics.md).
STATISTICS = {
    "median", "mean", "average", "quantile", "percentile", "nanpercentile", "nanmedian",
    "nanmean", "bincount", "histogram", "std", "var", "cumsum", "rolling", "resample",
    "groupby", "value_counts", "describe", "ewm", "expanding", "interp",
}  # fmt: skip


def test_the_web_computes_no_statistic():
    """``vger.web`` calls no statistical aggregate (medians, percentiles, histograms,
    groupings, running sums): it shapes, counts and draws what vger.metrics computed."""
    import ast

    found = []
    for path in sorted((ROOT / "vger" / "web").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                if node.func.attr in STATISTICS:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} .{node.func.attr}()")
    assert not found, "statistics computed in the web layer:\n" + "\n".join(found)
