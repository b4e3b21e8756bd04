"""The package boundaries of docs/architecture.md, checked on the source itself: no package
imports another package's private module, no package's modules import each other in a
cycle, and `import hyperloom` loads no front end and no optional dependency."""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import hyperloom

SRC = Path(hyperloom.__file__).resolve().parent
ROOT = "hyperloom"


@dataclass(frozen=True)
class Import:
    importer: str  # dotted module name
    target: str  # dotted module name, or module.attribute for `from module import attribute`
    line: int
    deferred: bool  # inside a function: runs on first call, not at import


def _module_name(path: Path) -> str:
    parts = [ROOT, *path.relative_to(SRC).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


MODULES = {_module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _resolve(module: str, path: Path, node: ast.ImportFrom) -> str:
    """The absolute name that `from <node.module> import ...` refers to inside `module`."""
    if node.level == 0:
        return node.module or ""
    package = module if _is_package(path) else module.rpartition(".")[0]
    base = package.split(".")
    base = base[:len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _imports_of(module: str, path: Path) -> list[Import]:
    """Every import statement of a module, except those under `if TYPE_CHECKING:` (never run)."""
    found: list[Import] = []

    def visit(node: ast.AST, deferred: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for stmt in child.orelse:
                    visit(stmt, deferred)
                continue
            inner = deferred or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                   ast.Lambda))
            if isinstance(child, ast.Import):
                found.extend(Import(module, a.name, child.lineno, inner) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                source = _resolve(module, path, child)
                found.extend(Import(module, f"{source}.{a.name}", child.lineno, inner)
                             for a in child.names)
            visit(child, inner)

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return found


IMPORTS = [imp for name, path in MODULES.items() for imp in _imports_of(name, path)]


def _private_owner(target: str) -> str | None:
    """The package whose private name `target` reaches (`hyperloom.storage` for
    `hyperloom.storage._frozen.FrozenTrial`), or None when every part is public."""
    parts = target.split(".")
    if parts[0] != ROOT:
        return None
    for i, part in enumerate(parts[1:], start=1):
        if part.startswith("_") and not part.startswith("__"):
            return ".".join(parts[:i])
    return None


def _where(imp: Import) -> str:
    return f"{MODULES[imp.importer].relative_to(SRC.parent)}:{imp.line}"


def test_no_package_imports_another_packages_private_module():
    offenders = []
    for imp in IMPORTS:
        owner = _private_owner(imp.target)
        if owner is not None and not (imp.importer + ".").startswith(owner + "."):
            offenders.append(f"{_where(imp)} imports {imp.target} (private to {owner}; import "
                             f"the name from {owner}'s __init__)")
    assert not offenders, "\n".join(offenders)


def _package_of(module: str) -> str:
    """The first-level package a module belongs to: `hyperloom.samplers` for
    `hyperloom.samplers._gp._sampler`; top-level modules belong to `hyperloom`."""
    parts = module.split(".")
    if len(parts) >= 2 and (SRC / parts[1]).is_dir():
        return ".".join(parts[:2])
    return ROOT


def _imported_module(target: str) -> str | None:
    """The module of this source tree that an import target names, if any: `from . import
    _ast` names the module `_ast`, `from ._values import Lit` the module `_values`."""
    if target in MODULES:
        return target
    parent = target.rpartition(".")[0]
    return parent if parent in MODULES else None


def _graph() -> dict[str, dict[str, Import]]:
    """Edges between modules of the same package. Deferred imports count: a function that
    imports a sibling which imports it back is the same knot, only tied later (issue 10
    counts "six deferred imports" as the space package's cycle)."""
    edges: dict[str, dict[str, Import]] = {m: {} for m in MODULES}
    for imp in IMPORTS:
        target = _imported_module(imp.target)
        if target is None or target == imp.importer:
            continue
        if _package_of(target) == _package_of(imp.importer):
            edges[imp.importer].setdefault(target, imp)
    return edges


def _cycles(edges: dict[str, dict[str, Import]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                connect(w)
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

    for v in sorted(edges):
        if v not in index:
            connect(v)
    return found


def test_no_import_cycle_inside_a_package():
    edges = _graph()
    messages = []
    for component in _cycles(edges):
        members = set(component)
        links = [f"    {_where(imp)} {'(in a function) ' if imp.deferred else ''}-> {target}"
                 for module in component for target, imp in edges[module].items()
                 if target in members]
        messages.append(f"{', '.join(component)} import each other:\n" + "\n".join(links))
    assert not messages, "\n".join(messages)


def test_the_cycle_finder_finds_a_cycle_and_only_a_cycle():
    link = Import("a", "b", 1, False)
    assert _cycles({"a": {"b": link}, "b": {"c": link}, "c": {"a": link}, "d": {"a": link}}) \
        == [["a", "b", "c"]]
    assert _cycles({"a": {"b": link}, "b": {}, "c": {"b": link}}) == []


def test_the_private_rule_tells_inside_from_outside():
    assert _private_owner("hyperloom.storage._frozen.FrozenTrial") == "hyperloom.storage"
    assert _private_owner("hyperloom.samplers._gp._sampler") == "hyperloom.samplers"
    assert _private_owner("hyperloom.storage.FrozenTrial") is None
    assert _private_owner("hyperloom.space.__init__") is None
    assert _private_owner("numpy._core") is None


#: Loaded on first use only: front ends, plots and optional dependencies.
HEAVY = ("hyperloom.sweep", "hyperloom.hypergrad", "hyperloom.viz", "hyperloom.graph",
         "hyperloom.cgp", "hyperloom.template", "torch", "lark", "gin", "matplotlib", "plotly",
         "dask", "distributed", "cloudpickle", "psycopg", "gymnasium", "networkx")


def _loaded_by(statement: str) -> list[str]:
    """Modules that `python -X importtime -c statement` reports loading, in order."""
    run = subprocess.run([sys.executable, "-X", "importtime", "-c", statement],
                         capture_output=True, text=True, check=True)
    names = []
    for line in run.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            if name != "imported package":  # the header line
                names.append(name)
    return names


def test_import_hyperloom_loads_no_front_end_and_no_optional_dependency():
    loaded = _loaded_by("import hyperloom")
    assert "hyperloom" in loaded
    heavy = [m for m in loaded if any(m == h or m.startswith(h + ".") for h in HEAVY)]
    assert not heavy, f"import hyperloom loads {heavy}; import them where first used"


def test_the_importtime_reader_sees_a_front_end_when_one_is_loaded():
    loaded = _loaded_by("import hyperloom.sweep")
    assert "hyperloom.sweep" in loaded and "hyperloom.sweep._config" in loaded
