"""benchmarks/viz.py runs end to end on a small study and writes what its README section
reads: every plot timed for both libraries, the report's size, Optuna's hopeless cases
skipped with their reason."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # about 20 s: warm-up, two libraries, a report

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "viz.py"


def test_the_benchmark_writes_a_row_per_plot_and_the_report(tmp_path):
    pytest.importorskip("optuna")
    run = subprocess.run([sys.executable, str(SCRIPT), "--sizes", "300", "--timeout", "60",
                          "--out", str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads((tmp_path / "viz.json").read_text())
    (size,) = result["results"]
    plots = {r["plot"]: r for r in size["plots"]}
    assert set(plots) == {"history", "parallel", "slice", "contour", "edf", "intermediate",
                          "timeline", "pareto", "importance (fanova)",
                          "importance (permutation)"}
    assert all(r["hyperloom_s"] > 0 and r["hyperloom_bytes"] > 0 for r in plots.values())
    assert plots["history"]["optuna_s"] > 0 and "ratio" in plots["history"]
    assert plots["importance (permutation)"]["optuna"].startswith("skipped: Optuna 5.0")
    assert 4e6 < size["report"]["bytes"] < 10e6
    assert "reproduce: ./run bench viz --sizes 300" in run.stdout


def test_the_report_only_run_writes_each_repeat_of_the_report_apart(tmp_path):
    run = subprocess.run([sys.executable, str(SCRIPT), "--report-only", "--sizes", "300",
                          "--repeat", "2", "--out", str(tmp_path)], capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads((tmp_path / "viz-report.json").read_text())
    (size,) = result["results"]
    assert size["trials"] == 300 and len(size["reports"]) == 2
    assert all(r["seconds"] > 0 and 4e6 < r["bytes"] < 10e6 for r in size["reports"])
    assert not (tmp_path / "viz.json").exists()  # the full run's results stay as they are
