"""The layout holds: domain and use cases stay free of infrastructure, modules stay small,
and no two modules import each other, directly or around a loop."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("shared", "functions")
INFRASTRUCTURE = ("azure", "jwt", "cryptography", "requests", "urllib3", "httpx")
MAX_LINES = 400


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {"function_app": ROOT / "function_app.py"}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[_module_name(path)] = path
    return found


def _imports(path: Path) -> set[str]:
    """Every module `path` imports, at any depth of its code (lazy imports included)."""
    names: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", None) == "lazy_import"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            names.add(str(node.args[0].value))
    return names


MODULES = _modules()


def _internal(imported: set[str]) -> set[str]:
    return {name for name in imported if name in MODULES}


def _starts(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        ("shared.domain", (*INFRASTRUCTURE, "shared.adapters", "shared.app", "shared.bootstrap")),
        ("shared.app", ("azure", "shared.adapters", "shared.bootstrap")),
    ],
)
def test_inner_layers_import_no_outer_layer(layer: str, forbidden: tuple[str, ...]) -> None:
    offending = {
        module: sorted(n for n in _imports(path) if _starts(n, forbidden))
        for module, path in MODULES.items()
        if _starts(module, (layer,))
    }
    assert {m: names for m, names in offending.items() if names} == {}


def test_no_module_is_longer_than_400_lines() -> None:
    long = {
        module: n
        for module, path in MODULES.items()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_the_import_graph_has_no_cycles() -> None:
    graph = {module: _internal(_imports(path)) - {module} for module, path in MODULES.items()}
    # A package's __init__ is imported along with any of its modules: not an edge of ours.
    graph = {m: {d for d in deps if not m.startswith(d + ".")} for m, deps in graph.items()}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles: list[list[str]] = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for dep in sorted(graph[module]):
            if state.get(dep) == 1:
                cycles.append([*path[path.index(dep) :], dep])
            elif dep not in state:
                visit(dep, [*path, dep])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []
