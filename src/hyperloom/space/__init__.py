"""Distributions and search spaces: the vocabulary every other layer speaks."""

from ._aliases import (
    choice,
    constant,
    intuniform,
    lognormal,
    loguniform,
    normal,
    qnormal,
    quniform,
    randint,
    uniform,
)
from ._distributions import (
    Choice,
    Constant,
    Distribution,
    IntUniform,
    LogNormal,
    LogUniform,
    Normal,
    QNormal,
    QUniform,
    Uniform,
    distribution_from_dict,
)
from ._imports import ImportRef, resolve_import
from ._space import SearchSpace

__all__ = [
    "Choice", "Constant", "Distribution", "ImportRef", "IntUniform", "LogNormal", "LogUniform", "Normal",
    "QNormal", "QUniform", "SearchSpace", "Uniform", "choice", "constant", "distribution_from_dict",
    "intuniform", "lognormal", "loguniform", "normal", "qnormal", "quniform", "randint",
    "resolve_import", "uniform",
]
