"""Distributions in sweep files: a SearchSpace for any sampler, and configs from sampled params."""

from __future__ import annotations

import numpy as np
import pytest

import hyperloom as hl
from hyperloom.space import Choice, IntUniform, LogUniform, Normal, QUniform, SearchSpace, Uniform
from hyperloom.sweep import GRID_PARAM, Sweep, SweepError, expand, to_search_space


def test_distributions_become_the_search_space():
    space = to_search_space("""
Trainer.lr: loguniform(1e-4, 1e-1)
Model.dropout = uniform(0, 0.5)
Model.width: quniform(16, 128, 16)
Model.depth: randint(1, 5)
Model.act: choice(['relu', 'gelu'])
Model.init: normal(0, 1)
fixed = 3
""")
    assert isinstance(space, SearchSpace)
    assert space.names == ["Trainer.lr", "Model.dropout", "Model.width", "Model.depth",
                           "Model.act", "Model.init"]
    assert space["Trainer.lr"] == LogUniform(1e-4, 1e-1)
    assert space["Model.dropout"] == Uniform(0, 0.5)
    assert space["Model.width"] == QUniform(16, 128, 16)
    assert space["Model.depth"] == IntUniform(1, 4)  # randint's high is exclusive
    assert space["Model.act"] == Choice(["relu", "gelu"])
    assert space["Model.init"] == Normal(0, 1)


def test_a_file_with_distributions_cannot_be_enumerated():
    with pytest.raises(SweepError, match="sampled from a distribution") as err:
        expand("a = 1\nlr: uniform(0, 1)\n")
    assert (err.value.line, err.value.column) == (2, 5)


def test_sampled_params_give_configs():
    sweep = Sweep("lr: loguniform(1e-4, 1e-1)\nact: choice([@relu, 'tanh'])\n"
                  "Model.lr = %lr * 10\n")
    sspace = sweep.search_space()
    point = sspace.space.sample(np.random.default_rng(0))
    config = sspace.config(point)
    resolved = dict(config.resolved())
    assert float(resolved["lr"]) == point["lr"]
    assert float(resolved["Model.lr"]) == pytest.approx(point["lr"] * 10)
    config = sspace.config({"lr": 0.01, "act": "@relu"})
    assert dict(config.resolved())["act"] == "@relu"  # the reference, not a string
    assert config.index is None


def test_grid_times_sampled_uses_one_choice_per_grid_key():
    sspace = Sweep("model: ['a', 'b']\nlayers: [1, 2, 3]\nlr: uniform(0, 1)\n").search_space()
    assert sspace.names == ["model", "layers", "lr"]
    assert sspace.space["model"] == Choice(["a", "b"])
    assert sspace.space["layers"] == Choice([1, 2, 3])
    config = sspace.config({"model": "b", "layers": 2, "lr": 0.25})
    assert config.resolved() == [("model", "'b'"), ("layers", "2"), ("lr", "0.25")]


def test_grid_that_is_not_a_product_uses_the_grid_point():
    sspace = Sweep("union:\n  a: [1, 2]\n  b: [3]\nlr: uniform(0, 1)\n").search_space()
    assert sspace.names == [GRID_PARAM, "lr"]
    assert sspace.space[GRID_PARAM] == Choice([0, 1, 2])
    assert sspace.config({GRID_PARAM: 2, "lr": 0.5}).resolved() == [("b", "3"), ("lr", "0.5")]


def test_repeat_with_distributions_is_a_grid_axis():
    sspace = Sweep("lr: uniform(0, 1)\nrepeat: 3\n").search_space()
    assert sspace.space["seed"] == Choice([0, 1, 2])


def test_same_key_with_two_distributions_is_an_error():
    with pytest.raises(SweepError, match="two different distributions") as err:
        Sweep("union:\n  lr: uniform(0, 1)\n  lr: uniform(0, 2)\n").search_space()
    assert err.value.line == 3


def test_distribution_arguments_are_checked():
    with pytest.raises(SweepError, match="loguniform") as err:
        to_search_space("lr: loguniform(0, 1)")
    assert (err.value.line, err.value.column) == (1, 5)
    with pytest.raises(SweepError, match="whole value"):
        to_search_space("lr = [uniform(0, 1)]")
    with pytest.raises(SweepError, match="known values"):
        to_search_space("lr: uniform(0, %hi)")


def test_any_sampler_can_drive_the_space():
    sspace = Sweep("x: uniform(-2, 2)\nk: choice([1, 2, 3])\n").search_space()
    study = hl.create_study(sampler=hl.samplers.RandomSampler(seed=1))
    for _ in range(5):
        trial = study.ask(fixed_distributions=dict(sspace.space.top_level))
        config = sspace.config(trial.params)
        study.tell(trial, config["x"] ** 2 + config["k"])
    assert len(study.trials) == 5
    assert all(t.state == hl.TrialState.COMPLETE for t in study.trials)
