"""Directions of objectives and what "best" means under them, written once for studies,
samplers, storages, plots and the CLI: the best value so far, the Pareto front and
non-dominated sorting. A bottom layer, next to `exceptions`: it knows only numpy, so that
storages and samplers (below `study/`) can use it as well as everything above.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import Enum

import numpy as np
from numpy.typing import ArrayLike


class Direction(str, Enum):
    """Whether an objective is minimized or maximized. A `str`, so that the members still equal
    the strings "minimize" and "maximize" that users pass and storages keep, and print as
    them (in messages and in lists of directions alike)."""

    MINIMIZE = "minimize"
    MAXIMIZE = "maximize"

    __str__ = str.__str__
    __format__ = str.__format__
    __repr__ = str.__repr__

    @property
    def sign(self) -> float:
        """1.0 or -1.0: a value times its direction's sign is minimized either way."""
        return 1.0 if self is Direction.MINIMIZE else -1.0

    def best(self, values: Iterable[float]) -> float:
        """The best of `values` (the first of equal ones)."""
        return (min if self is Direction.MINIMIZE else max)(values)

    def better(self, a: float, b: float) -> bool:
        """Whether `a` is strictly better than `b` (a tie keeps the earlier value)."""
        return a < b if self is Direction.MINIMIZE else a > b


def signs(directions: Sequence[str]) -> np.ndarray:
    """The sign of each direction (strings or members): values times signs are minimized."""
    return np.array([Direction(d).sign for d in directions])


def best_so_far(values: ArrayLike, direction: str) -> np.ndarray:
    """The best value after each of `values` in turn (a convergence curve); a NaN is never
    the best."""
    v = np.asarray(values, dtype=float)
    pick = np.fmin if Direction(direction) is Direction.MINIMIZE else np.fmax
    return pick.accumulate(v) if v.size else v


def _as_points(points: ArrayLike, directions: Sequence[str]) -> np.ndarray:
    """Rows of points, all objectives minimized."""
    v = np.asarray(points, dtype=float)
    if v.ndim != 2:
        v = v.reshape(len(v), len(directions))
    return v * signs(directions)


def _dominance(v: np.ndarray, violation: np.ndarray | None) -> np.ndarray:
    """dom[i, j]: point i dominates point j (v is minimized). With `violation`, constraint
    dominance: a feasible point (violation <= 0) dominates an infeasible one, and of two
    infeasible points the smaller violation wins."""
    le = (v[:, None, :] <= v[None, :, :]).all(axis=2)
    lt = (v[:, None, :] < v[None, :, :]).any(axis=2)
    if violation is None:
        return le & lt
    feasible = violation <= 0
    dom = le & lt & feasible[:, None] & feasible[None, :]
    dom |= feasible[:, None] & ~feasible[None, :]
    dom |= (~feasible[:, None] & ~feasible[None, :]) & (violation[:, None] < violation[None, :])
    return dom


def non_dominated_sort(points: ArrayLike, directions: Sequence[str],
                       violation: ArrayLike | None = None) -> np.ndarray:
    """The front of each point (0: non-dominated; 1: non-dominated once front 0 is removed;
    ...). `points` has one row per point and one column per direction; a point dominates
    another when it is no worse in every objective and better in one. With `violation` (one
    number per point, <= 0 feasible), feasible points come first (constraint dominance)."""
    v = _as_points(points, directions)
    n = len(v)
    if n == 0:
        return np.zeros(0, dtype=int)
    dom = _dominance(v, None if violation is None else np.asarray(violation, dtype=float))
    ranks = np.full(n, -1)
    counts = dom.sum(axis=0)  # how many unranked points dominate each point
    front = np.flatnonzero(counts == 0)
    rank = 0
    while front.size:
        ranks[front] = rank
        counts = counts - dom[front].sum(axis=0)
        counts[ranks >= 0] = -1
        front = np.flatnonzero(counts == 0)
        rank += 1
    return ranks


def pareto_front(points: ArrayLike, directions: Sequence[str]) -> np.ndarray:
    """Indices, in order, of the points that no other point dominates (see
    `non_dominated_sort`); equal points are all on the front."""
    v = _as_points(points, directions)
    if len(v) == 0:
        return np.zeros(0, dtype=int)
    return np.flatnonzero(~_dominance(v, None).any(axis=0))


__all__ = ["Direction", "best_so_far", "non_dominated_sort", "pareto_front", "signs"]
