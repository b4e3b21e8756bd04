"""Hybrid tuning: the study samples structure, each trial tunes continuous hyperparameters by
hypergradient and is recorded like any other trial."""

from __future__ import annotations

import math

import pytest
import torch

import hyperloom as hl
import hyperloom.hypergrad as hg

pytestmark = pytest.mark.torch


def _data():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(40, 1, generator=g) * 2 - 1
    xv = torch.rand(60, 1, generator=g) * 2 - 1
    f = lambda t: torch.sin(3 * t).squeeze(-1)  # noqa: E731
    return (x, f(x) + 0.3 * torch.randn(40, generator=g)), (xv, f(xv))


def _features(x, degree):
    return torch.cat([x**k for k in range(degree + 1)], dim=1)


def build(trial):
    """Structure from the sampler (degree, optimizer), L2 strength by hypergradient."""
    degree = trial.suggest_int("degree", 1, 8)
    kind = trial.suggest_categorical("optimizer", ["sgd", "momentum"])
    (x, y), (xv, yv) = _data()
    train, val = (_features(x, degree), y), (_features(xv, degree), yv)

    def inner(p, h, b):
        X, t = b
        return 0.5 * ((X @ p["w"] - t) ** 2).mean() + 0.5 * h["l2"] * (p["w"] ** 2).sum()

    def outer(p, h, b):
        X, t = b
        return 0.5 * ((X @ p["w"] - t) ** 2).mean()

    momentum = 0.5 if kind == "momentum" else 0.0
    return hg.BilevelProblem(
        inner, outer, {"w": torch.zeros(degree + 1)}, {"l2": hg.hyperparameter(1.0, "positive")},
        train, val, hg.SGD(lr=0.2, momentum=momentum), method=hg.Reverse(25),
        outer_optimizer=lambda ps: torch.optim.Adam(ps, lr=0.3),
    )


def test_tune_records_trials_with_hypergradient_tuned_values():
    study = hl.create_study(direction="minimize", sampler=hl.samplers.RandomSampler(seed=1))
    out = hg.tune(study, build, n_trials=3, hyper_steps=5)
    assert out is study
    trials = study.trials
    assert len(trials) == 3
    for t in trials:
        assert t.state == hl.TrialState.COMPLETE
        assert sorted(t.intermediate_values) == list(range(5))
        info = t.user_attrs["hypergrad"]
        l2 = info["hparams"]["l2"]
        assert isinstance(l2, float) and l2 != 1.0  # moved by the hypergradient
        assert len(info["outer_loss"]) == 5
        # the final value is at least as good as where the hypergradient descent started
        assert t.value <= t.intermediate_values[0] + 1e-9
        assert math.isfinite(t.value)
    assert study.best_value == min(t.value for t in trials)
    assert {"degree", "optimizer"} == set(study.best_params)


def test_objective_helper_checks_its_arguments():
    with pytest.raises(ValueError, match="hyper_steps"):
        hg.objective(build, hyper_steps=0)
    with pytest.raises(TypeError, match="needs a study"):
        hg.tune(object(), build, n_trials=1)


def test_pruned_trials_keep_their_hypergradient_record():
    class PruneAll(hl.pruners.BasePruner):
        def prune(self, study, trial):
            return True

    study = hl.create_study(sampler=hl.samplers.RandomSampler(seed=0), pruner=PruneAll())
    study.optimize(hg.objective(build, hyper_steps=3), n_trials=1)
    (t,) = study.trials
    assert t.state == hl.TrialState.PRUNED
    assert list(t.intermediate_values) == [0]
    assert len(t.user_attrs["hypergrad"]["outer_loss"]) == 1


def test_a_trial_whose_inner_run_diverges_fails_and_the_study_goes_on():
    def build_lr(trial):
        (x, y), (xv, yv) = _data()
        train, val = (_features(x, 3), y), (_features(xv, 3), yv)

        def inner(p, h, b):
            X, t = b
            return 0.5 * ((X @ p["w"] - t) ** 2).mean() + 0.5 * h["l2"] * (p["w"] ** 2).sum()

        lr = trial.suggest_float("lr", 0.1, 100.0, log=True)  # 50: the inner run diverges
        return hg.BilevelProblem(inner, inner, {"w": torch.zeros(4)},
                                 {"l2": hg.hyperparameter(1.0, "positive")}, train, val,
                                 hg.SGD(lr=lr), method=hg.Reverse(200))

    study = hl.create_study(sampler=hl.samplers.GridSampler({"lr": [50.0, 0.1]}))
    with pytest.warns(UserWarning, match="not finite"):
        hg.tune(study, build_lr, n_trials=2, hyper_steps=2)
    failed, ok = sorted(study.trials, key=lambda t: t.state != hl.TrialState.FAILED)
    assert failed.state == hl.TrialState.FAILED and failed.params["lr"] == 50.0
    assert "is not finite" in failed.user_attrs["hypergrad"]["error"]
    assert ok.state == hl.TrialState.COMPLETE
