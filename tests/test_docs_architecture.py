"""docs/architecture.md's code runs as written, and its example front end does what it says."""

from pathlib import Path

from docs import python_blocks

DOC = Path(__file__).resolve().parent.parent / "docs" / "architecture.md"


def test_every_python_block_runs_and_the_example_front_end_tunes_its_space():
    blocks = python_blocks(DOC.read_text())
    assert len(blocks) == 2
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), namespace)  # noqa: S102 - our own docs
    study = namespace["study"]
    assert len(study.trials) == 30
    assert set(study.space) == {"lr", "layers", "act"}
    assert study.best_params["act"] == "relu" and study.best_value < 1e-3


def test_the_example_front_end_is_about_thirty_lines():
    first = python_blocks(DOC.read_text())[0]
    assert len(first.strip().splitlines()) <= 35
