"""optimize(n_jobs=2, deterministic=True): parallel, and the same parameters on every run."""

import random
import threading
import time

import pytest

import hyperloom as hl
from hyperloom import TrialState
from hyperloom.samplers import AutoSampler, CmaEsSampler, GeneticSampler, TPESampler


def jittery(trial):
    """A define-by-run objective whose trials finish in a different order on every run."""
    x = trial.suggest_float("x", -5, 5)
    lr = trial.suggest_float("lr", 1e-4, 1, log=True)
    kind = trial.suggest_categorical("kind", ["a", "b", "c"])
    if kind == "b":
        x += trial.suggest_int("shift", -2, 2)
    time.sleep(random.random() * 0.004)
    return (x - 1) ** 2 + lr + (kind == "c")


def _params(study):
    return [t.params for t in study.trials]


@pytest.mark.parametrize("make_sampler", [
    lambda: TPESampler(seed=7, n_startup_trials=5),
    lambda: AutoSampler(seed=7),
    lambda: GeneticSampler(seed=7, population_size=6),
], ids=["tpe", "auto", "genetic"])
@pytest.mark.parametrize("executor", [
    "threads", pytest.param("processes", marks=pytest.mark.slow)])  # starts workers 3 times
def test_same_seed_gives_identical_parameters_over_three_parallel_runs(make_sampler, executor):
    runs = []
    for _ in range(3):
        study = hl.create_study(sampler=make_sampler())
        study.optimize(jittery, n_trials=40, n_jobs=2, deterministic=True, executor=executor)
        assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 40
        runs.append(_params(study))
    assert runs[0] == runs[1] == runs[2]
    assert len({tuple(sorted(p.items())) for p in runs[0]}) == 40  # and the points differ


def test_deterministic_static_space_in_sqlite(sqlite_url):
    space = {"x": hl.space.Uniform(-2, 2), "y": hl.space.Uniform(-2, 2)}

    def objective(trial):
        time.sleep(random.random() * 0.004)
        return trial.params["x"] ** 2 + (trial.params["y"] - 0.5) ** 2

    runs = []
    for i in range(3):
        study = hl.create_study(storage=sqlite_url, study_name=f"run{i}", space=space,
                                sampler=CmaEsSampler(seed=1, popsize=4))
        study.optimize(objective, n_trials=24, n_jobs=2, deterministic=True,
                       executor="threads")
        runs.append(_params(hl.load_study(storage=sqlite_url, study_name=f"run{i}")))
    assert runs[0] == runs[1] == runs[2]


def test_trials_of_a_batch_run_at_the_same_time_and_are_stored_in_number_order():
    barrier = threading.Barrier(2, timeout=10)  # passes only if two objectives overlap

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        barrier.wait()
        time.sleep(0.02 if trial.number % 2 == 0 else 0)  # the odd trial returns first
        return x

    study = hl.create_study(sampler=TPESampler(seed=0))
    study.optimize(objective, n_trials=6, n_jobs=2, deterministic=True, executor="threads")
    completed = [t.datetime_complete for t in study.trials]
    assert completed == sorted(completed)


def test_an_unseeded_sampler_is_refused_with_the_fix():
    study = hl.create_study(sampler=TPESampler())
    with pytest.raises(ValueError, match=r"seeded sampler.*seed=0"):
        study.optimize(jittery, n_trials=4, n_jobs=2, deterministic=True)
    assert study.trials == []


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_an_error_finishes_the_whole_batch_before_it_is_raised():
    def objective(trial):
        trial.suggest_float("x", 0, 1)
        if trial.number == 2:
            raise RuntimeError("boom")
        time.sleep(0.01)
        return 1.0

    study = hl.create_study(sampler=TPESampler(seed=0))
    with pytest.raises(RuntimeError, match="boom"):
        study.optimize(objective, n_trials=10, n_jobs=2, deterministic=True)
    states = [t.state for t in study.trials]
    assert states == [TrialState.COMPLETE, TrialState.COMPLETE, TrialState.FAILED,
                      TrialState.COMPLETE]
    assert "boom" in study.trials[2].system_attrs["fail_reason"]


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_caught_errors_and_pruning_keep_the_run_going():
    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        if trial.number % 3 == 1:
            raise ValueError("bad point")
        if trial.number % 3 == 2:
            raise hl.TrialPruned()
        return x

    study = hl.create_study(sampler=TPESampler(seed=0))
    with pytest.warns(UserWarning, match="bad point"):
        study.optimize(objective, n_trials=9, n_jobs=2, deterministic=True, catch=ValueError)
    assert [t.state for t in study.trials] == [
        TrialState.COMPLETE, TrialState.FAILED, TrialState.PRUNED] * 3
