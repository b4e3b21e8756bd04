"""Crowding distance, shared by the multi-objective samplers (NSGA-II, MOTPE)."""

from __future__ import annotations

import numpy as np


def crowding_distance(values: np.ndarray) -> np.ndarray:
    """Crowding distance within one front: boundary points get infinity."""
    n, m = values.shape
    dist = np.zeros(n)
    if n <= 2:
        return np.full(n, np.inf)
    for k in range(m):
        order = np.argsort(values[:, k], kind="stable")
        col = values[order, k]
        span = col[-1] - col[0]
        dist[order[0]] = dist[order[-1]] = np.inf
        if span > 0:
            dist[order[1:-1]] += (col[2:] - col[:-2]) / span
    return dist
