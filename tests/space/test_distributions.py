import json
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import hyperloom as hl
from hyperloom.space import distribution_from_dict

VALID = [
    hl.Uniform(-1, 2), hl.LogUniform(1e-5, 1e-1), hl.QUniform(0, 1, 0.25),
    hl.IntUniform(1, 10), hl.IntUniform(0, 100, step=5), hl.IntUniform(1, 1024, log=True),
    hl.Normal(0, 1), hl.LogNormal(0, 0.5), hl.QNormal(10, 3, 2), hl.Choice(["a", "b", 3, None]),
    hl.Constant(7),
]


@pytest.mark.parametrize("make, needle", [
    (lambda: hl.Uniform(1, 1), "`low` must be below `high`"),
    (lambda: hl.Uniform(2, 1), "`low` must be below `high`"),
    (lambda: hl.Uniform("a", 1), "`low` must be a number"),
    (lambda: hl.Uniform(0, float("inf")), "`high` must be finite"),
    (lambda: hl.LogUniform(0, 1), "`low` must be > 0"),
    (lambda: hl.QUniform(0, 1, 0), "`q` must be > 0"),
    (lambda: hl.IntUniform(0.5, 3), "`low` must be an integer"),
    (lambda: hl.IntUniform(3, 1), "`low` must be <= `high`"),
    (lambda: hl.IntUniform(0, 8, log=True), "`low` must be >= 1 with log=True"),
    (lambda: hl.IntUniform(1, 8, step=0), "`step` must be >= 1"),
    (lambda: hl.Normal(0, 0), "`sigma` must be > 0"),
    (lambda: hl.QNormal(0, 1, -1), "`q` must be > 0"),
    (lambda: hl.Choice([]), "must not be empty"),
    (lambda: hl.Choice("abc"), "must be a list"),
    (lambda: hl.Choice([1, 1]), "distinct"),
    (lambda: hl.Choice([object()]), "not JSON-serializable"),
    (lambda: hl.Choice([lambda x: x]), "lambda or a local object"),
])
def test_invalid_construction_names_the_argument(make, needle):
    with pytest.raises(ValueError, match=needle.replace("(", r"\(").replace("`", "`")):
        make()


@pytest.mark.parametrize("dist", VALID, ids=repr)
def test_json_round_trip(dist):
    text = json.dumps(dist.to_dict())
    assert distribution_from_dict(json.loads(text)) == dist


@pytest.mark.parametrize("dist", VALID, ids=repr)
def test_samples_are_contained_and_encode_round_trips(dist):
    rng = np.random.default_rng(0)
    for _ in range(200):
        v = dist.sample(rng)
        assert dist.contains(v), v
        u = dist.encode(v)
        if isinstance(dist, hl.Choice):
            assert dist.decode(u) == v
        else:
            assert 0 <= u <= 1
            back = dist.decode(u)
            assert math.isclose(back, v, rel_tol=1e-9, abs_tol=1e-9), (v, u, back)


def test_choice_of_classes_is_stored_by_import_path():
    import collections

    d = hl.Choice([collections.OrderedDict, "plain"])
    stored = d.values()[0]
    assert stored == {"$import": "collections:OrderedDict"}
    assert d.to_external(stored) is collections.OrderedDict
    again = distribution_from_dict(json.loads(json.dumps(d.to_dict())))
    assert again.to_external(again.values()[0]) is collections.OrderedDict


def test_aliases_take_real_bounds():
    assert hl.loguniform(1e-3, 1) == hl.LogUniform(1e-3, 1)
    assert hl.randint(3) == hl.IntUniform(0, 2)  # high exclusive, like numpy
    assert hl.randint(2, 5) == hl.IntUniform(2, 4)
    assert hl.quniform(0, 1, 0.5).values() == [0.0, 0.5, 1.0]
    with pytest.raises(ValueError, match="exclusive"):
        hl.randint(3, 3)


floats = st.floats(-1e6, 1e6, allow_nan=False)


@settings(max_examples=150, deadline=None)
@given(a=floats, b=floats, seed=st.integers(0, 2**32 - 1))
def test_uniform_samples_within_bounds(a, b, seed):
    low, high = min(a, b), max(a, b)
    assume(low < high)
    d = hl.Uniform(low, high)
    rng = np.random.default_rng(seed)
    for _ in range(5):
        assert low <= d.sample(rng) <= high


@settings(max_examples=150, deadline=None)
@given(low=st.floats(1e-8, 1e3), factor=st.floats(1.0001, 1e6), seed=st.integers(0, 2**32 - 1))
def test_loguniform_samples_within_bounds(low, factor, seed):
    d = hl.LogUniform(low, low * factor)
    rng = np.random.default_rng(seed)
    for _ in range(5):
        assert d.low <= d.sample(rng) <= d.high


@settings(max_examples=150, deadline=None)
@given(low=st.integers(-1000, 1000), span=st.integers(0, 1000), step=st.integers(1, 50),
       u=st.floats(0, 1))
def test_int_decode_is_always_a_value(low, span, step, u):
    d = hl.IntUniform(low, low + span, step=step)
    v = d.decode(u)
    assert d.contains(v)
    assert d.decode(d.encode(v)) == v


@settings(max_examples=100, deadline=None)
@given(low=st.floats(-100, 100), span=st.floats(0.01, 100), q=st.floats(0.001, 10),
       u=st.floats(0, 1))
def test_quniform_decode_is_on_grid(low, span, q, u):
    assume(q <= span)
    d = hl.QUniform(low, low + span, q)
    v = d.decode(u)
    assert d.contains(v)
    assert d.low <= v <= d.high + 1e-9
