"""Samplers: algorithms that propose hyperparameter values from the trials seen so far.

The model-based samplers (TPE, GP, CMA-ES, genetic, the automatic default) load on first use:
they need scipy and friends, and `import hyperloom` should stay fast.
"""

import importlib

from ._base import BaseSampler, SearchExhausted, StudyView, TrialLike, intersection_space
from ._by_name import sampler_by_name
from ._grid import GridSampler
from ._params import Configurable, Function, Int, Options, Pair, Real, Rule, check_params
from ._qmc import QMCSampler
from ._random import RandomSampler
from ._seeding import derived_seed, prior_draw, seed_or_fresh, seeded_rng

_LAZY = {
    "AutoSampler": "._auto",
    "CmaEsSampler": "._cmaes",
    "GPSampler": "._gp",
    "GeneticSampler": "._genetic",
    "NSGAIISampler": "._nsga2",
    "TPESampler": "._tpe",
}

__all__ = ["AutoSampler", "BaseSampler", "CmaEsSampler", "Configurable", "Function",
           "GPSampler", "GeneticSampler", "GridSampler", "Int", "NSGAIISampler", "Options",
           "Pair", "QMCSampler", "RandomSampler", "Real", "Rule", "SearchExhausted",
           "StudyView", "TPESampler", "TrialLike", "check_params", "derived_seed",
           "intersection_space", "prior_draw", "sampler_by_name", "seed_or_fresh", "seeded_rng"]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hyperloom.samplers' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
