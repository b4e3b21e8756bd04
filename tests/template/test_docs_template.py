"""docs/template.md's code runs as written, in order, in one module (so that the templated
functions it defines have a source to read)."""

import runpy
from pathlib import Path

import pytest

from docs import python_blocks

DOC = Path(__file__).resolve().parents[2] / "docs" / "template.md"


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_every_python_block_of_the_template_docs_runs(tmp_path):
    blocks = python_blocks(DOC.read_text())
    assert len(blocks) == 5
    stub = "class Dropout:\n    def __init__(self, rate):\n        self.rate = rate\n\n\n"
    module = tmp_path / "template_docs.py"
    module.write_text(stub + "\n".join(blocks))
    namespace = runpy.run_path(str(module))
    assert len(namespace["resumed"].trials) == 8
    assert namespace["best_model"].score(namespace["x_test"], namespace["y_test"]) > 0.9
