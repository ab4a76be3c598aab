"""The package's shape: a narrow public surface in `stepflow/__init__.py`, private modules
underscored, and no import cycle between them."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import stepflow
import stepflow.testing

PACKAGE = Path(stepflow.__file__).parent


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE).with_suffix("")
        parts = [part for part in relative.parts if part != "__init__"]
        found[".".join(["stepflow", *parts])] = path
    return found


def test_every_public_name_is_importable_and_listed() -> None:
    for name in stepflow.__all__:
        assert getattr(stepflow, name) is not None, name
    public = {
        name
        for name, value in vars(stepflow).items()
        if not name.startswith("_")
        and (inspect.isclass(value) or inspect.isfunction(value))
        and getattr(value, "__module__", "").startswith("stepflow")
    }
    assert public <= set(stepflow.__all__), public - set(stepflow.__all__)
    assert sorted(stepflow.__all__) == stepflow.__all__


def test_the_testing_module_lists_what_it_offers() -> None:
    for name in stepflow.testing.__all__:
        assert hasattr(stepflow.testing, name), name


def test_modules_other_than_the_public_ones_are_private() -> None:
    public = {"stepflow", "stepflow.testing", "stepflow.__main__"}
    for info in pkgutil.walk_packages(stepflow.__path__, "stepflow."):
        if info.name in public:
            continue
        assert info.name.split(".")[1].startswith("_"), info.name


def _imports(module: str, path: Path) -> set[str]:
    """The stepflow modules `module` imports, anywhere in it (functions and
    TYPE_CHECKING blocks included: a cycle there is still a cycle for a reader)."""
    tree = ast.parse(path.read_text())
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            found.add(target)
            for alias in node.names:
                found.add(f"{target}.{alias.name}")
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_no_import_cycle_between_stepflow_modules() -> None:
    modules = _modules()
    graph = {
        name: {target for target in _imports(name, path) if target in modules and target != name}
        for name, path in modules.items()
        if name != "stepflow"  # the root re-exports everything: a leaf of the graph
    }
    for edges in graph.values():
        edges.discard("stepflow")
    seen: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        seen[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if seen.get(target) == 1:
                cycle = [*stack[stack.index(target) :], target]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if target not in seen:
                visit(target)
        stack.pop()
        seen[node] = 2

    for node in sorted(graph):
        if node not in seen:
            visit(node)


def test_the_framework_never_imports_the_application() -> None:
    for name, path in _modules().items():
        imported = _imports(name, path)
        assert not any(target.split(".")[0] in {"steps", "scripts"} for target in imported), name


def test_the_public_names_import_in_a_fresh_interpreter() -> None:
    module = importlib.import_module("stepflow")
    assert module.__version__
