"""Declared interfaces: constructor arguments checked with one message format, reprs that
rebuild the same configuration, and base classes that refuse an incomplete subclass."""

import importlib.util
import os

import pytest

import hyperloom as hl
from hyperloom.pruners import BasePruner, MedianPruner, NopPruner, PercentilePruner
from hyperloom.samplers import (
    AutoSampler,
    BaseSampler,
    CmaEsSampler,
    GeneticSampler,
    GPSampler,
    GridSampler,
    NSGAIISampler,
    QMCSampler,
    RandomSampler,
    TPESampler,
)
from hyperloom.storage import BaseStorage, InMemoryStorage

BAD = [
    (lambda: TPESampler(gamma=2),
     r"^TPESampler: `gamma` must be in \(0, 1\) or a function .*, got 2$"),
    (lambda: TPESampler(n_startup_trials=-1),
     r"^TPESampler: `n_startup_trials` must be an int >= 0, got -1$"),
    (lambda: TPESampler(n_ei_candidates=2.5), r"`n_ei_candidates` must be an int >= 1, got 2.5"),
    (lambda: GPSampler(n_startup_trials=0), r"^GPSampler: `n_startup_trials` must be an int >= 1"),
    (lambda: GPSampler(redraw_choice=1.5), r"^GPSampler: `redraw_choice` must be in \[0, 1\]"),
    (lambda: CmaEsSampler(restart_strategy="lbfgs"),
     r"^CmaEsSampler: `restart_strategy` must be one of None, 'ipop', 'bipop', got 'lbfgs'$"),
    (lambda: CmaEsSampler(sigma0=0), r"^CmaEsSampler: `sigma0` must be > 0 or None, got 0$"),
    (lambda: GeneticSampler(population_size=4, elitism=5),
     r"^GeneticSampler: `elitism` must be an int in \[0, population_size\], got 5$"),
    (lambda: NSGAIISampler(mutation_prob=(0.8, 0.2)),
     r"^NSGAIISampler: `mutation_prob` must be .*a pair \(lo, hi\) with lo <= hi"),
    (lambda: QMCSampler(qmc_type="lhs"), r"^QMCSampler: `qmc_type` must be one of 'sobol'"),
    (lambda: AutoSampler(gp_max_trials=-5), r"^AutoSampler: `gp_max_trials` must be an int >= 0"),
    (lambda: MedianPruner(interval_steps=0),
     r"^MedianPruner: `interval_steps` must be an int >= 1, got 0$"),
    (lambda: PercentilePruner(150), r"^PercentilePruner: `percentile` must be in \[0, 100\]"),
]


@pytest.mark.parametrize("build, message", BAD)
def test_a_bad_argument_names_the_class_the_argument_and_what_it_may_be(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_a_bool_is_not_taken_for_a_count():
    with pytest.raises(ValueError, match="`n_startup_trials` must be an int"):
        TPESampler(n_startup_trials=True)


CONFIGURED = [
    TPESampler(n_startup_trials=3, gamma=0.2, multivariate=False, redraw_choice=0.0, seed=5),
    GPSampler(n_startup_trials=4, deterministic_objective=True, seed=7),
    CmaEsSampler({"x": 0.5}, 0.3, restart_strategy="bipop", popsize=6, seed=1),
    GeneticSampler(8, 3, mutation_prob=(0.1, 0.4), crossover="sbx", seed=2),
    NSGAIISampler(population_size=12, crossover=None, seed=3),
    AutoSampler(seed=4, gp_max_dims=5),
    RandomSampler(seed=9),
    QMCSampler(qmc_type="halton", scramble=False, seed=11),
    GridSampler({"a": [1, 2], "b": ["x", "y"]}),
    PercentilePruner(25.0, n_warmup_steps=3),
    MedianPruner(n_min_trials=2),
    NopPruner(),
]


@pytest.mark.parametrize("obj", CONFIGURED, ids=lambda o: type(o).__name__)
def test_repr_rebuilds_the_same_configuration(obj):
    names = {**vars(hl), **vars(hl.samplers), **vars(hl.pruners)}
    rebuilt = eval(repr(obj), names)
    assert type(rebuilt) is type(obj)
    assert rebuilt.get_params() == obj.get_params()
    assert repr(rebuilt) == repr(obj)


def test_repr_shows_only_what_differs_from_the_defaults():
    assert repr(TPESampler(gamma=0.2, seed=1)) == "TPESampler(gamma=0.2, seed=1)"
    assert repr(MedianPruner()) == "MedianPruner()"


def test_a_sampler_without_sample_independent_cannot_be_built():
    class Incomplete(BaseSampler):
        pass

    with pytest.raises(TypeError, match="sample_independent"):
        Incomplete()


def test_a_pruner_without_prune_cannot_be_built():
    class Incomplete(BasePruner):
        pass

    with pytest.raises(TypeError, match="prune"):
        Incomplete()


def test_a_storage_that_forgets_get_trials_fails_when_built_not_later():
    namespace = {n: getattr(InMemoryStorage, n) for n in BaseStorage.__abstractmethods__
                 if n != "get_trials"}
    Incomplete = type("Incomplete", (BaseStorage,), namespace)
    with pytest.raises(TypeError, match="get_trials"):
        Incomplete()
    Complete = type("Complete", (BaseStorage,), {**namespace, "get_trials": lambda *a: []})
    assert Complete().get_trials(0) == []


def test_the_ablation_benchmark_sets_sampler_knobs_as_arguments():
    path = os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks", "ablations.py")
    spec = importlib.util.spec_from_file_location("ablations", path)
    ablations = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ablations)
    for _, _, _, _, variants in ablations.ABLATIONS.values():
        for _, cls_name, settings in variants:
            sampler = ablations._sampler(cls_name, 0, settings)
            params = sampler.get_params()
            assert {k: params[k] for k in settings} == settings
