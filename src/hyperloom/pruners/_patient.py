"""Prune only trials that have stopped improving: patience in front of another pruner."""

from __future__ import annotations

import math

from ..samplers import Int, Real, check_params
from ._base import BasePruner, PrunableTrial, PrunerOrNone, StudyView, direction_sign


class PatientPruner(BasePruner):
    """Asks `wrapped` (or prunes, when it is None) only once the trial has not improved for
    `patience` steps: when the best of its last `patience + 1` reported values is not better
    than the best value before them by more than `min_delta`. Noisy curves that still make
    progress are left alone, whatever the wrapped pruner would say."""

    _params = {"wrapped": PrunerOrNone(), "patience": Int(0, None),
               "min_delta": Real(0, None)}

    def __init__(self, wrapped: BasePruner | None, patience: int,
                 min_delta: float = 0.0) -> None:
        check_params(self, locals())
        self.wrapped = wrapped
        self.patience = patience
        self.min_delta = min_delta

    def prune(self, study: StudyView, trial: PrunableTrial) -> bool:
        sign = direction_sign(study, self)
        values = trial.intermediate_values
        if len(values) <= self.patience + 1:
            return False
        steps = sorted(values)
        split = len(steps) - self.patience - 1
        before = _best(sign * values[s] for s in steps[:split])
        recent = _best(sign * values[s] for s in steps[split:])
        # No verdict while either part has only NaN values (nothing to compare).
        if not recent < before - self.min_delta and not math.isnan(before - recent):
            return True if self.wrapped is None else self.wrapped.prune(study, trial)
        return False


def _best(signed: object) -> float:
    """The lowest of the values, ignoring NaN (NaN when all are NaN)."""
    finite = [v for v in signed if not math.isnan(v)]  # type: ignore[attr-defined]
    return min(finite) if finite else math.nan
