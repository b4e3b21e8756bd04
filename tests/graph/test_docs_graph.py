"""docs/graph.md's code runs as written, in order, in one namespace."""

from pathlib import Path

import pytest

from docs import python_blocks

DOC = Path(__file__).resolve().parents[2] / "docs" / "graph.md"


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_every_python_block_of_the_graph_docs_runs():
    blocks = python_blocks(DOC.read_text())
    assert len(blocks) == 7
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), namespace)  # noqa: S102 - our own docs
    assert set(namespace["best"]) == {"linreg.line.w", "linreg.line.b"}
