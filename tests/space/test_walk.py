"""SearchSpace.walk: the public traversal that the study, samplers and front ends follow."""

import pytest

import hyperloom as hl
from hyperloom.space import Choice, IntUniform, SearchSpace, Uniform


def _space() -> SearchSpace:
    return SearchSpace({
        "model": Choice({"svm": {"C": Uniform(0, 1)},
                         "tree": {"deep": Choice({"yes": {"depth": IntUniform(1, 8)}, "no": {}}),
                                  "leaves": IntUniform(2, 4)}}),
        "x": Uniform(-1, 1),
    })


def _picks(values: dict) -> tuple[dict, list]:
    seen: list[str] = []

    def pick(name, dist):
        seen.append(name)
        return values[name]
    return _space().walk(pick), seen


def test_walk_visits_only_the_active_branch_parents_first():
    values = {"model": "tree", "deep": "yes", "depth": 3, "leaves": 2, "x": 0.5, "C": 0.1}
    params, seen = _picks(values)
    assert seen == ["model", "deep", "depth", "leaves", "x"]
    assert params == {n: values[n] for n in seen}


def test_walk_follows_the_value_each_pick_returns():
    params, seen = _picks({"model": "svm", "C": 0.2, "x": 0.0})
    assert seen == ["model", "C", "x"]
    params, seen = _picks({"model": "tree", "deep": "no", "leaves": 4, "x": 0.0})
    assert seen == ["model", "deep", "leaves", "x"]


def test_walk_hands_each_name_its_own_distribution():
    space = _space()
    dists = {}
    space.walk(lambda name, dist: dists.setdefault(name, dist).values()[0]
               if dist.finite else 0.5)
    assert dists == {name: space[name] for name in dists}


def test_a_static_space_is_suggested_in_walk_order():
    study = hl.create_study(sampler=hl.samplers.RandomSampler(seed=0))
    study.optimize(lambda t: 0.0, n_trials=20, space=_space())
    space = _space()
    for trial in study.trials:
        assert list(trial.params) == space.active_names(trial.params)


def test_a_pick_that_fails_stops_the_walk():
    with pytest.raises(KeyError):
        _picks({"model": "svm"})
