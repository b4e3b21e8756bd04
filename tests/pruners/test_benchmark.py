"""The pruning benchmark's quick mode runs every contender it can and writes its table."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "pruning.py"


@pytest.mark.slow
def test_quick_mode_writes_regret_and_steps_for_each_family(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(SCRIPT), "--quick", "--seeds", "2",
                           "--out-dir", str(tmp_path)], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "reproduce: ./run bench pruning --quick --seeds 2" in done.stdout
    data = json.loads((tmp_path / "pruning.json").read_text())
    # The peers come with the `bench` extra; without it the benchmark runs ours alone.
    with_optuna = importlib.util.find_spec("optuna") is not None
    for family in ("ordered", "crossing"):
        cells = data["families"][family]
        assert ("optuna-asha" in cells) == with_optuna
        assert cells["hl-none"]["steps_used"] == 1.0
        extrapolation = cells["hl-extrapolation"]
        assert len(extrapolation["regret"]) == 2 and min(extrapolation["regret"]) >= 0
        assert 0 < extrapolation["steps_used"] < 1
