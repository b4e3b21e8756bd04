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
from ._choice import Choice
from ._distributions import (
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
from ._distributions import _hashable as option_key  # a hashable key for a JSON option value
from ._from_hyperopt import from_hyperopt
from ._from_optuna import from_optuna_distribution, from_optuna_distributions
from ._imports import ImportRef, resolve_import
from ._registry import (
    HYPEROPT,
    REAL,
    constructor_names,
    constructors,
    get_constructor,
    register_constructor,
)
from ._space import SearchSpace

__all__ = [
    "HYPEROPT", "REAL", "constructor_names", "constructors", "get_constructor",
    "option_key", "register_constructor",
    "from_hyperopt", "from_optuna_distribution", "from_optuna_distributions",
    "Choice", "Constant", "Distribution", "ImportRef", "IntUniform", "LogNormal", "LogUniform", "Normal",
    "QNormal", "QUniform", "SearchSpace", "Uniform", "choice", "constant", "distribution_from_dict",
    "intuniform", "lognormal", "loguniform", "normal", "qnormal", "quniform", "randint",
    "resolve_import", "uniform",
]
