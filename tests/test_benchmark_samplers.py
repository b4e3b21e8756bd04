"""The sampler benchmark's smallest form runs every kind of contender and writes its tables."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "samplers.py"


@pytest.mark.slow
def test_a_tiny_run_writes_the_quality_and_target_tables(tmp_path: Path) -> None:
    contenders = ["hl-auto", "hl-tpe", "hl-cmaes"]
    # The peers come with the `bench` extra; without it the benchmark runs ours alone.
    if importlib.util.find_spec("optuna") is not None:
        contenders.append("optuna-tpe")
    if importlib.util.find_spec("hyperopt") is not None:
        contenders.append("hyperopt-anneal")
    cmd = [sys.executable, str(SCRIPT), "--problems", "branin,mixed", "--contenders",
           ",".join(contenders), "--seeds", "2", "--budgets", "10,20", "--no-overhead",
           "--jobs", "1", "--out", str(tmp_path)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "reproduce with: ./run bench samplers --problems branin,mixed" in done.stdout

    data = json.loads((tmp_path / "samplers.json").read_text())
    assert not [r for r in data["runs"] if "error" in r]
    assert len(data["runs"]) == 2 * 2 * len(contenders)
    for problem in ("branin", "mixed"):
        for c in contenders:
            cell = data["quality"][problem][c]["20"]
            assert cell["n_seeds"] == 2 and cell["q1"] <= cell["median"] <= cell["q3"]
    md = (tmp_path / "samplers.md").read_text()
    assert "## Targets: ratios of medians" in md and "| branin | 20 |" in md
    assert "## Mean rank over problems" in md
