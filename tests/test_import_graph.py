"""The package's modules import one another without a circle.

Every ``import`` and ``from ... import`` in every module of the installed package is read
with :mod:`ast`, at any depth: an import inside a function (the usual way to hide a
circle) counts like one at the top. ``from a.b import c`` is an edge to ``a.b.c`` when that
is a module and to ``a.b`` otherwise. Importing ``a.b.c`` also runs the package ``a.b``'s
``__init__``, but that parent edge is not counted: a package that re-exports its submodules
would otherwise always form a circle with them, and Python resolves that case by design.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parent.parent


def package_modules() -> dict[str, Path]:
    """Dotted module name -> source file, for every module the wheel ships (pyproject's mapping)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    package_dir = config["package-dir"]
    modules: dict[str, Path] = {}
    for package in config["packages"]:
        top = max((p for p in package_dir if package == p or package.startswith(p + ".")), key=len)
        folder = (
            ROOT / package_dir[top] / Path(*package[len(top) :].strip(".").split("."))
            if package != top
            else ROOT / package_dir[top]
        )
        for path in sorted(folder.glob("*.py")):
            name = package if path.stem == "__init__" else f"{package}.{path.stem}"
            modules[name] = path
    return modules


def _absolute(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute name ``from <node.module>`` refers to, relative imports resolved."""
    if node.level == 0:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def import_graph() -> nx.DiGraph:
    """Directed graph of the package's modules: an edge m -> n when m imports n (anywhere in m)."""
    modules = package_modules()
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for module, path in modules.items():
        is_package = path.stem == "__init__"
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(module, is_package, node)
                targets = [
                    f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                    for a in node.names
                ]
            for target in targets:
                if target in modules and target != module:
                    graph.add_edge(module, target)
    return graph


def test_the_graph_sees_the_package() -> None:
    graph = import_graph()
    # the walk finds the modules of every subpackage, and the edges a reader can check by eye
    for module in (
        "fleetplan.cli.cmd_solve",
        "fleetplan.optimiser.formulation.objective",
        "fleetplan.views.shell",
    ):
        assert module in graph
    assert graph.has_edge(
        "fleetplan.optimiser.formulation", "fleetplan.optimiser.formulation.objective"
    )
    assert graph.has_edge("fleetplan.optimiser.formulation.objective", "fleetplan.optimiser.inputs")
    assert graph.number_of_edges() > 200


def test_function_level_and_relative_imports_count() -> None:
    # The check would miss the circle the issue named if it read only top-level imports:
    # alternatives.py imports the formulation inside a function only.
    top_level = ast.parse((ROOT / "optimiser" / "alternatives.py").read_text()).body
    assert not any(
        isinstance(n, ast.ImportFrom) and n.module == "fleetplan.optimiser.formulation"
        for n in top_level
    )
    assert import_graph().has_edge(
        "fleetplan.optimiser.alternatives", "fleetplan.optimiser.formulation"
    )
    relative = ast.parse("from ..inputs import ModelInputs").body[0]
    assert isinstance(relative, ast.ImportFrom)
    assert (
        _absolute("fleetplan.optimiser.formulation.subsidy", False, relative)
        == "fleetplan.optimiser.inputs"
    )
    assert (
        _absolute("fleetplan.optimiser.formulation", True, relative) == "fleetplan.optimiser.inputs"
    )


def test_no_import_circle_among_the_package_modules() -> None:
    cycles = list(nx.simple_cycles(import_graph()))
    assert not cycles, "import circles: " + "; ".join(" -> ".join([*c, c[0]]) for c in cycles)
