"""The packages of ``course/`` depend on each other one way only.

The import graph is read from the source (every import, at module level or inside a function, type-only
ones included): a node is a package or a module directly under ``course/``. The application factory
(``course/__init__.py``) is left out: it assembles every feature, and only the command line imports it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "course"


def _node(module: str) -> str | None:
    """``course.admin.views`` → ``admin``; ``course`` itself (the factory) → None."""
    parts = module.split(".")
    if parts[0] != "course" or len(parts) < 2:
        return None
    return parts[1]


def _imported(tree: ast.AST, root: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "course":  # from course import x: a module, or a name of the factory
                names.update(
                    f"course.{alias.name}"
                    for alias in node.names
                    if (root / alias.name).is_dir() or (root / f"{alias.name}.py").exists()
                )
            else:
                names.add(node.module)
    return names


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if relative == Path("__init__.py"):
            continue
        source = relative.parts[0].removesuffix(".py")
        edges = graph.setdefault(source, set())
        for module in _imported(ast.parse(path.read_text(encoding="utf-8"), str(path)), root):
            target = _node(module)
            if target is not None and target != source:
                edges.add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a path that starts and ends on the same node, or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return [*stack[stack.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_no_package_imports_another_in_a_circle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "packages import each other in a circle: " + " -> ".join(cycle or [])


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, None),
        ({"a": {"b"}, "b": {"a"}}, ["a", "b", "a"]),
        ({"a": {"b"}, "b": {"c"}, "c": {"b"}}, ["b", "c", "b"]),
    ],
)
def test_the_cycle_finder(graph, expected):
    assert find_cycle(graph) == expected


def test_the_graph_sees_function_level_and_package_imports(tmp_path):
    (tmp_path / "low").mkdir()
    (tmp_path / "low" / "__init__.py").write_text("")
    (tmp_path / "low" / "models.py").write_text("def f():\n    from course.high import views\n")
    (tmp_path / "high.py").write_text("from course import create_app, low\n")
    assert import_graph(tmp_path) == {"low": {"high"}, "high": {"low"}}


def test_the_bottom_packages_import_no_feature():
    graph = import_graph()
    assert graph["content"] <= set(), "content/ reads files only"
    assert graph["audit"] <= {"db", "extensions"}
    assert graph["people"] <= {"audit", "content", "db", "extensions"}
