"""Stop a trial whose intermediate value is worse than the median of earlier trials at that step."""

from __future__ import annotations

import math

import numpy as np

from ..objectives import Direction
from ..samplers import Int, Real, check_params
from ..storage import TrialState
from ._base import BasePruner, PrunableTrial, StudyView, checked_at


class PercentilePruner(BasePruner):
    """Prunes when the trial's latest value is worse than the given percentile of the values
    that completed trials reported at the same step."""

    _params = {"percentile": Real(0, 100), "n_startup_trials": Int(0, None),
               "n_warmup_steps": Int(0, None), "interval_steps": Int(1, None),
               "n_min_trials": Int(0, None)}

    def __init__(self, percentile: float, n_startup_trials: int = 5, n_warmup_steps: int = 0,
                 interval_steps: int = 1, n_min_trials: int = 1) -> None:
        check_params(self, locals())
        self.percentile = percentile
        self.n_startup_trials = n_startup_trials
        self.n_warmup_steps = n_warmup_steps
        self.interval_steps = interval_steps
        self.n_min_trials = n_min_trials

    def prune(self, study: StudyView, trial: PrunableTrial) -> bool:
        step = trial.last_step
        if not checked_at(step, self.n_warmup_steps, self.interval_steps):
            return False
        if len(study.directions) != 1:
            raise ValueError("PercentilePruner/MedianPruner work on single-objective studies")
        value = trial.intermediate_values[step]
        if math.isnan(value):
            return True
        done = study.get_trials(states=(TrialState.COMPLETE,))
        if len(done) < self.n_startup_trials:
            return False
        at_step = [t.intermediate_values[step] for t in done if step in t.intermediate_values]
        at_step = [v for v in at_step if not math.isnan(v)]
        if len(at_step) < self.n_min_trials or not at_step:
            return False
        maximize = Direction(study.directions[0]) is Direction.MAXIMIZE
        q = 100 - self.percentile if maximize else self.percentile
        threshold = float(np.percentile(at_step, q))
        return value < threshold if maximize else value > threshold


class MedianPruner(PercentilePruner):
    """Prunes a trial that is worse than the median of completed trials at the same step."""

    def __init__(self, n_startup_trials: int = 5, n_warmup_steps: int = 0,
                 interval_steps: int = 1, n_min_trials: int = 1) -> None:
        super().__init__(50.0, n_startup_trials, n_warmup_steps, interval_steps, n_min_trials)
