"""CmaEsSampler: convergence, restarts, resuming by replay, mixed spaces, integer and stepped
parameters (CMA-ES with margin), the optional dependency."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

import hyperloom as hl
from hyperloom.samplers import CmaEsSampler
from hyperloom.storage._memory import InMemoryStorage


def sphere10(trial) -> float:
    return sum((trial.suggest_float(f"x{i}", -5, 5) - 1.0) ** 2 for i in range(10))


def mixed(trial) -> float:
    x = trial.suggest_float("x", -3, 3)
    lr = trial.suggest_float("lr", 1e-4, 1, log=True)
    n = trial.suggest_int("n", 0, 30)
    act = trial.suggest_categorical("act", ["relu", "tanh"])
    return x ** 2 + (np.log10(lr) + 2) ** 2 + (n - 12) ** 2 / 50 + (act == "tanh")


def int_sphere10(trial) -> float:
    return sum((trial.suggest_int(f"x{i}", -10, 10) - 3) ** 2 for i in range(10))


def floats_and_ints(trial) -> float:
    # The float part needs a small step size to be solved, which used to freeze the integers
    # at whatever values they had by then.
    c = sum(100 * (trial.suggest_float(f"c{i}", -5, 5) - 1) ** 2 for i in range(5))
    z = sum((trial.suggest_int(f"z{i}", -10, 10) - 3) ** 2 for i in range(5))
    return c + z


def params_of(study) -> list[dict]:
    return [t.params for t in study.trials]


def optimizer_of(sampler):
    (run,) = sampler._runs.values()
    return run.optimizer


def test_converges_on_a_10d_sphere():
    study = hl.create_study(sampler=CmaEsSampler(seed=0))
    study.optimize(sphere10, n_trials=500)
    assert study.best_value < 0.05
    assert all(abs(v - 1.0) < 0.2 for v in study.best_params.values())


def test_mixed_space_int_log_and_categorical():
    study = hl.create_study(sampler=CmaEsSampler(seed=1))
    study.optimize(mixed, n_trials=200)
    assert study.best_value < 0.5
    assert all(isinstance(t.params["n"], int) for t in study.trials)
    assert {t.params["act"] for t in study.trials} == {"relu", "tanh"}


def test_maximize_and_x0_sigma0():
    study = hl.create_study(direction="maximize",
                            sampler=CmaEsSampler(x0={"x": 2.0, "y": -2.0}, sigma0=0.05, seed=2))
    study.optimize(lambda t: -(t.suggest_float("x", -5, 5) - 2) ** 2
                   - (t.suggest_float("y", -5, 5) + 2) ** 2, n_trials=60)
    # Trial 0 is drawn from the priors (define-by-run: no space known yet); then CMA-ES
    # samples around x0 with a small step.
    for t in study.trials[1:6]:
        assert abs(t.params["x"] - 2.0) < 1.5 and abs(t.params["y"] + 2.0) < 1.5
    assert study.best_value > -0.01


def test_same_seed_same_proposals():
    runs = []
    for _ in range(2):
        study = hl.create_study(sampler=CmaEsSampler(seed=5))
        study.optimize(mixed, n_trials=40)
        runs.append(params_of(study))
    assert runs[0] == runs[1]


def test_integer_space_reaches_the_optimum_without_repeating_itself():
    sampler = CmaEsSampler(seed=4)
    study = hl.create_study(sampler=sampler)
    study.optimize(int_sphere10, n_trials=300)
    assert type(optimizer_of(sampler)).__name__ == "CMAwM"
    assert study.best_value <= 1
    assert all(isinstance(v, int) and -10 <= v <= 10 for t in study.trials
               for v in t.params.values())
    # Until it gets there, nearly every proposal is a new point: no re-evaluating the same
    # rounded values.
    values = [t.value for t in study.trials]
    reached = next(i for i, v in enumerate(values) if v <= 1)
    searching = [tuple(t.params.values()) for t in study.trials[50:reached]]
    assert len(searching) > 100
    assert len(set(searching)) / len(searching) > 0.9


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
@pytest.mark.parametrize("seed", [1, 3])
def test_integers_keep_moving_while_floats_converge(seed):
    # Plain CMA-ES (the sampler before CMA-ES with margin) froze the integers one or two steps
    # from their optimum with these seeds, proposing the same integers for hundreds of trials.
    study = hl.create_study(sampler=CmaEsSampler(seed=seed))
    study.optimize(floats_and_ints, n_trials=800)
    assert all(study.best_params[f"z{i}"] == 3 for i in range(5))
    assert study.best_value < 0.5
    last = {tuple(t.params[f"z{i}"] for i in range(5)) for t in study.trials[-100:]}
    assert len(last) >= 5


def test_mixed_static_space_stays_in_the_space():
    space = hl.SearchSpace({
        "x": hl.Uniform(-3, 3),
        "lr": hl.LogUniform(1e-4, 1),
        "n": hl.IntUniform(0, 30, step=3),
        "units": hl.IntUniform(1, 1024, log=True),
        "drop": hl.QUniform(0.0, 0.5, 0.1),
        "one": hl.IntUniform(5, 5),
        "act": hl.Choice(["relu", "tanh"]),
    })

    def objective(trial):
        p = trial.params
        return (p["x"] ** 2 + (np.log10(p["lr"]) + 2) ** 2 + (p["n"] - 12) ** 2 / 50
                + (np.log2(p["units"]) - 6) ** 2 / 10 + (p["drop"] - 0.2) ** 2 * 10
                + (p["act"] == "tanh"))

    sampler = CmaEsSampler(seed=6)
    study = hl.create_study(sampler=sampler, space=space)
    study.optimize(objective, n_trials=150)
    for t in study.trials:
        space.validate(t.params)
        assert all(isinstance(t.params[k], int) for k in ("n", "units", "one"))
        assert t.params["n"] % 3 == 0 and t.params["one"] == 5
        assert round(t.params["drop"] * 10, 9).is_integer()
    # The margin covers the evenly spaced grids; floats, the log-scaled integer (uneven in its
    # log encoding) and the single-valued integer stay continuous coordinates.
    (run,) = sampler._runs.values()
    assert type(run.optimizer).__name__ == "CMAwM"
    names = sampler.infer_relative_search_space(study._view, None).names
    assert dict(zip(names, run.steps)) == pytest.approx(
        {"x": 0, "lr": 0, "n": 1 / 11, "units": 0, "drop": 1 / 6, "one": 0})
    assert study.best_value < 0.5
    assert study.best_params["n"] in (9, 12, 15)


def test_only_continuous_coordinates_keep_plain_cma():
    sampler = CmaEsSampler(seed=0)
    study = hl.create_study(sampler=sampler)
    study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2
                   + (np.log2(t.suggest_int("units", 1, 1024, log=True)) - 5) ** 2, n_trials=30)
    assert type(optimizer_of(sampler)).__name__ == "CMA"


def plateaus(trial) -> float:
    return sum(trial.suggest_float(f"x{i}", -2, 2) ** 2 for i in range(3)) // 0.5


def plateaus_with_ints(trial) -> float:
    return (sum((trial.suggest_int(f"n{i}", -4, 4) - 1) ** 2 for i in range(2))
            + trial.suggest_float("x", -2, 2) ** 2
            + trial.suggest_float("s", 0, 1, step=0.25)) // 0.5


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
@pytest.mark.parametrize("objective", [plateaus, plateaus_with_ints, int_sphere10])
@pytest.mark.parametrize("restart", [None, "ipop", "bipop"])
def test_a_new_sampler_replays_the_storage_and_continues(restart, objective):
    whole = hl.create_study(sampler=CmaEsSampler(seed=3, restart_strategy=restart))
    whole.optimize(objective, n_trials=120)
    assert params_of(_split_run(objective, restart, 47, 73)) == params_of(whole)


def _split_run(objective, restart, first_trials: int, more_trials: int):
    """A study run for `first_trials`, then resumed by a new sampler for `more_trials`."""
    storage = InMemoryStorage()
    first = hl.create_study(storage=storage, study_name="cma",
                            sampler=CmaEsSampler(seed=3, restart_strategy=restart))
    first.optimize(objective, n_trials=first_trials)
    resumed = hl.create_study(storage=storage, study_name="cma", load_if_exists=True,
                              sampler=CmaEsSampler(seed=3, restart_strategy=restart))
    resumed.optimize(objective, n_trials=more_trials)
    return resumed


@pytest.mark.parametrize("restart", ["ipop", "bipop"])
def test_restarts_when_the_search_stagnates(restart):
    sampler = CmaEsSampler(seed=0, restart_strategy=restart)
    study = hl.create_study(sampler=sampler)
    # A flat objective: the function-value history stalls at once, so CMA-ES must restart.
    study.optimize(lambda t: 0.0 * t.suggest_float("x", 0, 1) + 0.0 * t.suggest_float("y", 0, 1),
                   n_trials=200)
    (run,) = sampler._runs.values()
    assert run.restarts >= 1
    if restart == "ipop":
        assert run.optimizer.population_size > 6


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
@pytest.mark.parametrize("restart", ["ipop", "bipop"])
def test_restarts_with_integers_and_a_resumed_sampler_follows(restart):
    def flat(trial):
        return (0.0 * trial.suggest_int("n", 0, 9) + 0.0 * trial.suggest_float("x", -2, 2)
                + 0.0 * trial.suggest_float("s", 0, 1, step=0.25))

    sampler = CmaEsSampler(seed=3, restart_strategy=restart)
    whole = hl.create_study(sampler=sampler)
    whole.optimize(flat, n_trials=250)
    (run,) = sampler._runs.values()
    assert run.restarts >= 1
    assert type(run.optimizer).__name__ == "CMAwM"
    assert all(isinstance(t.params["n"], int) for t in whole.trials)
    assert params_of(_split_run(flat, restart, 97, 153)) == params_of(whole)


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_parallel_run_and_a_fresh_sampler_reach_the_same_state():
    def objective(trial):
        return (sum((trial.suggest_int(f"x{i}", -10, 10) - 3) ** 2 for i in range(4))
                + trial.suggest_float("y", -1, 1) ** 2)

    storage = InMemoryStorage()
    sampler = CmaEsSampler(seed=1)
    study = hl.create_study(storage=storage, study_name="cma", sampler=sampler)
    study.optimize(objective, n_trials=120, n_jobs=2)
    fresh = CmaEsSampler(seed=1)
    again = hl.create_study(storage=storage, study_name="cma", load_if_exists=True,
                            sampler=fresh)
    space = sampler.infer_relative_search_space(study._view, None)
    nxt = types.SimpleNamespace(number=120, params={}, distributions={})
    assert (sampler.sample_relative(study._view, nxt, space)
            == fresh.sample_relative(again._view, nxt, space))
    a, b = optimizer_of(sampler), optimizer_of(fresh)
    assert type(a).__name__ == "CMAwM"
    np.testing.assert_array_equal(a.mean, b.mean)
    np.testing.assert_array_equal(a._A, b._A)


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_failed_and_parallel_trials_are_tolerated():
    def objective(trial):
        v = sphere10(trial)
        if trial.number % 9 == 4:
            raise RuntimeError("boom")
        return v

    study = hl.create_study(sampler=CmaEsSampler(seed=4))
    with pytest.warns(UserWarning):
        study.optimize(objective, n_trials=80, catch=(RuntimeError,), n_jobs=2)
    assert len(study.trials) == 80


def test_conditional_static_space_uses_the_unconditional_numbers():
    space = hl.SearchSpace({
        "x": hl.Uniform(-3, 3),
        "n": hl.IntUniform(1, 8),
        "model": hl.Choice({"a": {"a1": hl.Uniform(0, 1)}, "b": {}}),
    })
    sampler = CmaEsSampler(seed=0)
    study = hl.create_study(sampler=sampler, space=space)
    study.optimize(lambda t: t.params["x"] ** 2 + t.params["n"], n_trials=40)
    for t in study.trials:
        space.validate(t.params)
    assert sampler.infer_relative_search_space(study._view, None).names == ["x", "n"]
    assert study.best_value < 1.5


def test_errors():
    with pytest.raises(ValueError, match="restart_strategy"):
        CmaEsSampler(restart_strategy="lbfgs")
    with pytest.raises(ValueError, match="sigma0"):
        CmaEsSampler(sigma0=-1)
    study = hl.create_study(directions=["minimize", "maximize"], sampler=CmaEsSampler())
    with pytest.raises(ValueError, match="NSGAIISampler"):
        study.optimize(lambda t: (t.suggest_float("x", 0, 1), 0.0), n_trials=1)


def test_missing_cmaes_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "cmaes", None)
    with pytest.raises(ImportError, match=r"pip install hyperloom\[cmaes\]"):
        CmaEsSampler()


def test_pickles_after_use():
    import pickle

    sampler = CmaEsSampler(seed=0)
    study = hl.create_study(sampler=sampler)
    study.optimize(mixed, n_trials=20)
    clone = pickle.loads(pickle.dumps(sampler))
    assert clone._runs.keys() == sampler._runs.keys()
