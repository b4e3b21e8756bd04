"""Importance recovers the truth: on 4a + b + 0c the variance shares are 16/17, 1/17 and 0,
whichever method; conditional and categorical parameters get their due; 100,000 trials in
well under 5 s."""

from __future__ import annotations

import time

import numpy as np
import pytest

import hyperloom as hl
import hyperloom.viz as viz

pytest.importorskip("sklearn")
pytestmark = pytest.mark.slow  # fits forests and imports scikit-learn (1.5 s)


@pytest.mark.parametrize("method", ["fanova", "permutation"])
def test_one_dominates_one_matters_a_little_one_not_at_all(make_synthetic, method):
    study = make_synthetic(3_000)
    shares = viz.importances(study, method=method)
    assert list(shares) == ["a", "b", "c"]  # most important first
    assert shares["a"] == pytest.approx(16 / 17, abs=0.04)
    assert shares["b"] == pytest.approx(1 / 17, abs=0.04)
    assert shares["c"] < 0.01
    assert sum(shares.values()) == pytest.approx(1.0)


def test_a_conditional_parameter_that_matters_is_found():
    def objective(trial):
        kind = trial.suggest_categorical("kind", ["wide", "narrow"])
        noise = trial.suggest_float("noise", 0, 1)
        if kind == "wide":
            width = trial.suggest_float("width", 0, 10)
            return width + 0.01 * noise
        return 5.0 + 0.01 * noise

    study = hl.create_study(sampler=hl.samplers.RandomSampler(seed=0))
    study.optimize(objective, n_trials=400)
    for method in ("fanova", "permutation"):
        shares = viz.importances(study, method=method)
        assert set(shares) == {"kind", "noise", "width"}
        assert shares["width"] > 0.5 and shares["noise"] < 0.02, (method, shares)


def test_a_categorical_parameter_that_dominates_comes_first():
    def objective(trial):
        opt = trial.suggest_categorical("optimizer", ["sgd", "adam", "rmsprop"])
        lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
        return {"sgd": 3.0, "adam": 0.0, "rmsprop": 1.0}[opt] + 0.1 * np.log10(lr)

    study = hl.create_study(sampler=hl.samplers.RandomSampler(seed=0))
    study.optimize(objective, n_trials=300)
    shares = viz.importances(study)
    assert list(shares) == ["optimizer", "lr"] and shares["optimizer"] > 0.9


def test_the_second_objective_of_a_multi_objective_study(multi_study):
    # objective 1 is (1 - x)^2 + y + 0.1 [kind == b]: x and y matter, kind a little
    first = viz.importances(multi_study, objective=0)
    second = viz.importances(multi_study, objective=1)
    assert list(first)[0] == "x" and first["x"] > 0.9  # objective 0 is x itself
    assert second["y"] > 0.3 and second["x"] > 0.2 and second["kind"] < 0.2


def test_an_objective_that_never_varies_gives_equal_shares(make_synthetic):
    shares = viz.importances(make_synthetic(100, value=lambda a, b, c: 1.0))
    assert shares == {"a": pytest.approx(1 / 3), "b": pytest.approx(1 / 3),
                      "c": pytest.approx(1 / 3)}


def test_mistakes_are_named():
    with pytest.raises(viz.PlotError, match="method='shap'.*'fanova' or 'permutation'"):
        viz.importances(hl.create_study(), method="shap")
    with pytest.raises(viz.PlotError, match="at least 2 completed trials"):
        viz.importances(hl.create_study())


@pytest.mark.timed
def test_100000_trials_in_under_5_seconds_on_a_stated_sample(big_study, make_synthetic):
    viz.importances(make_synthetic(50))  # scikit-learn imported: its 1.5 s are paid once
    for method in ("fanova", "permutation"):
        started = time.perf_counter()
        data = viz.importance_data(big_study, method=method)
        elapsed = time.perf_counter() - started
        assert elapsed < 5.0, f"{method}: {elapsed:.1f} s"
        assert "10,000 of 98,000 completed trials" in data.note
        assert data.names[0] == "a" and data.importances[0] > 0.85
