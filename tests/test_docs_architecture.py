"""docs/architecture.md's code runs as written, and its example front end does what it says."""

import re
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "architecture.md"


def test_every_python_block_runs_and_the_example_front_end_tunes_its_space():
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)
    assert len(blocks) == 2
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), namespace)  # noqa: S102 - our own docs
    study = namespace["study"]
    assert len(study.trials) == 30
    assert set(study.space) == {"lr", "layers", "act"}
    assert study.best_params["act"] == "relu" and study.best_value < 1e-3


def test_the_example_front_end_is_about_thirty_lines():
    first = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)[0]
    assert len(first.strip().splitlines()) <= 35
