"""`hyperloom worker`: more workers for a study, from any machine that reaches its storage."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import hyperloom as hl
from hyperloom import TrialState

HYPERLOOM = str(Path(sys.executable).parent / "hyperloom")

OBJECTIVE = """
    import time

    def objective(trial):
        x = trial.suggest_float("x", -2, 2)
        time.sleep(0.05)
        return x * x
"""


def _worker(tmp_path, *args: str, wait: bool = True):
    argv = [HYPERLOOM, "worker", *args]
    if not wait:
        return subprocess.Popen(argv, cwd=tmp_path, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    return subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=120)


@pytest.mark.slow  # over 0.4 s: ./run test runs it, the fast tier not
def test_a_misspelt_objective_is_one_line_naming_it(tmp_path, sqlite_url):
    hl.create_study(storage=sqlite_url, study_name="s")
    out = _worker(tmp_path, "--storage", sqlite_url, "--study", "s", "--objective",
                  "no_such_module:objective")
    assert out.returncode == 1
    assert out.stderr.strip().splitlines() == [
        "error: cannot import 'no_such_module:objective': No module named 'no_such_module'"]


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_a_missing_study_names_the_known_ones(tmp_path, sqlite_url):
    hl.create_study(storage=sqlite_url, study_name="s")
    (tmp_path / "tune.py").write_text(textwrap.dedent(OBJECTIVE))
    out = _worker(tmp_path, "--storage", sqlite_url, "--study", "t", "--objective",
                  "tune:objective")
    assert out.returncode == 1 and "no study named 't'" in out.stderr
    assert hl.load_study(study_name="s", storage=sqlite_url).trials == []


@pytest.mark.slow
def test_workers_and_a_coordinator_share_one_study(tmp_path, sqlite_url):
    (tmp_path / "tune.py").write_text(textwrap.dedent(OBJECTIVE))
    study = hl.create_study(storage=sqlite_url, study_name="s", heartbeat_interval=1)
    args = ["--storage", sqlite_url, "--study", "s", "--objective", "tune:objective",
            "--n-trials", "6"]
    workers = [_worker(tmp_path, *args, wait=False),
               _worker(tmp_path, *args, "--n-jobs", "2", wait=False)]
    sys.path.insert(0, str(tmp_path))
    try:
        from tune import objective  # the same function the workers import
        study.optimize(objective, n_trials=6, n_jobs=2)
    finally:
        sys.path.remove(str(tmp_path))
    for worker in workers:
        _out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        assert "6 trial(s) of 's' run here, 6 COMPLETE" in err
    trials = study.trials
    assert [t.number for t in trials] == list(range(18))
    assert [t.state for t in trials] == [TrialState.COMPLETE] * 18
