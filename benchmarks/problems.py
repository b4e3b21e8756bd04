"""Benchmark problems for the sampler benchmark (`benchmarks/samplers.py`).

Each problem is a static hyperloom `SearchSpace` plus an objective on a dict of stored values
(to minimize) and, where known, the optimal value, so that results can be given as regret.
Peers (Optuna, hyperopt) receive the same space translated by the runner. Nothing here
downloads anything: the real problems use data sets that ship with scikit-learn.

Families (`--families` of samplers.py):
- `original`: the six problems the AutoSampler rule was chosen on;
- `noisy`: three of them with Gaussian noise on every value the sampler sees (`noise`);
- `define-by-run`: objectives that call `trial.suggest_*` themselves, with decoy branches
  (problems_define_by_run.py);
- `sklearn`: real models tuned by cross-validation (problems_sklearn.py);
- `holdout`: one or two problems of each of those three kinds, written after the samplers were
  frozen, to check the targets on problems no choice was made on.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import problems_define_by_run as dbr
import problems_sklearn as skl

from hyperloom.space import Choice, IntUniform, LogUniform, SearchSpace, Uniform


@dataclass
class Problem:
    name: str
    space: SearchSpace  # for define-by-run problems: the static twin that hyperopt gets
    objective: Callable[[dict[str, Any]], float]  # the true value, noise-free
    optimum: float | None  # None: unknown, results are best values instead of regrets
    description: str
    family: str = "original"
    noise_sd: float = 0.0  # standard deviation of the noise on the values the sampler sees
    # objective(trial) calling trial.suggest_*: hyperloom and Optuna run this, without `space`
    define_by_run: Callable[[Any], float] | None = None

    def noise(self, seed: int, index: int) -> float:
        """The noise on the value of trial `index` in the run with `seed`. It depends on these
        two alone, so that every contender sees the same noise sequence in a seed."""
        if not self.noise_sd:
            return 0.0
        return self.noise_sd * float(np.random.default_rng([seed, index]).standard_normal())


# -- synthetic functions -------------------------------------------------------------------------
def branin(p: dict[str, Any]) -> float:
    x, y = p["x"], p["y"]
    b, c, t = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
    return (y - b * x * x + c * x - 6) ** 2 + 10 * (1 - t) * math.cos(x) + 10


_H6_A = np.array([[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14],
                  [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]])
_H6_P = 1e-4 * np.array([[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
                         [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]])
_H6_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])


def hartmann6(p: dict[str, Any]) -> float:
    x = np.array([p[f"x{i}"] for i in range(6)])
    return float(-_H6_ALPHA @ np.exp(-(_H6_A * (x - _H6_P) ** 2).sum(axis=1)))


def rosenbrock(p: dict[str, Any]) -> float:
    x = np.array([p[f"x{i}"] for i in range(10)])
    return float(np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))


def styblinski_tang(p: dict[str, Any]) -> float:
    """Sum of one quartic per coordinate, each with a shallower minimum (-25.0 at x = 2.75)
    beside the deepest (-39.2 at x = -2.90): 16 basins in 4-D."""
    x = np.array([p[f"x{i}"] for i in range(len(p))])
    return float(0.5 * np.sum(x ** 4 - 16 * x ** 2 + 5 * x))


# Ackley's optimum is the centre of its usual box, where CMA-ES starts; moved off it.
_ACKLEY_SHIFT = np.array([1.3, -2.1, 0.7, 2.6, -1.4])


def ackley(p: dict[str, Any]) -> float:
    x = np.array([p[f"x{i}"] for i in range(len(_ACKLEY_SHIFT))]) - _ACKLEY_SHIFT
    return float(-20 * np.exp(-0.2 * np.sqrt(np.mean(x ** 2))) - np.exp(np.mean(np.cos(2 * np.pi * x)))
                 + 20 + math.e)


def levy(p: dict[str, Any]) -> float:
    x = np.array([p[f"x{i}"] for i in range(10)])
    w = 1 + (x - 1) / 4
    head = math.sin(math.pi * w[0]) ** 2
    mid = np.sum((w[:-1] - 1) ** 2 * (1 + 10 * np.sin(math.pi * w[:-1] + 1) ** 2))
    tail = (w[-1] - 1) ** 2 * (1 + math.sin(2 * math.pi * w[-1]) ** 2)
    return float(head + mid + tail)


# -- mixed categorical / conditional --------------------------------------------------------------
_OPT_COST = {"adam": 0.0, "rmsprop": 0.05, "sgd": 0.2, "adagrad": 0.4}
_ACT_COST = {"relu": 0.0, "tanh": 0.1, "sigmoid": 0.3}


def mixed(p: dict[str, Any]) -> float:
    """A mock training loss: a choice of model family opens different parameters. The best
    family ("mlp") has correlated parameters (the best learning rate depends on the width),
    as hyperparameters of real models do; the others are worse at their best."""
    base = _OPT_COST[p["optimizer"]] + 0.5 * p["weight_decay"] ** 2
    model = p["model"]
    if model == "mlp":
        lr = math.log10(p["lr"])
        width = p["width"]
        # best lr = -3 + width/16 -> correlation between lr and width
        return (base + (lr + 3 + 0.0625 * (width - 8) - 0.5) ** 2 * 0.5 + 0.02 * (width - 8) ** 2 / 16
                + _ACT_COST[p["activation"]] + 0.1 * (p["dropout"] - 0.2) ** 2)
    if model == "tree":
        return base + 0.3 + 0.01 * (p["depth"] - 6) ** 2 + 0.2 * (p["subsample"] - 0.8) ** 2
    return base + 0.6 + 0.5 * (math.log10(p["alpha"]) + 2) ** 2 / 9


def _mixed_space() -> SearchSpace:
    return SearchSpace({
        "model": Choice({
            "mlp": {"lr": LogUniform(1e-5, 1e-1), "width": IntUniform(1, 16),
                    "activation": Choice(["relu", "tanh", "sigmoid"]),
                    "dropout": Uniform(0.0, 0.5)},
            "tree": {"depth": IntUniform(1, 12), "subsample": Uniform(0.3, 1.0)},
            "linear": {"alpha": LogUniform(1e-5, 1e1)},
        }),
        "optimizer": Choice(["sgd", "adam", "rmsprop", "adagrad"]),
        "weight_decay": Uniform(-1.0, 1.0),
    })


# -- a real one: SVM on the wine data set, cross-validated -----------------------------------------
_SVM_DATA: tuple[Any, Any, Any] | None = None


def svm_cv(p: dict[str, Any]) -> float:
    """Multiclass hinge loss of an RBF SVM on held-out wine data (178 samples, 13 features,
    ships with scikit-learn), 3-fold, each fold training on one third and validating on the
    other two (a small-data regime, where C and gamma matter; with more training data a wide
    plateau of settings is near-perfect and every sampler ties). The hinge loss is the SVM's
    own loss: a continuous score, where accuracy on so few samples ties too often to rank."""
    global _SVM_DATA
    from sklearn.svm import SVC

    if _SVM_DATA is None:
        from sklearn.datasets import load_wine
        from sklearn.model_selection import StratifiedKFold
        from sklearn.preprocessing import StandardScaler

        x, y = load_wine(return_X_y=True)
        x = StandardScaler().fit_transform(x)
        folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(x, y))
        _SVM_DATA = (x, y, folds)
    x, y, folds = _SVM_DATA
    loss = 0.0
    for test, train in folds:  # swapped: train on the small part
        model = SVC(C=p["C"], gamma=p["gamma"]).fit(x[train], y[train])
        dec = model.decision_function(x[test])  # one-vs-rest scores, (n, 3)
        rows = np.arange(len(test))
        true = dec[rows, y[test]]
        dec[rows, y[test]] = -np.inf
        loss += float(np.maximum(0.0, 1.0 - true + dec.max(axis=1)).sum())  # Crammer-Singer
    return loss / (2 * len(y))  # every sample is validated twice


def _original() -> list[Problem]:
    return [
        Problem("branin", SearchSpace({"x": Uniform(-5, 10), "y": Uniform(0, 15)}), branin,
                0.397887357729739, "Branin, 2-D"),
        Problem("hartmann6", SearchSpace({f"x{i}": Uniform(0, 1) for i in range(6)}), hartmann6,
                -3.322368011415515, "Hartmann, 6-D"),
        Problem("rosenbrock10", SearchSpace({f"x{i}": Uniform(-5, 10) for i in range(10)}),
                rosenbrock, 0.0, "Rosenbrock, 10-D on [-5, 10]"),
        Problem("levy10", SearchSpace({f"x{i}": Uniform(-10, 10) for i in range(10)}), levy, 0.0,
                "Levy, 10-D on [-10, 10]"),
        Problem("mixed", _mixed_space(), mixed, 0.0,
                "conditional: 3 model families (one with correlated lr/width), 2 categoricals"),
        Problem("svm", SearchSpace({"C": LogUniform(1e-3, 1e3), "gamma": LogUniform(1e-5, 1e1)}),
                svm_cv, None, "RBF SVM (C, gamma) on wine, trained on 1/3, hinge loss on 2/3, 3 folds"),
    ]


# -- noisy: the sampler sees f + noise, the score is the true f ----------------------------------
NOISE_FRACTION = 0.1
# The noise scale of each function: its median over the domain minus its optimum, that is the
# improvement over a typical random point. The range (max - min) would not do: Branin's is
# about 300, set by one corner, and 10% of it would drown every value a sampler cares about.
# Median of 20,000 uniform random points (seed 0); `median_gap` recomputes it.
MEDIAN_GAP = {"branin": 35.39, "hartmann6": 3.221, "levy10": 114.5,
              "styblinski4": 125.9, "ackley5": 11.33}


def median_gap(problem: Problem, n: int = 20000, seed: int = 0) -> float:
    rng = np.random.default_rng(seed)
    values = [problem.objective(problem.space.sample(rng)) for _ in range(n)]
    return float(np.median(values)) - problem.optimum


def _noisy(base: Problem, fraction: float = NOISE_FRACTION, family: str = "noisy") -> Problem:
    sd = fraction * MEDIAN_GAP[base.name]
    return replace(base, name=f"noisy-{base.name}", family=family, noise_sd=sd,
                   description=f"{base.description}, plus Gaussian noise of sd {sd:.3g} "
                               f"({fraction:.0%} of the optimum-to-median gap)")


def _noise_free(original: list[Problem]) -> dict[str, Problem]:
    """The functions under the noisy problems (the keys of `MEDIAN_GAP`), by name."""
    extra = [
        Problem("styblinski4", SearchSpace({f"x{i}": Uniform(-5, 5) for i in range(4)}),
                styblinski_tang, 4 * -39.16616570377142, "Styblinski-Tang, 4-D"),
        Problem("ackley5", SearchSpace({f"x{i}": Uniform(-5, 5) for i in range(5)}), ackley, 0.0,
                "Ackley, 5-D on [-5, 5], optimum off the centre"),
    ]
    return {p.name: p for p in original + extra if p.name in MEDIAN_GAP}


def noise_free(name: str) -> Problem:
    """The function under one of the noisy problems (a key of `MEDIAN_GAP`)."""
    return _noise_free(_original())[name]


def _holdout(bases: dict[str, Problem]) -> list[Problem]:
    """Problems of the three other families' kinds, written after the samplers and the
    AutoSampler rule were frozen (nothing was tuned on them): a check that the targets hold
    on problems no choice was made on. One of them is twice as noisy as the noisy family."""
    return [
        _noisy(bases["styblinski4"], family="holdout"),
        _noisy(bases["ackley5"], 2 * NOISE_FRACTION, family="holdout"),
        _define_by_run("decoy-optimizer", dbr.decoy_optimizer, dbr.decoy_optimizer_space(),
                       "define-by-run, an optimizer choice: `sgd` (0.2) and `lbfgs` (0.3) as "
                       "decoys, the optimum in a narrow well of `adam`'s learning rate and beta1",
                       family="holdout"),
        Problem("forest-cancer", skl.forest_cancer_space(), skl.forest_cancer, None,
                "random forest (4 parameters) on breast_cancer, 3-fold CV log loss",
                family="holdout"),
        Problem("logreg-digits", skl.logreg_digits_space(), skl.logreg_digits, None,
                "logistic regression (C, max_iter, tol) on 500 digits, 3-fold CV log loss",
                family="holdout"),
    ]


def _define_by_run(name: str, objective: Callable[[Any], float], twin: SearchSpace,
                   description: str, family: str = "define-by-run") -> Problem:
    """A define-by-run objective (optimum 0), answered from points of its static twin for
    hyperopt and for the noise-free score."""
    return Problem(name, twin, dbr.replayed(objective, twin), 0.0, description, family=family,
                   define_by_run=objective)


def all_problems() -> list[Problem]:
    original = _original()
    bases = _noise_free(original)
    return original + [_noisy(bases[n]) for n in ("branin", "hartmann6", "levy10")] + [
        _define_by_run("decoy-branches", dbr.decoy_branches, dbr.decoy_branches_space(),
                       "define-by-run, 3 branches: a plateau (0.3) and a bowl (0.25) as decoys, "
                       "the optimum in a narrow well of 3 correlated continuous parameters"),
        _define_by_run("decoy-nested", dbr.decoy_nested, dbr.decoy_nested_space(),
                       "define-by-run, 2 levels (model, then optimizer): decoys at 0.4, 0.28 and "
                       "0.15, the optimum in a curved valley of learning rate and momentum"),
        Problem("hgb-cancer", skl.hgb_cancer_space(), skl.hgb_cancer, None,
                "HistGradientBoosting (5 parameters) on breast_cancer, 3-fold CV log loss",
                family="sklearn"),
        Problem("mlp-digits", skl.mlp_digits_space(), skl.mlp_digits, None,
                "MLP (width, activation, alpha, learning rate) on 500 digits, 3-fold CV log loss",
                family="sklearn"),
    ] + _holdout(bases)


FAMILIES = ["original", "noisy", "define-by-run", "sklearn", "holdout"]


# -- off-centre: the 10-D functions with the optimum moved away from the middle of the box -------
# CMA-ES starts at the middle of the box, where Rosenbrock-10's and Levy-10's optima nearly
# are; these show what the rule's choice for large cheap spaces does elsewhere. Not part of the
# sampler benchmark's families (ablations.py runs them).
def _off_centre(base: Problem, tag: str, low: float, high: float) -> Problem:
    """`base` shifted so that its optimum (x = 1 in every coordinate) sits at fixed random
    positions between `low` and `high` of each range."""
    rng = np.random.default_rng({"shifted": 1, "corner": 3}[tag])
    names = base.space.names
    spans = [(base.space[n].low, base.space[n].high) for n in names]
    offset = {n: lo + pos * (hi - lo) - 1.0
              for n, (lo, hi), pos in zip(names, spans, rng.uniform(low, high, len(names)))}

    def objective(p: dict[str, Any]) -> float:
        return base.objective({n: p[n] - offset[n] for n in names})

    return replace(base, name=f"{base.name}-{tag}", objective=objective, family="off-centre",
                   description=f"{base.description}, optimum moved to {low:g}-{high:g} of "
                               "each range")


def off_centre_problems() -> list[Problem]:
    by_name = {p.name: p for p in _original()}
    return [_off_centre(by_name[name], tag, low, high)
            for name in ("rosenbrock10", "levy10")
            for tag, low, high in (("shifted", 0.05, 0.95), ("corner", 0.85, 0.97))]


def get_problem(name: str) -> Problem:
    known = all_problems() + off_centre_problems()
    for p in known:
        if p.name == name:
            return p
    raise ValueError(f"unknown problem {name!r}; known: {[p.name for p in known]}")
