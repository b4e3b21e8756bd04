"""Bounded distributions at the edges of the float range: sample, encode and decode stay finite,
inside the bounds, and spread over the whole range (no width that overflows to infinity)."""

import math
import sys

import numpy as np
import pytest

import hyperloom as hl

BIGGEST = sys.float_info.max
UNITS = [0.0, 1e-300, 0.25, 0.5, 0.75, 1 - 1e-16, 1.0]


def _samples(dist, n=2000, seed=0):
    rng = np.random.default_rng(seed)
    return [dist.sample(rng) for _ in range(n)]


def _share_above(values, middle):
    return sum(v > middle for v in values) / len(values)


@pytest.mark.parametrize("low, high", [(-1e308, 1e308), (-BIGGEST, BIGGEST), (-BIGGEST, 1e308)])
def test_a_uniform_wider_than_the_largest_float_samples_the_whole_range(low, high):
    dist = hl.Uniform(low, high)
    values = _samples(dist)
    assert all(low <= v <= high for v in values)
    assert 0.4 < _share_above(values, low / 2 + high / 2) < 0.6
    for v in values[:200]:
        u = dist.encode(v)
        assert 0.0 <= u <= 1.0
        assert math.isclose(dist.decode(u), v, rel_tol=1e-9, abs_tol=high * 1e-12)
    assert [dist.decode(u) for u in (0.0, 1.0)] == [low, high]


def test_a_study_over_nearly_all_floats_suggests_both_signs():
    study = hl.create_study(sampler=hl.samplers.RandomSampler(seed=0))
    study.optimize(lambda t: t.suggest_float("x", -1e308, 1e308) / 1e308, n_trials=40)
    xs = [t.params["x"] for t in study.trials]
    assert all(math.isfinite(x) and -1e308 <= x <= 1e308 for x in xs)
    assert min(xs) < 0 < max(xs)


@pytest.mark.parametrize("low, high", [(5e-324, BIGGEST), (1.0, BIGGEST), (5e-324, 1.0)])
def test_a_log_uniform_over_the_whole_positive_range_stays_inside_its_bounds(low, high):
    dist = hl.LogUniform(low, high)
    for u in UNITS:
        assert low <= dist.decode(u) <= high
    values = _samples(dist)
    assert all(low <= v <= high for v in values)
    mid_log = (math.log(low) + math.log(high)) / 2
    assert 0.4 < _share_above([math.log(v) for v in values], mid_log) < 0.6


def test_a_quniform_with_extreme_bounds_keeps_a_finite_grid():
    dist = hl.QUniform(-1e308, 1e308, 1e306)
    grid = dist.values()
    assert len(grid) == 201 and grid[0] == -1e308 and grid[-1] == 1e308
    assert all(math.isfinite(v) and dist.contains(v) for v in grid)
    for v in grid:
        assert dist.decode(dist.encode(v)) == v
    values = _samples(dist)
    assert all(dist.contains(v) for v in values)
    assert 0.4 < _share_above(values, 0.0) < 0.6


def test_a_quniform_grid_too_fine_to_count_is_refused_naming_q():
    with pytest.raises(ValueError, match=r"QUniform: `q`=1 makes more grid points .* larger `q`"):
        hl.QUniform(-1e308, 1e308, 1)


@pytest.mark.parametrize("low, high, step", [(-2**63, 2**63 - 1, 1), (-8 * 10**307, 8 * 10**307, 1),
                                             (0, 2**2000, 2**1990)],
                         ids=["int64", "1.6e308", "2**2000 by 2**1990"])
def test_an_int_uniform_wider_than_float_precision_samples_valid_integers(low, high, step):
    dist = hl.IntUniform(low, high, step=step)
    values = _samples(dist)
    assert all(isinstance(v, int) and dist.contains(v) for v in values)
    assert 0.4 < _share_above(values, low // 2 + high // 2) < 0.6
    for v in values[:200]:
        assert 0.0 <= dist.encode(v) <= 1.0
        assert dist.contains(dist.decode(dist.encode(v)))
    top = dist.decode(1.0)  # the top value, within a float's precision of the count
    assert dist.decode(0.0) == low and dist.contains(top) and (high - top) * 10**15 <= high - low


def test_a_log_int_uniform_up_to_the_largest_float_stays_inside_its_bounds():
    high = int(BIGGEST)
    dist = hl.IntUniform(1, high, log=True)
    assert dist.decode(0.0) == 1 and math.isclose(dist.decode(1.0), high, rel_tol=1e-12)
    assert all(dist.contains(dist.decode(u)) for u in UNITS)
    assert all(dist.contains(v) for v in _samples(dist, n=500))


@pytest.mark.parametrize("low, high, log", [(-10**308, 10**308, False), (0, 2**2000, False),
                                            (1, 10**400, True)], ids=["2e308", "2**2000", "log"])
def test_an_int_uniform_with_more_values_than_a_float_counts_is_refused(low, high, log):
    with pytest.raises(ValueError, match=r"IntUniform: \[.*\] holds more values than a float "
                                         r"can count; narrow the range, raise `step`"):
        hl.IntUniform(low, high, log=log)
