"""The Pareto front of many points. `hyperloom.objectives.pareto_front` compares every pair
(an n x n matrix: 10 GB at 100,000 points); here points go through it in blocks, each block
against the front found so far, which costs n x (block + front size)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .. import objectives

_BLOCK = 2_000


def _dominated_by(front: np.ndarray, points: np.ndarray) -> np.ndarray:
    """For each of `points` (minimized), whether some row of `front` dominates it."""
    if len(front) == 0:
        return np.zeros(len(points), dtype=bool)
    out = np.zeros(len(points), dtype=bool)
    for start in range(0, len(points), 256):
        p = points[start:start + 256]
        le = (front[None, :, :] <= p[:, None, :]).all(axis=2)
        lt = (front[None, :, :] < p[:, None, :]).any(axis=2)
        out[start:start + 256] = (le & lt).any(axis=1)
    return out


def _front_2d(v: np.ndarray) -> np.ndarray:
    """The front of two minimized objectives in one sort: in lexicographic order a point is
    dominated when a point of a smaller first value has a second value no larger, or the
    first point of its own first value has a smaller second value."""
    order = np.lexsort((v[:, 1], v[:, 0]))
    a, b = v[order, 0], v[order, 1]
    group_start = np.flatnonzero(np.r_[True, a[1:] != a[:-1]])
    start_of = group_start[np.cumsum(np.r_[True, a[1:] != a[:-1]]) - 1]
    before = np.r_[np.inf, np.minimum.accumulate(b)[:-1]]  # min of b over earlier points
    dominated = (before[start_of] <= b) | (b[start_of] < b)
    mask = np.zeros(len(v), dtype=bool)
    mask[order[~dominated]] = True
    return mask


def front_mask(values: np.ndarray, directions: Sequence[str]) -> np.ndarray:
    """Which rows of `values` (one row per point) no other row dominates."""
    v = np.asarray(values, dtype=float) * objectives.signs(directions)
    n = len(v)
    mask = np.zeros(n, dtype=bool)
    if n == 0:
        return mask
    if v.shape[1] == 2:
        return _front_2d(v)
    # In lexicographic order a point comes after every point that dominates it, so a block
    # never removes a point of the front found before it.
    order = np.lexsort(v.T[::-1])
    front = np.zeros((0, v.shape[1]))
    minimize = ["minimize"] * v.shape[1]
    for start in range(0, n, _BLOCK):
        idx = order[start:start + _BLOCK]
        idx = idx[~_dominated_by(front, v[idx])]
        local = idx[objectives.pareto_front(v[idx], minimize)]
        front = np.vstack([front, v[local]])
        mask[local] = True
    return mask
