"""`optuna.samplers`: each name builds our sampler from Optuna's arguments.

Arguments with the same meaning are passed on; `constraints_func` (TPE, NSGA-II, GP) is
applied by the study when a trial finishes (its values become the trial's constraints);
CMA-ES `source_trials` warm-starts the search from the best tenth of those trials (their mean
as `x0`, their spread as `sigma0`); GridSampler's `seed` shuffles the order of the grid.
Options ours does without are accepted at Optuna's default, and ignored with a warning
otherwise. `isinstance(s, optuna.samplers.TPESampler)` holds for our TPESampler.
"""

from __future__ import annotations

import math
import random
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import hyperloom.samplers as _ours
from hyperloom.objectives import Direction
from hyperloom.samplers import BaseSampler, StudyView, TrialLike
from hyperloom.space import Constant, Distribution, from_optuna_distribution

from ._options import constraints_funcs, warm_starts

_ANY = object()  # an option accepted whatever its value (it changes no result)


class _Alias(type):
    """Calling the class builds our sampler; `isinstance` checks against ours."""

    _ours_name: str

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, getattr(_ours, cls._ours_name))


class _Sampler(metaclass=_Alias):
    _ours_name = "BaseSampler"
    _positional: tuple[str, ...] = ()
    _passed: tuple[str, ...] = ("seed",)
    _accepted: dict[str, Any] = {}
    _auto: dict[str, Any] = {}  # Optuna's value for "the default", left to ours like None

    def __new__(cls, *args: Any, **options: Any) -> Any:  # type: ignore[misc]
        if len(args) > len(cls._positional):
            raise TypeError(f"{cls.__name__}() takes at most {len(cls._positional)} positional "
                            f"argument(s), got {len(args)}")
        options.update(zip(cls._positional, args))
        constraints_func = options.pop("constraints_func", None)
        special = {k: options.pop(k) for k in cls._special() if k in options}
        sampler = getattr(_ours, cls._ours_name)(**_translate(cls, options))
        if constraints_func is not None:
            constraints_funcs[sampler] = constraints_func
        cls._finish(sampler, special)
        return sampler

    @classmethod
    def _special(cls) -> tuple[str, ...]:
        return ()

    @classmethod
    def _finish(cls, sampler: Any, special: dict[str, Any]) -> None:
        pass


def _translate(cls: type[_Sampler], options: dict[str, Any]) -> dict[str, Any]:
    """Our keyword arguments for Optuna's `options`; None means "Optuna's default", which is
    left to ours."""
    out = {}
    for key, value in options.items():
        if key in cls._passed:
            if value is not None and not (key in cls._auto and value == cls._auto[key]):
                out[key] = value
        elif key in cls._accepted:
            allowed = cls._accepted[key]
            if allowed is not _ANY and not any(value is a or value == a for a in allowed):
                warnings.warn(f"{cls.__name__}: hyperloom's sampler has no `{key}` option; "
                              f"{key}={value!r} is ignored", stacklevel=4)
        else:
            raise TypeError(f"{cls.__name__}() got an unexpected keyword argument {key!r}")
    return out


class RandomSampler(_Sampler):
    _ours_name = "RandomSampler"
    _positional = ("seed",)


class TPESampler(_Sampler):
    _ours_name = "TPESampler"
    _passed = ("n_startup_trials", "n_ei_candidates", "gamma", "prior_weight",
               "consider_endpoints", "multivariate", "group", "constant_liar", "seed")
    _accepted = {"consider_prior": (None, True), "consider_magic_clip": (None, True),
                 "weights": (None,), "warn_independent_sampling": _ANY,
                 "categorical_distance_func": (None,)}


class GPSampler(_Sampler):
    _ours_name = "GPSampler"
    _passed = ("seed", "n_startup_trials", "deterministic_objective")
    _accepted = {"independent_sampler": (None,), "warn_independent_sampling": _ANY}


class QMCSampler(_Sampler):
    _ours_name = "QMCSampler"
    _passed = ("qmc_type", "scramble", "seed")
    _accepted = {"independent_sampler": (None,), "warn_asynchronous_seeding": _ANY,
                 "warn_independent_sampling": _ANY}


class NSGAIISampler(_Sampler):
    _ours_name = "NSGAIISampler"
    _positional = ("population_size",)
    _passed = ("population_size", "mutation_prob", "crossover_prob", "seed")
    _accepted = {"mutation": (None,), "crossover": (None,), "swapping_prob": (0.5,),
                 "elite_population_selection_strategy": (None,),
                 "child_generation_strategy": (None,), "after_trial_strategy": (None,)}


class CmaEsSampler(_Sampler):
    _ours_name = "CmaEsSampler"
    _positional = ("x0", "sigma0")
    _passed = ("x0", "sigma0", "seed", "restart_strategy", "popsize", "inc_popsize")
    _accepted = {"n_startup_trials": (1,), "independent_sampler": (None,),
                 "warn_independent_sampling": _ANY, "consider_pruned_trials": (False,),
                 "use_separable_cma": (False,), "with_margin": _ANY, "lr_adapt": (False,)}

    _auto = {"inc_popsize": -1}

    @classmethod
    def _special(cls) -> tuple[str, ...]:
        return ("source_trials",)

    @classmethod
    def _finish(cls, sampler: Any, special: dict[str, Any]) -> None:
        if special.get("source_trials"):
            warm_starts[sampler] = list(special["source_trials"])
            apply_warm_start(sampler, Direction.MINIMIZE)  # create_study redoes it for "maximize"


class GridSampler(_Sampler):
    _ours_name = "GridSampler"
    _positional = ("search_space", "seed")

    def __new__(cls, search_space: Mapping[str, Sequence[Any]],  # type: ignore[misc]
                seed: int | None = None) -> Any:
        sampler = _ours.GridSampler(search_space)
        if seed is not None:  # Optuna visits the grid in a seeded random order
            random.Random(seed).shuffle(sampler.points)
        return sampler


class PartialFixedSampler(BaseSampler):
    """Optuna's PartialFixedSampler: `fixed_params` in every trial, the rest from
    `base_sampler`."""

    def __init__(self, fixed_params: dict[str, Any], base_sampler: BaseSampler) -> None:
        self.fixed_params = dict(fixed_params)
        self.base_sampler = base_sampler

    def claim_params(self, study: StudyView) -> dict[str, Any] | None:
        return {**(self.base_sampler.claim_params(study) or {}), **self.fixed_params}

    def infer_relative_search_space(self, study: StudyView, trial: TrialLike) -> Any:
        return self.base_sampler.infer_relative_search_space(study, trial)

    def sample_relative(self, study: StudyView, trial: TrialLike, space: Any) -> dict[str, Any]:
        return self.base_sampler.sample_relative(study, trial, space)

    def sample_independent(self, study: StudyView, trial: TrialLike, name: str,
                           distribution: Distribution) -> Any:
        return self.base_sampler.sample_independent(study, trial, name, distribution)

    def after_trial(self, study: StudyView, trial: Any) -> None:
        self.base_sampler.after_trial(study, trial)

    def reseed_rng(self, seed: int | None = None) -> None:
        self.base_sampler.reseed_rng(seed)


def apply_warm_start(sampler: Any, direction: Direction) -> None:
    """x0 and sigma0 of a CMA-ES sampler from its source trials (WS-CMA-ES in spirit: the
    best tenth of them, at least one, gives the mean and, with a floor of 0.1, the step size
    in the unit encoding; not the full covariance)."""
    trials = [t for t in warm_starts.get(sampler, ()) if t.state.name == "COMPLETE"
              and t.values]
    if not trials:
        return
    sign = Direction(direction).sign
    trials.sort(key=lambda t: sign * t.values[0])
    best = trials[:max(1, math.ceil(0.1 * len(trials)))]
    x0, variances = {}, []
    for name, theirs in best[0].distributions.items():
        dist = from_optuna_distribution(theirs, name)
        if not dist.numeric or isinstance(dist, Constant) or \
                any(name not in t.params for t in best):
            continue
        encoded = [dist.encode(t.params[name]) for t in best]
        mean = sum(encoded) / len(encoded)
        x0[name] = dist.decode(mean)
        variances.append(sum((e - mean) ** 2 for e in encoded) / len(encoded))
    if x0:
        sampler.x0 = x0
        sampler.sigma0 = min(0.3, math.sqrt(sum(variances) / len(variances) + 0.1 ** 2))


_MISSING = {
    "BruteForceSampler": "use GridSampler with every value of each parameter",
    "NSGAIIISampler": "use NSGAIISampler",
    "BaseGASampler": "subclass hyperloom.samplers.GeneticSampler",
}


def __getattr__(name: str) -> Callable[..., Any]:
    if name in _MISSING:
        raise AttributeError(f"optuna.samplers.{name} has no hyperloom counterpart; "
                             f"{_MISSING[name]}")
    raise AttributeError(f"module 'optuna.samplers' (hyperloom.compat) has no attribute "
                         f"{name!r}")


__all__ = ["BaseSampler", "CmaEsSampler", "GPSampler", "GridSampler", "NSGAIISampler",
           "PartialFixedSampler", "QMCSampler", "RandomSampler", "TPESampler"]
