"""Best trials: single-objective best and the Pareto front, constraints first."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..storage import FrozenTrial


def _signed(trials: Sequence[FrozenTrial], directions: list[str]) -> np.ndarray:
    sign = np.array([1.0 if d == "minimize" else -1.0 for d in directions])
    return np.array([t.values for t in trials], dtype=float) * sign


def best_single(trials: Sequence[FrozenTrial], direction: str) -> FrozenTrial | None:
    """The best complete trial, preferring feasible ones (constraints <= 0)."""
    if not trials:
        return None
    pool = [t for t in trials if t.feasible] or list(trials)
    pick = min if direction == "minimize" else max
    return pick(pool, key=lambda t: t.values[0])


def pareto_front(trials: Sequence[FrozenTrial], directions: list[str]) -> list[FrozenTrial]:
    """Trials not dominated by any other (all objectives minimized after sign flips)."""
    pool = [t for t in trials if t.feasible] or list(trials)
    if not pool:
        return []
    v = _signed(pool, directions)
    # i is dominated if some j is <= everywhere and < somewhere.
    le = (v[None, :, :] <= v[:, None, :]).all(axis=2)
    lt = (v[None, :, :] < v[:, None, :]).any(axis=2)
    dominated = (le & lt).any(axis=1)
    return [t for t, d in zip(pool, dominated) if not d]
