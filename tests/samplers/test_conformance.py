"""Every sampler in hyperloom.samplers keeps the sampler contract (hyperloom.testing): valid
points of random and conditional spaces, seeds that reproduce, pickling, enqueued trials,
failed and pruned history, several objectives. A new sampler is found and checked
automatically; one that needs arguments gets a line in CASES."""

from __future__ import annotations

import inspect

import pytest
from hypothesis.strategies import one_of

import hyperloom.samplers as samplers
from hyperloom.space import Choice, IntUniform, QUniform, SearchSpace
from hyperloom.testing import (
    SamplerCase,
    check_pickled_sampler_proposes_the_same,
    check_same_seed_same_proposals,
    check_seedless_sampler_proposes_points,
    parametrize_sampler_checks,
    search_spaces,
)

GRID_SPACE = SearchSpace({
    "q": QUniform(0, 1, 0.25),
    "model": Choice({"tree": {"depth": IntUniform(1, 3)}, "linear": {"kind": Choice(["l1", "l2"])}}),
})

# Samplers that need arguments, or that run faster with a shorter warm-up so that the checks
# reach their model within a dozen trials.
CASES: dict[str, SamplerCase] = {
    "TPESampler": SamplerCase(lambda seed: samplers.TPESampler(seed=seed, n_startup_trials=3)),
    "GPSampler": SamplerCase(lambda seed: samplers.GPSampler(seed=seed, n_startup_trials=3),
                             multi_objective=False, n_trials=8, max_examples=10),
    "CmaEsSampler": SamplerCase(lambda seed: samplers.CmaEsSampler(seed=seed),
                                multi_objective=False),
    # Numeric spaces lead AutoSampler to GP and CMA-ES, large ones to CMA-ES or TPE.
    "AutoSampler": SamplerCase(
        lambda seed: samplers.AutoSampler(seed=seed, gp_max_trials=14), n_trials=16,
        max_examples=10, spaces=one_of(search_spaces(3, conditional=False, numeric_only=True),
                                       search_spaces(4), search_spaces(12))),
    "GeneticSampler": SamplerCase(
        lambda seed: samplers.GeneticSampler(population_size=3, lambda_=2, seed=seed),
        multi_objective=False),
    "NSGAIISampler": SamplerCase(
        lambda seed: samplers.NSGAIISampler(population_size=3, seed=seed)),
    "GridSampler": SamplerCase(
        lambda seed: samplers.GridSampler(GRID_SPACE), space=GRID_SPACE, n_trials=5,
        skip={name: "a grid proposes only the points of the finite space it was built with"
              for name in ("check_proposals_are_points_of_random_spaces",
                           "check_define_by_run_proposals_are_points_of_random_spaces")}
        | {"check_enqueued_params_are_kept": "fills in no parameter outside the point it claims: "
                                             "an enqueued trial gives the whole point"}),
}

# Variants whose code paths differ enough to be checked on their own.
VARIANTS = [
    SamplerCase(lambda seed: samplers.TPESampler(seed=seed, n_startup_trials=3,
                                                 multivariate=False),
                name="TPESampler(multivariate=False)"),
]


def sampler_classes() -> list[type]:
    """Every concrete sampler class that hyperloom.samplers exports."""
    found = [getattr(samplers, name) for name in samplers.__all__]
    return [c for c in found if inspect.isclass(c) and issubclass(c, samplers.BaseSampler)
            and c is not samplers.BaseSampler and not inspect.isabstract(c)]


def case_of(cls: type) -> SamplerCase:
    case = CASES.get(cls.__name__) or SamplerCase(lambda seed: cls(seed=seed))
    return SamplerCase(**{**case.__dict__, "name": cls.__name__})


def test_every_exported_sampler_has_a_case():
    """A new sampler that cannot be built as `Sampler(seed=...)` must say how in CASES."""
    names = [c.__name__ for c in sampler_classes()]
    assert {"RandomSampler", "TPESampler", "GridSampler"} <= set(names)
    for cls in sampler_classes():
        assert isinstance(case_of(cls).make(0), cls), f"add {cls.__name__} to CASES"


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
@parametrize_sampler_checks([case_of(cls) for cls in sampler_classes()] + VARIANTS)
def test_sampler_keeps_the_contract(case, check):
    check(case)


# -- the checks catch what they claim to catch ----------------------------------------------
class _Unseeded(samplers.RandomSampler):
    """Ignores its seed: every instance draws fresh entropy."""

    def __init__(self, seed: int | None = None) -> None:
        super().__init__(seed=None)


class _OutOfRange(samplers.RandomSampler):
    """Proposes floats far above any range, jointly or one by one."""

    def sample_relative(self, study, trial, space):
        return {n: v + 1000 if isinstance(v, float) else v
                for n, v in super().sample_relative(study, trial, space).items()}


class _Unpicklable(samplers.RandomSampler):
    def __getstate__(self):
        raise TypeError("cannot pickle this sampler")


def test_a_sampler_that_proposes_out_of_range_fails_the_contract():
    with pytest.raises(AssertionError, match="not a point of"):
        check_seedless_sampler_proposes_points(SamplerCase(_OutOfRange))


def test_a_sampler_that_ignores_its_seed_fails_the_contract():
    with pytest.raises(AssertionError, match="seed 7"):
        check_same_seed_same_proposals(SamplerCase(_Unseeded))


def test_a_sampler_that_cannot_be_pickled_fails_the_contract():
    with pytest.raises(TypeError, match="cannot pickle"):
        check_pickled_sampler_proposes_the_same(SamplerCase(_Unpicklable))
