"""Prune a trial whose value leaves a fixed range (a diverging loss, a stuck accuracy)."""

from __future__ import annotations

import math

from ..samplers import Int, Real, check_params
from ._base import BasePruner, PrunableTrial, StudyView, checked_at


class ThresholdPruner(BasePruner):
    """Prunes when the latest reported value is below `lower` or above `upper`, or NaN, at
    the steps `n_warmup_steps`, `n_warmup_steps + interval_steps`, ...; it needs no other
    trial, so it works from the first trial and on multi-objective studies alike."""

    _params = {"lower": Real(None, None) | None, "upper": Real(None, None) | None,
               "n_warmup_steps": Int(0, None), "interval_steps": Int(1, None)}

    def __init__(self, lower: float | None = None, upper: float | None = None,
                 n_warmup_steps: int = 0, interval_steps: int = 1) -> None:
        if lower is None and upper is None:
            raise ValueError("ThresholdPruner: give `lower`, `upper` or both, e.g. "
                             "ThresholdPruner(upper=10.0) to stop trials whose loss exceeds 10")
        check_params(self, locals())
        if lower is not None and upper is not None and upper < lower:
            raise ValueError(f"ThresholdPruner: `upper` ({upper!r}) must be >= `lower` "
                             f"({lower!r}); swap them")
        self.lower = lower
        self.upper = upper
        self.n_warmup_steps = n_warmup_steps
        self.interval_steps = interval_steps

    def prune(self, study: StudyView, trial: PrunableTrial) -> bool:
        step = trial.last_step
        if not checked_at(step, self.n_warmup_steps, self.interval_steps):
            return False
        value = trial.intermediate_values[step]
        if math.isnan(value):
            return True
        return ((self.lower is not None and value < self.lower)
                or (self.upper is not None and value > self.upper))
