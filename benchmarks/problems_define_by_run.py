"""Define-by-run benchmark problems with decoy branches (the `define-by-run` family of
`problems.py`).

Each objective is written as users write one: it takes a trial and calls
`trial.suggest_categorical` first, then the parameters of the branch it got. hyperloom and
Optuna run it exactly so (no `space=`); hyperopt, which has no define-by-run interface, gets the
equivalent nested `hp.choice` space, built from a static twin `SearchSpace` (`*_space()`), and
the same function answered from its point by `Replay`. Replay checks every question against
the twin, so the two cannot drift apart.

Every problem has one branch holding the optimum (0), reached only by tuning two or three
continuous parameters jointly, and decoy branches whose floor is mediocre but flat and wide:
a few random trials land near it, after which a sampler that follows its best trials keeps
proposing the decoy. The true branch is worse than the decoys almost everywhere (about 0.5
against 0.25-0.4) and slopes gently towards its optimum (`_well`), so a model can find it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from hyperloom.space import Choice, Distribution, IntUniform, LogUniform, SearchSpace, Uniform


def _well(d2: float, depth: float, width: float) -> float:
    """`depth` far from the optimum, 0 at it (squared distance d2); half depth at distance
    `width`. Its slope reaches across the whole branch, unlike a Gaussian well's."""
    return depth * d2 / (d2 + width * width)


# -- three branches, two of them decoys ----------------------------------------------------------
def decoy_branches(trial: Any) -> float:
    """A plateau at 0.3 that any value reaches, a smooth bowl with floor 0.25 (an integer and a
    float), and the true branch: three continuous parameters, one on a log scale, whose best
    momentum depends on the learning rate. Below 0.25 only within about 0.17 of its optimum
    (coordinates scaled to [0, 1]): 2% of that branch, so that random search finds it in 200
    trials about three times in four, and a sampler that settles on a decoy rarely."""
    branch = trial.suggest_categorical("branch", ["plateau", "bowl", "well"])
    if branch == "plateau":
        u = trial.suggest_float("plateau_u", 0.0, 1.0)
        return 0.3 + 0.1 * (u - 0.5) ** 2
    if branch == "bowl":
        k = trial.suggest_int("bowl_k", 1, 10)
        v = trial.suggest_float("bowl_v", -1.0, 1.0)
        return 0.25 + 0.01 * (k - 7) ** 2 + 0.2 * (v - 0.4) ** 2
    lr = trial.suggest_float("well_lr", 1e-5, 1.0, log=True)
    momentum = trial.suggest_float("well_momentum", 0.0, 1.0)
    width = trial.suggest_float("well_width", 0.0, 1.0)
    a = (math.log10(lr) + 5) / 5 - 0.56  # optimum at lr = 10**-2.2
    d2 = a * a + (momentum - 0.8 - 0.6 * a) ** 2 + (width - 0.3) ** 2
    return _well(d2, 0.6, 0.2)


def decoy_branches_space() -> SearchSpace:
    return SearchSpace({"branch": Choice({
        "plateau": {"plateau_u": Uniform(0.0, 1.0)},
        "bowl": {"bowl_k": IntUniform(1, 10), "bowl_v": Uniform(-1.0, 1.0)},
        "well": {"well_lr": LogUniform(1e-5, 1.0), "well_momentum": Uniform(0.0, 1.0),
                 "well_width": Uniform(0.0, 1.0)},
    })})


# -- two levels: model, then (for the net) optimizer ---------------------------------------------
def decoy_nested(trial: Any) -> float:
    """A mock model choice. `linear` (floor 0.4) and `forest` (floor 0.28, broad) are decoys;
    `net` is right, but inside it `adam` is a second decoy (floor 0.15, within 0.02 of it over
    two decades of learning rate) and only `sgd` reaches 0, where what matters is the
    effective step lr / (1 - momentum) (a curved valley) and momentum near 0.9."""
    model = trial.suggest_categorical("model", ["linear", "forest", "net"])
    if model == "linear":
        alpha = trial.suggest_float("linear_alpha", 1e-6, 10.0, log=True)
        return 0.4 + 0.01 * (math.log10(alpha) + 2) ** 2
    if model == "forest":
        depth = trial.suggest_int("forest_depth", 2, 32, log=True)
        features = trial.suggest_float("forest_features", 0.1, 1.0)
        return 0.28 + 0.02 * (math.log2(depth) - 3) ** 2 + 0.1 * (features - 0.5) ** 2
    width = trial.suggest_int("net_width", 8, 512, log=True)
    cost = 0.005 * (math.log2(width) - 7) ** 2  # best width 128
    if trial.suggest_categorical("net_optimizer", ["adam", "sgd"]) == "adam":
        lr = trial.suggest_float("adam_lr", 1e-5, 1e-1, log=True)
        return cost + 0.15 + 0.02 * (math.log10(lr) + 3) ** 2
    lr = trial.suggest_float("sgd_lr", 1e-4, 1.0, log=True)
    momentum = trial.suggest_float("sgd_momentum", 0.0, 0.99)
    step = math.log10(lr / (1.0 - momentum))  # best 10**-0.5
    d2 = ((step + 0.5) / 4) ** 2 + (momentum - 0.9) ** 2
    return cost + _well(d2, 0.5, 0.12)


def decoy_nested_space() -> SearchSpace:
    return SearchSpace({"model": Choice({
        "linear": {"linear_alpha": LogUniform(1e-6, 10.0)},
        "forest": {"forest_depth": IntUniform(2, 32, log=True),
                   "forest_features": Uniform(0.1, 1.0)},
        "net": {"net_width": IntUniform(8, 512, log=True),
                "net_optimizer": Choice({
                    "adam": {"adam_lr": LogUniform(1e-5, 1e-1)},
                    "sgd": {"sgd_lr": LogUniform(1e-4, 1.0), "sgd_momentum": Uniform(0.0, 0.99)},
                })},
    })})


# -- the holdout family (problems.py): an optimizer choice, written after the samplers were frozen
def decoy_optimizer(trial: Any) -> float:
    """A mock optimizer choice next to a shared weight decay. `sgd` (floor 0.2, reached over
    most of its learning rates) and `lbfgs` (floor 0.3) are decoys; `adam` reaches 0, but only
    in a narrow well where the best beta1 moves with the learning rate."""
    optimizer = trial.suggest_categorical("optimizer", ["sgd", "adam", "lbfgs"])
    decay = trial.suggest_float("weight_decay", 1e-6, 1e-1, log=True)
    cost = 0.05 * (math.log10(decay) + 4) ** 2 / 9  # best 1e-4
    if optimizer == "sgd":
        lr = trial.suggest_float("sgd_lr", 1e-4, 1.0, log=True)
        return cost + 0.2 + 0.1 * (math.log10(lr) + 1) ** 2 / 9
    if optimizer == "lbfgs":
        history = trial.suggest_int("lbfgs_history", 2, 50)
        return cost + 0.3 + 0.001 * (history - 10) ** 2 / 10
    lr = trial.suggest_float("adam_lr", 1e-5, 1e-1, log=True)
    beta1 = trial.suggest_float("adam_beta1", 0.5, 0.999)
    a = (math.log10(lr) + 3.3) / 4  # optimum at lr = 10**-3.3
    d2 = a * a + ((beta1 - 0.9) / 0.5 - 0.5 * a) ** 2
    return cost + _well(d2, 0.4, 0.14)


def decoy_optimizer_space() -> SearchSpace:
    return SearchSpace({
        "optimizer": Choice({
            "sgd": {"sgd_lr": LogUniform(1e-4, 1.0)},
            "adam": {"adam_lr": LogUniform(1e-5, 1e-1), "adam_beta1": Uniform(0.5, 0.999)},
            "lbfgs": {"lbfgs_history": IntUniform(2, 50)},
        }),
        "weight_decay": LogUniform(1e-6, 1e-1),
    })


# -- answering a define-by-run objective from a point of its static twin -------------------------
class Replay:
    """A stand-in trial whose `suggest_*` return the values of `params`, a point of `space`.
    A question the space does not ask the same way, or a parameter of `params` the objective
    never asks for, is a ValueError naming it: the function and its twin disagree."""

    def __init__(self, params: dict[str, Any], space: SearchSpace) -> None:
        self.params = params
        self._space = space
        self.asked: set[str] = set()

    def _answer(self, name: str, matches: Callable[[Distribution], bool], asked: str) -> Any:
        if name not in self._space or not matches(self._space[name]):
            raise ValueError(f"Replay: the objective asks for {name!r} as {asked}, which the "
                             "static twin space does not define; make the two agree")
        if name not in self.params:
            raise ValueError(f"Replay: the objective asks for {name!r}, inactive in the twin "
                             f"space at {self.params}; make the two agree")
        self.asked.add(name)
        return self.params[name]

    def suggest_float(self, name: str, low: float, high: float, *, log: bool = False) -> float:
        dist = LogUniform(low, high) if log else Uniform(low, high)
        return self._answer(name, dist.__eq__, repr(dist))

    def suggest_int(self, name: str, low: int, high: int, *, log: bool = False) -> int:
        dist = IntUniform(low, high, log=log)
        return self._answer(name, dist.__eq__, repr(dist))

    def suggest_categorical(self, name: str, choices: Sequence[Any]) -> Any:
        return self._answer(name, lambda d: isinstance(d, Choice) and d.values() == list(choices),
                            f"a choice of {list(choices)}")


def replayed(fn: Callable[[Any], float], space: SearchSpace) -> Callable[[dict[str, Any]], float]:
    """`fn` (define-by-run) as an objective on a params dict of `space`."""
    def objective(params: dict[str, Any]) -> float:
        trial = Replay(params, space)
        value = fn(trial)
        unasked = set(params) - trial.asked
        if unasked:
            raise ValueError(f"Replay: the twin space gives {sorted(unasked)}, which the "
                             "objective never asks for; make the two agree")
        return value
    return objective
