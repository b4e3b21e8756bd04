"""Best trials: single-objective best and the Pareto front, constraints first."""

from __future__ import annotations

from collections.abc import Sequence

from .. import objectives
from ..objectives import Direction
from ..storage import FrozenTrial


def best_single(trials: Sequence[FrozenTrial], direction: str) -> FrozenTrial | None:
    """The best complete trial, preferring feasible ones (constraints <= 0)."""
    if not trials:
        return None
    pool = [t for t in trials if t.feasible] or list(trials)
    pick = min if Direction(direction) is Direction.MINIMIZE else max
    return pick(pool, key=lambda t: t.values[0])


def pareto_front(trials: Sequence[FrozenTrial], directions: list[str]) -> list[FrozenTrial]:
    """Trials not dominated by any other, preferring feasible ones (constraints <= 0)."""
    pool = [t for t in trials if t.feasible] or list(trials)
    if not pool:
        return []
    return [pool[i] for i in objectives.pareto_front([t.values for t in pool], directions)]
