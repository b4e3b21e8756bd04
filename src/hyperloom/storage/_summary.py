"""Small helpers shared by storages."""

from __future__ import annotations

from collections.abc import Sequence

from ._frozen import FrozenTrial, TrialState


def best_values_of(trials: Sequence[FrozenTrial], directions: list[str]) -> list[float] | None:
    """Best value of a single-objective study (as a one-element list), else None."""
    if len(directions) != 1:
        return None
    done = [t.values[0] for t in trials if t.state == TrialState.COMPLETE and t.values]
    if not done:
        return None
    return [min(done) if directions[0] == "minimize" else max(done)]
