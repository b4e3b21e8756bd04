"""Trials proposed while others run in worker processes differ: the samplers see the running
trials' params (written before the job leaves), on an in-memory and an SQLite study."""

from __future__ import annotations

import time

import pytest

import hyperloom as hl
from hyperloom import TrialState
from hyperloom.samplers import CmaEsSampler, GeneticSampler, GPSampler, TPESampler

pytestmark = pytest.mark.slow  # worker processes and model-based proposals take seconds


def bowl(trial):
    x = trial.suggest_float("x", -3, 3)
    y = trial.suggest_float("y", -3, 3)
    time.sleep(0.1)  # long enough for four trials to overlap
    return (x - 1) ** 2 + (y + 0.5) ** 2


SPACE = {"x": hl.Uniform(-3, 3), "y": hl.Uniform(-3, 3)}


@pytest.mark.parametrize("make_sampler", [
    lambda: TPESampler(seed=0, n_startup_trials=6),
    lambda: GPSampler(seed=0, n_startup_trials=6),
    lambda: CmaEsSampler(seed=0, popsize=8),
    lambda: GeneticSampler(seed=0, population_size=8),
], ids=["tpe", "gp", "cmaes", "genetic"])
@pytest.mark.parametrize("storage", ["memory", "sqlite"])
def test_four_workers_never_evaluate_copies_of_one_point(make_sampler, storage, tmp_path):
    url = None if storage == "memory" else f"sqlite:///{tmp_path / 'p.db'}"
    study = hl.create_study(storage=url, sampler=make_sampler(), space=SPACE)
    study.optimize(bowl, n_trials=6)  # the start-up trials, one at a time
    study.optimize(bowl, n_trials=16, n_jobs=4)
    trials = study.trials
    assert [t.state for t in trials] == [TrialState.COMPLETE] * 22
    points = [(round(t.params["x"], 9), round(t.params["y"], 9)) for t in trials]
    assert len(set(points)) == len(points)
