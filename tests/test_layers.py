"""The package's layers import downward only: no cycle between subpackages, lazy imports included.

Layers, lowest first: errors and outputs, scenario -> model -> matrix -> solvers -> strategies -> plot ->
plan -> solving -> analysis -> sweeps -> cli (``gigawatt/__init__`` re-exports lazily and is left out).
Charts read plans by their tables, so plot sits below plan (``plan.plot`` imports it on use). Imports
under ``if TYPE_CHECKING:`` are type hints, not dependencies, and are left out. The verifier
(``gigawatt.plan.verify``) imports neither the model, the matrix, the solvers nor Pyomo.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parents[1] / "gigawatt"
#: Each part of the package, lowest layer first; a part may import only parts before it (and itself).
LAYERS = (
    "errors",
    "outputs",
    "scenario",
    "model",
    "matrix",
    "solvers",
    "strategies",
    "plot",
    "plan",
    "solving",
    "analysis",
    "sweeps",
    "cli",
)


def part_of(module: str) -> str | None:
    """``gigawatt.model.chips`` -> ``model``; None outside the package or for the package root."""
    parts = module.split(".")
    return parts[1] if parts[0] == "gigawatt" and len(parts) > 1 else None


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node of ``tree`` outside ``if TYPE_CHECKING:`` blocks."""
    out, stack = [], [tree]
    while stack:
        node = stack.pop()
        out.append(node)
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and getattr(child.test, "id", getattr(child.test, "attr", None)) == "TYPE_CHECKING":
                stack.extend(child.orelse)
                continue
            stack.append(child)
    return out


def imports(path: Path) -> set[str]:
    """Every module ``path`` imports at run time, at the top or inside a function (relative imports resolved)."""
    name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
    found = set()
    for node in _runtime_nodes(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(name.split(".")[: -node.level] + ([base] if base else []))
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module" and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.add(arg.value)
    return found


def import_graph() -> nx.DiGraph:
    """Parts of the package, with an edge a -> b where a module of a imports one of b."""
    graph = nx.DiGraph()
    for path in PACKAGE.rglob("*.py"):
        source = part_of(".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts))
        if source is None or source == "__init__":
            continue
        graph.add_node(source)
        for target in filter(None, map(part_of, imports(path))):
            if target != source and target in LAYERS:
                graph.add_edge(source, target)
    return graph


def test_no_cycle_between_subpackages():
    cycles = list(nx.simple_cycles(import_graph()))
    assert cycles == []


def test_every_part_has_a_layer_and_imports_downward_only():
    graph = import_graph()
    assert set(graph.nodes) <= set(LAYERS), f"parts without a layer: {set(graph.nodes) - set(LAYERS)}"
    upward = [(a, b) for a, b in graph.edges if LAYERS.index(b) > LAYERS.index(a)]
    assert upward == []


def test_backends_do_not_import_the_model():
    assert "model" not in import_graph().successors("solvers")


def test_the_verifier_imports_nothing_of_the_model():
    found = {m for m in imports(PACKAGE / "plan" / "verify.py") if m.startswith("gigawatt")}
    assert not {m for m in found if part_of(m) in ("model", "matrix", "solvers", "strategies", "solving")}
    assert not any(m.startswith("pyomo") for m in imports(PACKAGE / "plan" / "verify.py"))


def test_a_cycle_is_caught():
    """The checker itself: an upward import in a lower layer shows up as a cycle."""
    graph = import_graph()
    graph.add_edge("model", "plan")
    assert list(nx.simple_cycles(graph))
