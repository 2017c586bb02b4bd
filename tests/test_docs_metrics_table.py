"""docs/metrics.md's "Where each number is computed" table is true: every function it names
exists, lives in ``vger.metrics`` (or is a named store read), and is called by the product
(the web, the store or the load path), not only by tests."""

from __future__ import annotations

import ast
import importlib
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "metrics.md"


def _table_rows() -> list[tuple[str, list[str]]]:
    """(number, [dotted names]) for each row; a bare name continues the last module named."""
    text = DOC.read_text()
    section = text.split("## Where each number is computed", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        if not line.startswith("| ") or line.startswith("| Number") or set(line) <= set("|- "):
            continue
        number, functions = [c.strip() for c in line.strip("|").split("|")[:2]]
        names, module = [], None
        for ref in re.findall(r"`([A-Za-z_][\w.]*)`", functions):
            if _is_module(ref):  # "(run on write by `vger.store.issues`)"
                continue
            if "." in ref:
                module, _, name = ref.rpartition(".")
            if module is None:
                continue
            names.append(f"{module}.{ref.rpartition('.')[2]}")
        rows.append((number, names))
    return rows


def _is_module(ref: str) -> bool:
    try:
        importlib.import_module(ref)
    except ImportError:
        return False
    return True


ROWS = _table_rows()


@cache
def _calls_outside_tests() -> dict[str, set[str]]:
    """{function name: modules that use it (call, import, pass on)} over vger/ and etl/."""
    found: dict[str, set[str]] = {}
    for path in [*(ROOT / "vger").rglob("*.py"), *(ROOT / "etl").rglob("*.py")]:
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Name | ast.Attribute):
                name = node.id if isinstance(node, ast.Name) else node.attr
                if isinstance(node.ctx, ast.Load):
                    found.setdefault(name, set()).add(module)
            elif isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    found.setdefault(alias.name, set()).add(module)
    return found


def test_the_table_names_functions():
    assert len(ROWS) >= 15
    assert all(names for _, names in ROWS), [n for n, names in ROWS if not names]


@pytest.mark.parametrize(("number", "names"), ROWS, ids=[n for n, _ in ROWS])
def test_each_named_function_exists_and_the_product_calls_it(number, names):
    for dotted in names:
        module_name, _, attr = dotted.rpartition(".")
        assert module_name.startswith(("vger.metrics.", "vger.store.")), dotted
        module = importlib.import_module(module_name)
        function = getattr(module, attr, None)
        assert callable(function), f"{dotted} ({number}) does not exist"
        callers = _calls_outside_tests().get(attr, set())
        assert callers, f"{dotted} ({number}) is called by no product module, only by tests"
