import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hyperloom as hl


def conditional_space():
    return hl.SearchSpace({
        "model": hl.Choice({
            "svm": {"C": hl.LogUniform(1e-3, 1e3), "kernel": hl.Choice(["rbf", "linear"])},
            "tree": {"depth": hl.IntUniform(1, 10)},
            "none": hl.SearchSpace(),
        }),
        "lr": hl.LogUniform(1e-5, 1),
        "opt": {"momentum": hl.Uniform(0, 1)},
    })


def test_nested_dicts_flatten_to_dotted_names():
    space = conditional_space()
    assert space.names == ["model", "C", "kernel", "depth", "lr", "opt.momentum"]


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_conditional_space_samples_only_active_children(seed):
    space = conditional_space()
    p = space.sample(np.random.default_rng(seed))
    expected = {"svm": {"C", "kernel"}, "tree": {"depth"}, "none": set()}[p["model"]]
    assert set(p) == {"model", "lr", "opt.momentum"} | expected
    space.validate(p)
    assert space.decode(space.encode(p)) == pytest.approx(p) if p["model"] != "svm" else True
    assert space.active_names(p) == list(p)


def test_encode_marks_inactive_as_nan_and_decodes_back():
    space = conditional_space()
    p = {"model": "tree", "depth": 4, "lr": 0.01, "opt.momentum": 0.5}
    vec = space.encode(p)
    assert np.isnan(vec[space.names.index("C")])
    back = space.decode(vec)
    assert back["model"] == "tree" and back["depth"] == 4
    assert back["lr"] == pytest.approx(0.01)


@pytest.mark.parametrize("params, needle", [
    ({"model": "tree", "lr": 0.1, "opt.momentum": 0.1}, "'depth' is missing"),
    ({"model": "tree", "depth": 0, "lr": 0.1, "opt.momentum": 0.1}, "'depth': 0 is not a value"),
    ({"model": "tree", "depth": 2, "lr": 0.1, "opt.momentum": 0.1, "C": 1.0}, "'C' is inactive"),
    ({"model": "tree", "depth": 2, "lr": 0.1, "opt.momentum": 0.1, "zzz": 1}, "'zzz' is not in"),
    ({"model": "gpu", "lr": 0.1, "opt.momentum": 0.1}, "'model'"),
])
def test_validate_names_the_parameter(params, needle):
    space = conditional_space()
    with pytest.raises(ValueError, match=needle):
        space.validate(params)
    assert not space.contains(params)


def test_json_round_trip_of_a_conditional_space():
    space = conditional_space()
    again = hl.SearchSpace.from_dict(json.loads(json.dumps(space.to_dict())))
    assert again == space
    assert again.names == space.names


def test_grid_enumerates_finite_conditional_spaces_first_name_outermost():
    space = hl.SearchSpace({
        "a": hl.Choice({"x": {"k": hl.IntUniform(1, 2)}, "y": hl.SearchSpace()}),
        "b": hl.QUniform(0, 1, 0.5),
    })
    grid = space.grid()
    assert grid == [
        {"a": "x", "k": 1, "b": 0.0}, {"a": "x", "k": 1, "b": 0.5}, {"a": "x", "k": 1, "b": 1.0},
        {"a": "x", "k": 2, "b": 0.0}, {"a": "x", "k": 2, "b": 0.5}, {"a": "x", "k": 2, "b": 1.0},
        {"a": "y", "b": 0.0}, {"a": "y", "b": 0.5}, {"a": "y", "b": 1.0},
    ]
    with pytest.raises(ValueError, match="infinitely many"):
        hl.SearchSpace({"x": hl.Uniform(0, 1)}).grid()


def test_shared_names_need_identical_distributions():
    with pytest.raises(ValueError, match="two branches with different distributions"):
        hl.SearchSpace({"m": hl.Choice({"a": {"x": hl.Uniform(0, 1)},
                                        "b": {"x": hl.Uniform(0, 2)}})})


def test_unit_cube_mapping_covers_choices():
    space = hl.SearchSpace({"c": hl.Choice(["a", "b", "c"]), "x": hl.Uniform(0, 10)})
    assert space.from_unit(np.array([0.0, 0.5])) == {"c": "a", "x": 5.0}
    assert space.from_unit(np.array([0.999, 1.0]))["c"] == "c"
