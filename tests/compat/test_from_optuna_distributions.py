"""hyperloom.space.from_optuna_distributions against Optuna 5.0's own distribution objects
and their JSON form: each maps to the distribution with the same values."""

from __future__ import annotations

import pytest

from hyperloom.space import (
    Choice,
    Constant,
    IntUniform,
    LogUniform,
    QUniform,
    SearchSpace,
    Uniform,
    from_optuna_distribution,
    from_optuna_distributions,
)

optuna = pytest.importorskip("optuna")
D = optuna.distributions

CASES = [
    (D.FloatDistribution(-2.0, 3.0), Uniform(-2, 3)),
    (D.FloatDistribution(1e-5, 1e-1, log=True), LogUniform(1e-5, 1e-1)),
    (D.FloatDistribution(0.0, 1.0, step=0.25), QUniform(0, 1, 0.25)),
    (D.IntDistribution(1, 9), IntUniform(1, 9)),
    (D.IntDistribution(0, 10, step=2), IntUniform(0, 10, step=2)),
    (D.IntDistribution(1, 1024, log=True), IntUniform(1, 1024, log=True)),
    (D.CategoricalDistribution(["relu", None, 3, 2.5, True]),
     Choice(["relu", None, 3, 2.5, True])),
    (D.FloatDistribution(0.5, 0.5), Constant(0.5)),
    (D.IntDistribution(4, 4), Constant(4)),
]


@pytest.mark.parametrize("theirs, ours", CASES, ids=lambda c: repr(c)[:40])
def test_each_optuna_distribution_maps_to_ours(theirs, ours):
    assert from_optuna_distribution(theirs) == ours
    as_json = D.distribution_to_json(theirs)
    assert from_optuna_distribution(as_json) == ours


@pytest.mark.parametrize("theirs, ours", CASES, ids=lambda c: repr(c)[:40])
def test_every_value_optuna_samples_is_a_value_of_ours(theirs, ours):
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(30):
        trial = study.ask({"p": theirs})
        assert ours.contains(trial.params["p"]), trial.params["p"]
        study.tell(trial, 0.0)


def test_the_deprecated_distributions_map_like_what_they_stand_for():
    old = {"UniformDistribution": ({"low": 0, "high": 1}, Uniform(0, 1)),
           "LogUniformDistribution": ({"low": 1, "high": 10}, LogUniform(1, 10)),
           "DiscreteUniformDistribution": ({"low": 0, "high": 1, "q": 0.5}, QUniform(0, 1, .5)),
           "IntUniformDistribution": ({"low": 0, "high": 6, "step": 3}, IntUniform(0, 6, 3)),
           "IntLogUniformDistribution": ({"low": 1, "high": 8, "step": 1},
                                         IntUniform(1, 8, log=True))}
    for name, (attributes, ours) in old.items():
        assert from_optuna_distribution({"name": name, "attributes": attributes}) == ours
        with pytest.warns(FutureWarning):
            theirs = getattr(D, name)(**attributes)
        assert from_optuna_distribution(theirs) == ours


def test_a_dict_of_them_is_a_search_space():
    space = from_optuna_distributions({"x": D.FloatDistribution(0, 1),
                                       "k": D.CategoricalDistribution(["a", "b"])})
    assert space == SearchSpace({"x": Uniform(0, 1), "k": Choice(["a", "b"])})
    assert dict(space) == {"x": Uniform(0, 1), "k": Choice(["a", "b"])}


@pytest.mark.parametrize("bad, error, message", [
    (object(), TypeError, "parameter 'p': expected an Optuna distribution"),
    ({"name": "Nope", "attributes": {}}, ValueError, "unknown Optuna distribution 'Nope'"),
    ("not json", ValueError, "not the JSON of an Optuna distribution"),
])
def test_what_is_not_an_optuna_distribution_is_refused_naming_the_parameter(bad, error,
                                                                             message):
    with pytest.raises(error, match=message):
        from_optuna_distribution(bad, "p")
    with pytest.raises(TypeError, match="a dict of parameter name"):
        from_optuna_distributions([1, 2])
