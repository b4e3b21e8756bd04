"""hyperloom.space.from_hyperopt against the real hyperopt 0.3: the translated space samples
inside hyperopt's own supports, its stored values are hyperopt's `vals` (so `space_eval`
rebuilds the structure), nested choices make conditional parameters, and what has no
counterpart is refused naming the label."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import hyperloom as hl
from hyperloom.space import (
    Choice,
    Constant,
    IntUniform,
    LogNormal,
    LogUniform,
    Normal,
    QNormal,
    QUniform,
    SearchSpace,
    Uniform,
    from_hyperopt,
)

hyperopt = pytest.importorskip("hyperopt")
hp = hyperopt.hp


def model_space():
    """A space in the style of hyperopt's docs: a classifier choice whose branches hold their
    own hyperparameters, one of them a nested choice, beside unconditional ones."""
    return {
        "lr": hp.loguniform("lr", math.log(1e-4), math.log(1e-1)),
        "batch": hp.quniform("batch", 15.5, 130, 16),
        "layers": hp.qloguniform("layers", 0, math.log(20), 1),
        "noise": hp.normal("noise", 0, 2),
        "scale": hp.lognormal("scale", 0, 0.5),
        "seed": hp.randint("seed", 5),
        "depth_offset": hp.randint("depth_offset", 3, 9),
        "act": hp.pchoice("act", [(0.3, "relu"), (0.7, "tanh")]),
        "clf": hp.choice("clf", [
            {"type": "svm", "C": hp.uniform("C", 0.1, 10),
             "kernel": hp.choice("kernel", [{"name": "rbf", "gamma": hp.uniform("gamma", 0, 1)},
                                            {"name": "linear"}])},
            {"type": "forest", "trees": hp.uniformint("trees", 10, 100)},
            None,
        ]),
    }


def test_each_hp_function_maps_to_the_distribution_of_the_same_support():
    space = from_hyperopt(model_space())
    lr = space["lr"]  # exp(U(log 1e-4, log 1e-1)): the bounds come back through exp
    assert isinstance(lr, LogUniform)
    assert (lr.low, lr.high) == (pytest.approx(1e-4), pytest.approx(1e-1))
    # round(U(15.5, 130) / 16) * 16 reaches 16, 32, ..., 128
    assert space["batch"] == QUniform(16, 128, 16)
    assert space["layers"] == IntUniform(1, 20, log=True)
    assert space["noise"] == Normal(0, 2) and space["scale"] == LogNormal(0, 0.5)
    assert space["seed"] == IntUniform(0, 4) and space["depth_offset"] == IntUniform(3, 8)
    assert space["act"] == Choice([0, 1])
    assert space["trees"] == QUniform(10, 100, 1)
    assert space["gamma"] == Uniform(0, 1)


def test_nested_choices_become_conditional_branches():
    space = from_hyperopt(model_space())
    assert space.is_conditional
    assert set(space.top_level) == {"lr", "batch", "layers", "noise", "scale", "seed",
                                    "depth_offset", "act", "clf"}
    svm = {"clf": 0, "C": 1.0, "kernel": 1}
    forest = {"clf": 1, "trees": 50.0}
    common = {"lr": 0.01, "batch": 32.0, "layers": 3, "noise": 0.1, "scale": 1.0, "seed": 0,
              "depth_offset": 3, "act": 1}
    def active(params):
        return set(space.active_names(params)) - set(common)

    assert active({**common, **svm}) == {"clf", "C", "kernel"}
    assert active({**common, **svm, "kernel": 0, "gamma": 0.5}) == {"clf", "C", "kernel",
                                                                    "gamma"}
    assert active({**common, **forest}) == {"clf", "trees"}
    assert active({**common, "clf": 2}) == {"clf"}  # the branch without hyperparameters


def test_our_samples_are_hyperopt_vals_that_space_eval_turns_into_the_structure():
    hp_space = model_space()
    space = from_hyperopt(hp_space)
    seen_branches = set()
    for seed in range(60):
        params = space.sample(seed)
        value = hyperopt.space_eval(hp_space, params)
        seen_branches.add(params["clf"])
        assert value["act"] in ("relu", "tanh") and value["act"] == ["relu", "tanh"][params["act"]]
        assert value["lr"] == params["lr"] and 1e-4 <= value["lr"] <= 1e-1
        assert value["batch"] in {16.0 * k for k in range(1, 9)}
        if params["clf"] == 0:
            assert value["clf"]["type"] == "svm" and 0.1 <= value["clf"]["C"] <= 10
            assert value["clf"]["kernel"]["name"] == ["rbf", "linear"][params["kernel"]]
            assert ("gamma" in value["clf"]["kernel"]) == (params["kernel"] == 0)
        elif params["clf"] == 1:
            assert value["clf"] == {"type": "forest", "trees": int(params["trees"])}
            assert isinstance(value["clf"]["trees"], int)  # uniformint's int() applied
        else:
            assert value["clf"] is None and "trees" not in params and "C" not in params
    assert seen_branches == {0, 1, 2}


def _hyperopt_vals(hp_space, n: int, seed: int = 0) -> dict[str, list]:
    """hyperopt's own draws (its random search), in its `vals` form: label -> values drawn."""
    from hyperopt.base import Domain

    docs = hyperopt.rand.suggest(list(range(n)), Domain(lambda _: 0.0, hp_space),
                                 hyperopt.Trials(), seed)
    vals: dict[str, list] = {}
    for doc in docs:
        for label, drawn in doc["misc"]["vals"].items():
            vals.setdefault(label, []).extend(float(v) for v in drawn)
    return vals


@pytest.mark.slow
def test_sampled_values_lie_in_the_same_supports_as_hyperopts_own_sampling():
    hp_space = model_space()
    theirs = _hyperopt_vals(hp_space, 2000)
    ours: dict[str, list] = {}
    rng = np.random.default_rng(0)
    space = from_hyperopt(hp_space)
    for _ in range(2000):
        for label, value in space.sample(rng).items():
            ours.setdefault(label, []).append(float(value))
    assert set(ours) == set(theirs)
    for label in theirs:
        a, b = np.array(ours[label]), np.array(theirs[label])
        dist = space[label]
        if dist.finite:  # the same set of values, each reached by both
            assert set(a) == set(b), label
        elif isinstance(dist, (Uniform, LogUniform)):
            assert a.min() >= dist.low and a.max() <= dist.high
            assert b.min() >= dist.low and b.max() <= dist.high
            # both cover the range: a tenth of it from each end
            span = (np.log(dist.high) - np.log(dist.low)) if isinstance(dist, LogUniform) \
                else dist.high - dist.low
            f = np.log if isinstance(dist, LogUniform) else (lambda x: x)
            for x in (a, b):
                assert f(x.min()) - f(dist.low) < span / 10
                assert f(dist.high) - f(x.max()) < span / 10
        else:  # normal families: the same centre and spread, within sampling noise
            assert abs(np.median(a) - np.median(b)) < 0.2 * np.std(b), label
            assert 0.8 < np.std(a) / np.std(b) < 1.25, label
    # conditional labels are drawn as often as their branch is taken
    for label in ("C", "trees", "gamma"):
        assert abs(len(ours[label]) - len(theirs[label])) < 0.1 * len(theirs[label])


def test_a_study_on_the_translated_space_gives_params_space_eval_reads():
    hp_space = model_space()
    study = hl.create_study(sampler=hl.samplers.RandomSampler(seed=1))
    study.optimize(lambda t: hyperopt.space_eval(hp_space, t.params)["lr"], n_trials=8,
                   space=from_hyperopt(hp_space))
    best = hyperopt.space_eval(hp_space, study.best_params)
    assert best["lr"] == min(t.params["lr"] for t in study.trials)


def test_plain_structures_without_labels_are_an_empty_space_and_choices_of_literals_index():
    assert len(from_hyperopt({"a": 1, "b": [2, 3]})) == 0
    space = from_hyperopt(hp.choice("opt", ["adam", "sgd", {"name": "rms"}]))
    assert space == SearchSpace({"opt": Choice([0, 1, 2])})


def test_grids_that_reach_one_value_are_constants():
    assert from_hyperopt(hp.quniform("q", 0.1, 0.4, 1))["q"] == Constant(0.0)
    assert from_hyperopt(hp.qnormal("n", 0, 1, 0.5))["n"] == QNormal(0, 1, 0.5)


def test_qloguniform_with_a_step_other_than_one_warns_and_keeps_the_support():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        space = from_hyperopt(hp.qloguniform("units", math.log(8), math.log(512), 8))
    assert "uniform prior" in str(caught[0].message) and "'units'" in str(caught[0].message)
    assert space["units"] == QUniform(8, 512, 8)


@pytest.mark.parametrize("expr, message", [
    (lambda: hp.qlognormal("v", 0, 1, 1), "'v' \\(qlognormal\\).*no hyperloom counterpart"),
    (lambda: hp.uniform("a", 0, hp.uniform("b", 1, 2)), "arguments of 'a'.*constants"),
    (lambda: {"x": hp.uniform("x", 0, 1), "y": hp.normal("x", 0, 1)}, "'x' is used twice"),
    (lambda: hp.uniform("bad", 1, 0), "'bad'.*low"),
])
def test_what_cannot_be_translated_is_refused_naming_the_label(expr, message):
    with pytest.raises(ValueError, match=message):
        from_hyperopt(expr())
