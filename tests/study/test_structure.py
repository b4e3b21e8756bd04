"""The study and execution packages keep their seams: no import cycle inside either, and no
code outside the Study class reaches into a study's private attributes."""

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "hyperloom"


def _local_imports(path: Path) -> set[str]:
    """Sibling modules `path` imports, at any depth (lazy and TYPE_CHECKING imports too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
    return found


def _cycle(package: Path) -> list[str] | None:
    graph = {p.stem: _local_imports(p) for p in package.glob("*.py")}
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path + [nxt]
            if nxt in graph and nxt not in state and (found := visit(nxt, path + [nxt])):
                return found
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start, [start])):
            return found
    return None


@pytest.mark.parametrize("package", ["study", "execution"])
def test_no_import_cycle_inside_the_package(package):
    assert _cycle(SRC / package) is None


def test_the_cycle_check_finds_a_cycle(tmp_path):
    (tmp_path / "_a.py").write_text("from ._b import x\n")
    (tmp_path / "_b.py").write_text("def f():\n    from ._a import y\n")
    assert _cycle(tmp_path) == ["_a", "_b", "_a"]


def test_execution_does_not_import_the_study_layer_above_it():
    for path in (SRC / "execution").glob("*.py"):
        assert "..study" not in path.read_text(), path.name


def test_nothing_outside_the_study_class_reads_a_study_private():
    # an attribute of a study object (`study._x`, `self.study._x`), not a module path
    pattern = re.compile(r"(?<!hyperloom\.)(?<!from \.)(?<!from \.\.)\bstudy\._[a-z]")
    offenders = [f"{p.relative_to(SRC)}:{n}" for p in SRC.rglob("*.py")
                 for n, line in enumerate(p.read_text().splitlines(), 1)
                 if pattern.search(line) and p.name != "_study.py"]
    assert offenders == []
