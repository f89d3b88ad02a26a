"""The layout's rules, checked on the source (ARCHITECTURE.md): one-way imports, private names kept home, short
functions, modules of one concept."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "cxml"
#: Single-concept modules that may run long (a schema table, an SLA engine, the synthetic data generator).
LONG_MODULES_ALLOWED = {"cxml.schema", "cxml.sla", "cxml.datasets.webshop", "cxml.datasets.webshop._templates",
                        "cxml.datasets.webshop._tickets", "cxml.datasets.webshop._articles"}
MAX_MODULE_LINES = 1000
MAX_FUNCTION_LINES = 80


def _modules() -> dict[str, Path]:
    out = {}
    for path in SRC.rglob("*.py"):
        parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()
TREES = {name: ast.parse(path.read_text(encoding="utf-8")) for name, path in MODULES.items()}


def _imports(tree: ast.AST) -> list[tuple[str, str | None]]:
    """(module, name) for every ``from cxml... import name`` and ``import cxml...`` anywhere in a module."""
    out: list[tuple[str, str | None]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "cxml":
            out += [(node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            out += [(alias.name, None) for alias in node.names if alias.name.split(".")[0] == "cxml"]
    return out


def _edges() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for name, tree in TREES.items():
        for module, imported in _imports(tree):
            target = f"{module}.{imported}" if imported and f"{module}.{imported}" in MODULES else module
            package = name.rsplit(".", 1)[0]
            # a package re-exporting its own submodules, or a submodule naming its own package, is no cycle
            if target in MODULES and target != package and not target.startswith(name + "."):
                graph[name].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_the_import_graph_has_no_cycle() -> None:
    assert _cycles(_edges()) == []


def test_no_module_imports_another_modules_private_name() -> None:
    crossing = [f"{name} imports {module}.{imported}"
                for name, tree in TREES.items() for module, imported in _imports(tree)
                if imported and imported.startswith("_") and not imported.startswith("__")
                and f"{module}.{imported}" not in MODULES  # a private module of its own subpackage is fine
                and module != name]
    assert crossing == []


def test_modules_hold_one_concept() -> None:
    big = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in MODULES.items()}
    assert {n: lines for n, lines in big.items() if lines > MAX_MODULE_LINES and n not in LONG_MODULES_ALLOWED} == {}


def _code_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    n = (node.end_lineno or node.lineno) - node.lineno + 1
    first = node.body[0] if node.body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        n -= (first.end_lineno or first.lineno) - first.lineno + 1  # the docstring is not code
    return n


@pytest.mark.parametrize("name", sorted(MODULES))
def test_functions_do_one_named_step(name: str) -> None:
    long = {node.name: _code_lines(node) for node in ast.walk(TREES[name])
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _code_lines(node) > MAX_FUNCTION_LINES}
    assert long == {}, f"{name}: functions over {MAX_FUNCTION_LINES} lines of code: {long}"


def test_every_error_comes_from_the_exceptions_module() -> None:
    """Every error a caller can meet; a private control-flow signal caught in its own module does not count."""
    defined = [f"{name}.{node.name}" for name, tree in TREES.items() if name != "cxml.exceptions"
               for node in ast.walk(tree) if isinstance(node, ast.ClassDef) and not node.name.startswith("_")
               and any(getattr(base, "id", "").endswith(("Error", "Exception")) for base in node.bases)]
    assert defined == []


def test_test_modules_have_unique_names_outside_packages() -> None:
    """pytest imports test folders without ``__init__.py`` by basename: two equal names stop collection."""
    tests = Path(__file__).resolve().parent
    seen: dict[str, Path] = {}
    clashes = []
    for path in sorted(tests.rglob("test_*.py")):
        if (path.parent / "__init__.py").exists():
            continue
        if path.name in seen:
            clashes.append(f"{seen[path.name].relative_to(tests)} and {path.relative_to(tests)}")
        seen.setdefault(path.name, path)
    assert not clashes, "rename one of each pair (e.g. test_<package>_<module>.py): " + "; ".join(clashes)
