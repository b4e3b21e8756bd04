"""Hypergradients: exact gradients of a validation loss w.r.t. continuous hyperparameters (PyTorch).

Importing this package imports torch; ``import hyperloom`` alone does not. Without torch the
import fails with the command to run: ``pip install hyperloom[torch]`` (every module imports
torch through ``_torch.py``, which raises that error).
"""

from __future__ import annotations

from ._api import HyperOptimizer, hypergradient
from ._episodes import Episodes, episodes
from ._errors import DefaultUsedWarning, HypergradientError, NotAMinimumWarning
from ._forward import Forward
from ._hyperparameter import Hyperparameter, hyperparameter, parameters, values
from ._implicit import Implicit
from ._influence import influence
from ._method import Method
from ._online import RTHO, TRHO
from ._optimizers import (
    SGD,
    Adam,
    InnerOptimizer,
    RMSProp,
    Schedule,
    inner_optimizer,
    schedule,
)
from ._problem import module_params
from ._reverse import Reverse
from ._tune import BilevelProblem, objective, tune

__all__ = [
    "SGD",
    "Adam",
    "BilevelProblem",
    "DefaultUsedWarning",
    "Episodes",
    "Forward",
    "HyperOptimizer",
    "HypergradientError",
    "Hyperparameter",
    "Implicit",
    "InnerOptimizer",
    "Method",
    "NotAMinimumWarning",
    "RMSProp",
    "RTHO",
    "Reverse",
    "Schedule",
    "TRHO",
    "episodes",
    "hypergradient",
    "hyperparameter",
    "influence",
    "inner_optimizer",
    "module_params",
    "objective",
    "parameters",
    "schedule",
    "tune",
    "values",
]
