"""Which hyperparameters matter: a random forest (scikit-learn) learns the objective from the
parameters of completed trials, then

- "fanova": each parameter's share of the variance of the forest's predictions that its
  main effect explains. For one tree the prediction is constant on each leaf's box, so under
  a product of one distribution per parameter (here each parameter's values as the study
  sampled them) the mean, the total variance and the variance of each parameter's marginal
  are exact sums over leaves; the shares are averaged over the trees.
- "permutation": how much worse the forest predicts held-out trials when one parameter's
  column is shuffled (the others kept), averaged over a few shuffles; up to 4,000 trials
  every trial is held out once (4 folds), beyond that a quarter of them.

Conditional parameters: a trial without the parameter gets a value below all its real
values, so one split of a tree separates "absent" from every present value (what an
indicator column would add, a tree already has). Categories are option indices.

The forest sees at most `MAX_TRIALS` completed trials (a random sample beyond), which keeps
the importance under 2 s of fitting at 100,000 trials."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._errors import PlotError
from ._optional import require
from ._sample import shown_note, subsample
from ._table import TrialTable, trial_table

#: Completed trials the forest is fitted on, at most (a random sample of the study beyond).
MAX_TRIALS = 10_000
N_TREES = 16
_METHODS = ("fanova", "permutation")


def _features(table: TrialTable, names: list[str], rows: np.ndarray) -> np.ndarray:
    """One column per parameter: log10 for log parameters, option index for categories, and
    a value below the range for trials that lack the parameter."""
    out = np.empty((len(rows), len(names)))
    for j, name in enumerate(names):
        col = table.params[name]
        v = col.values[rows]
        if col.log:
            v = np.log10(v)
        present = ~np.isnan(v)
        if not present.all():
            lo, hi = (np.min(v[present]), np.max(v[present])) if present.any() else (0.0, 0.0)
            v = np.where(present, v, lo - (hi - lo or 1.0))
        out[:, j] = v
    return out


def _forest(x: np.ndarray, y: np.ndarray, seed: int) -> Any:
    ensemble = require("sklearn.ensemble", "hyperparameter importance")
    forest = ensemble.RandomForestRegressor(n_estimators=N_TREES, max_depth=12,
                                            min_samples_leaf=2, max_features=1.0,
                                            random_state=seed, n_jobs=1)
    return forest.fit(x, y)


def _leaf_boxes(tree: Any, d: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each leaf's box (x in (lower, upper] per feature) and value; one level of the tree at a
    time, so that a tree of thousands of nodes costs a dozen array operations."""
    left, right = tree.children_left, tree.children_right
    lower = np.full((tree.node_count, d), -np.inf)
    upper = np.full((tree.node_count, d), np.inf)
    level = np.zeros(1, dtype=np.int64)
    while level.size:
        split = level[left[level] != -1]
        f, t = tree.feature[split], tree.threshold[split]
        for child, bound, pick in ((left[split], upper, np.minimum),
                                   (right[split], lower, np.maximum)):
            lower[child], upper[child] = lower[split], upper[split]
            bound[child, f] = pick(bound[split, f], t)
        level = np.r_[left[split], right[split]]
    leaves = left == -1
    return lower[leaves], upper[leaves], tree.value[leaves].reshape(int(leaves.sum()), -1)[:, 0]


def _tree_shares(tree: Any, sorted_x: list[np.ndarray]) -> np.ndarray:
    """Variance of each feature's main effect over the total variance, for one tree."""
    d = len(sorted_x)
    lower, upper, v = _leaf_boxes(tree, d)
    n = len(sorted_x[0])
    mass = np.empty_like(lower)
    for j in range(d):
        mass[:, j] = (np.searchsorted(sorted_x[j], upper[:, j], "right")
                      - np.searchsorted(sorted_x[j], lower[:, j], "right")) / n
    weight = mass.prod(axis=1)
    mean = weight @ v
    total = weight @ (v * v) - mean * mean
    shares = np.zeros(d)
    if total <= 1e-12 * max(1.0, mean * mean):
        return shares
    for j in np.unique(tree.feature[tree.feature >= 0]):
        cuts = np.unique(np.r_[-np.inf, np.inf, lower[:, j], upper[:, j]])
        seg_mass = np.diff(np.searchsorted(sorted_x[j], cuts, "right")) / n
        others = np.prod(np.delete(mass, j, axis=1), axis=1) * v
        a = np.searchsorted(cuts, lower[:, j])  # the leaf covers segments a .. b-1
        b = np.searchsorted(cuts, upper[:, j])
        marginal = np.zeros(len(cuts))
        np.add.at(marginal, a, others)
        np.add.at(marginal, b, -others)
        marginal = np.cumsum(marginal)[:-1]
        shares[j] = max(0.0, seg_mass @ (marginal * marginal) - mean * mean) / total
    return shares


def _fanova(x: np.ndarray, y: np.ndarray, seed: int) -> np.ndarray:
    forest = _forest(x, y, seed)
    sorted_x = [np.sort(x[:, j]) for j in range(x.shape[1])]
    return np.mean([_tree_shares(t.tree_, sorted_x) for t in forest.estimators_], axis=0)


def _folds(n: int, rng: np.random.Generator) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) index pairs: 4 folds, so that every trial is held out once, up to
    4,000 trials; beyond, one split of 75% / 25% (a thousand held-out trials and more)."""
    order = rng.permutation(n)
    if n < 8:
        return [(order, order)]  # too few to hold any out: the forest's own fit
    if n <= 4_000:
        parts = np.array_split(order, 4)
        return [(np.concatenate(parts[:i] + parts[i + 1:]), parts[i]) for i in range(4)]
    cut = int(n * 0.75)
    return [(order[:cut], order[cut:])]


def _permutation(x: np.ndarray, y: np.ndarray, seed: int, repeats: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.zeros(x.shape[1])
    for train, test in _folds(len(y), rng):
        forest = _forest(x[train], y[train], seed)
        base = np.mean((forest.predict(x[test]) - y[test]) ** 2)
        for j in range(x.shape[1]):
            loss = 0.0
            for _ in range(repeats):
                shuffled = x[test].copy()
                shuffled[:, j] = rng.permutation(shuffled[:, j])
                loss += np.mean((forest.predict(shuffled) - y[test]) ** 2)
            out[j] += max(0.0, loss / repeats - base) * len(test)
    return out


@dataclass(frozen=True, eq=False)
class ImportanceData:
    names: list[str]  # most important first
    importances: np.ndarray  # sums to 1
    method: str
    objective_name: str
    note: str


def importance_data(study: Any, method: str = "fanova", params: Sequence[str] | None = None,
                    objective: int = 0, max_trials: int = MAX_TRIALS,
                    seed: int = 0) -> ImportanceData:
    """The importance of each parameter (see the module's docstring), most important first."""
    if method not in _METHODS:
        raise PlotError(f"importance method={method!r}; choose 'fanova' or 'permutation'")
    table = trial_table(study)
    k = len(table.directions)
    if not isinstance(objective, int) or not -k <= objective < k:
        raise PlotError(f"objective={objective!r}: study {table.study_name!r} has {k} "
                        f"objective(s); pass an index from 0 to {k - 1}")
    names = list(table.params) if params is None else list(params)
    unknown = [p for p in names if p not in table.params]
    if unknown:
        raise PlotError(f"study {table.study_name!r} has no parameter {unknown[0]!r}; its "
                        f"parameters are {sorted(table.params)}")
    rows = np.flatnonzero(table.complete_mask)
    if len(rows) < 2 or not names:
        raise PlotError(f"importance of study {table.study_name!r}: needs at least 2 "
                        f"completed trials with parameters (it has {len(rows)})")
    total = len(rows)
    rows = rows[subsample(total, max_trials, seed=seed)]
    x, y = _features(table, names, rows), table.values[rows, objective]
    raw = (_fanova if method == "fanova" else _permutation)(x, y, seed)
    shares = raw / raw.sum() if raw.sum() > 0 else np.full(len(names), 1.0 / len(names))
    order = np.argsort(-shares, kind="stable")
    return ImportanceData([names[i] for i in order], shares[order], method,
                          table.objective_name(objective),
                          shown_note(len(rows), total, "completed trials",
                                     "forest fitted on a random sample"))


def importances(study: Any, method: str = "fanova", params: Sequence[str] | None = None,
                objective: int = 0, max_trials: int = MAX_TRIALS,
                seed: int = 0) -> dict[str, float]:
    """How much each hyperparameter matters to the objective, as shares that sum to 1, most
    important first. `method`: "fanova" (variance of each parameter's main effect in a
    random forest) or "permutation" (loss of the forest's accuracy when the parameter is
    shuffled). The forest sees at most `max_trials` completed trials (a random sample beyond,
    fixed by `seed`). When no parameter explains anything, every share is equal."""
    data = importance_data(study, method, params, objective, max_trials, seed)
    return {n: float(v) for n, v in zip(data.names, data.importances)}
