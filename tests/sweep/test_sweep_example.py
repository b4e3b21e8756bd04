"""The example in examples/sweep runs as documented."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import hyperloom as hl
from hyperloom.space import Choice, IntUniform, LogUniform, Uniform
from hyperloom.sweep import expand, run_sweep, to_search_space

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sweep"


def test_the_grid_has_twelve_named_configs():
    configs = expand(EXAMPLE / "sweep.hyp")
    assert len(configs) == 12
    assert configs[0].name == "sgd-lr0.1-depth2-seed0"
    assert configs[-1].name == "adam-lr0.003-depth4-seed1"
    assert configs[3].resolved() == [
        ("optimizer.momentum", "0.9"), ("optimizer.name", "'sgd'"), ("optimizer.lr", "0.1"),
        ("Model.width", "%width * 2"), ("Model.depth", "4"), ("Model.dropout", "0.1"),
        ("train.seed", "1"), ("seed", "1")]
    assert configs[3].includes == ["base.gin"]


def test_the_search_file_is_a_search_space():
    space = to_search_space(EXAMPLE / "search.hyp")
    assert space.names == ["optimizer.name", "optimizer.lr", "Model.width", "Model.depth",
                           "Model.dropout"]
    assert space["optimizer.name"] == Choice(["sgd", "adam"])
    assert space["optimizer.lr"] == LogUniform(1e-4, 1e-1)
    assert space["Model.width"] == Choice([32, 64, 128])
    assert space["Model.depth"] == IntUniform(1, 4)
    assert space["Model.dropout"] == Uniform(0, 0.5)


@pytest.mark.slow
def test_the_trainer_runs_under_hyperloom_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db = f"sqlite:///{tmp_path / 'h.db'}"
    result = run_sweep(EXAMPLE / "sweep.hyp", [sys.executable, str(EXAMPLE / "train.py"),
                                                "{config}"], storage=db, n_trials=1, echo=None)
    assert (result.completed, result.failed) == (1, 0)
    (trial,) = hl.load_study(study_name="sweep", storage=db).trials
    assert trial.state == hl.TrialState.COMPLETE
    assert 0 < trial.values[0] < 2
    assert trial.user_attrs["name"] == "sgd-lr0.1-depth2-seed0"
