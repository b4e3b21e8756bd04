"""The sampler benchmark's smallest form runs every kind of contender and writes its tables."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
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


def _run(problems: str, budgets: str, out: Path, contenders: str = "hl-tpe,hl-random",
         seeds: str = "2", first_seed: str = "0") -> None:
    cmd = [sys.executable, str(SCRIPT), "--problems", problems, "--contenders", contenders,
           "--seeds", seeds, "--first-seed", first_seed, "--budgets", budgets,
           "--no-overhead", "--jobs", "1", "--out", str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
def test_two_runs_combine_into_one_summary(tmp_path: Path) -> None:
    _run("branin", "10,20", tmp_path / "a")
    _run("svm", "10", tmp_path / "b")  # svm: optimum unknown, scored against the best found
    both = tmp_path / "both"
    done = subprocess.run([sys.executable, str(SCRIPT), "--combine",
                           f"{tmp_path / 'a'},{tmp_path / 'b'}", "--out", str(both)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads((both / "samplers.json").read_text())
    assert set(data["quality"]) == {"branin", "svm"}
    assert set(data["quality"]["branin"]["hl-tpe"]) == {"10", "20"}
    assert set(data["quality"]["svm"]["hl-tpe"]) == {"10"}
    runs = json.loads((tmp_path / "b" / "samplers.json").read_text())["runs"]
    best = min(min(r["best"]) for r in runs)
    for c in ("hl-tpe", "hl-random"):  # regret from the best value any run found, not the loss
        at_10 = [r["best"][9] for r in runs if r["contender"] == c]
        assert data["quality"]["svm"][c]["10"]["median"] == pytest.approx(
            float(np.median(at_10)) - best)
    md = (both / "samplers.md").read_text()
    assert "| branin | 20 |" in md and "| svm | 10 |" in md and "| svm | 20 |" not in md


@pytest.mark.slow
def test_reruns_and_more_seeds_merge_into_the_old_folder(tmp_path: Path) -> None:
    old, rerun, more = tmp_path / "old", tmp_path / "rerun", tmp_path / "more"
    _run("branin", "10", old)
    _run("branin", "10", rerun, contenders="hl-random")  # after a change to it
    _run("branin", "10", more, contenders="hl-tpe", seeds="3", first_seed="2")
    done = subprocess.run([sys.executable, str(SCRIPT), "--combine", f"{old},{rerun},{more}",
                           "--out", str(old)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads((old / "samplers.json").read_text())
    kept = sorted((r["contender"], r["seed"]) for r in data["runs"])
    assert kept == [("hl-random", 0), ("hl-random", 1)] + [("hl-tpe", s) for s in range(5)]
    assert data["quality"]["branin"]["hl-tpe"]["10"]["n_seeds"] == 5
    md = (old / "samplers.md").read_text()
    assert "5 seeds" in md and f"--combine {old},{rerun},{more} --out {old}" in md
    assert "5 for hl-tpe" in md and "2 for hl-random" in md  # merged: not one count for all
