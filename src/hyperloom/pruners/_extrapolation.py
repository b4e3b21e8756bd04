"""Prune a trial when even an optimistic prediction of its final value, learned from the
study's own completed curves, is worse than the best final value so far. Unlike a rank at
one step, this keeps a slow starter whose curve still falls steeply (a small learning rate)
and stops a fast starter that has levelled off too high (a large one)."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from ..samplers import Int, Options, Real, check_params
from ..storage import FrozenTrial, TrialState
from ._base import BasePruner, PrunableTrial, StudyView, direction_sign
from ._curves import Moments, check_steps, curve_features, curve_noise
from ._feed import PerStudy, StudyState


class _CurveBook(StudyState):
    """Per study: the horizon, the check steps, one regression per check step over the
    completed trials, the best final level, the noise of reported values, and how far each
    live trial has been checked."""

    def __init__(self, pruner: ExtrapolationPruner, sign: float) -> None:
        super().__init__()
        self.sign = sign
        self.first = pruner.n_warmup_steps
        self.growth = pruner.step_growth
        self.horizon: int | None = None
        self.waits = not isinstance(pruner.max_resource, int)
        self.checks: tuple[int, ...] = ()
        self.fits: list[Moments] = []
        self.best = math.inf
        self.noise_sum, self.noise_count = 0.0, 0
        self.taken: set[int] = set()
        self.next_check: dict[int, int] = {}
        self.longest_completed: int | None = None
        if isinstance(pruner.max_resource, int):
            self.set_horizon(pruner.max_resource)

    def set_horizon(self, horizon: int) -> None:
        self.horizon = horizon
        self.checks = check_steps(self.first, self.growth, horizon)
        self.fits = [Moments() for _ in self.checks]

    @property
    def noise(self) -> float:
        """The standard deviation of one reported value around its curve's trend."""
        return math.sqrt(self.noise_sum / self.noise_count) if self.noise_count else 0.0

    def ingest(self, trial: FrozenTrial) -> None:
        if trial.state != TrialState.COMPLETE or trial.last_step is None:
            return
        if self.waits:
            self.longest_completed = max(self.longest_completed or 0, trial.last_step)
            return
        if trial.number in self.taken:
            return
        self.taken.add(trial.number)
        steps, values = self.curve(trial.intermediate_values)
        # The final level, not the last value: one value's noise says nothing of the trial.
        end = curve_features(steps, values, int(steps[-1]), int(steps[-1]))
        if end is None or not math.isfinite(end[0]):
            return
        final = end[0]
        self.best = min(self.best, final)
        noise = curve_noise(steps, values)
        if noise is not None and math.isfinite(noise):
            self.noise_sum += noise
            self.noise_count += 1
        assert self.horizon is not None
        for step, fit in zip(self.checks, self.fits):
            i = int(np.searchsorted(steps, step))
            if i >= len(steps) - 1:
                break  # the curve ends there: nothing left to predict
            features = curve_features(steps, values, int(steps[i]), self.horizon)
            if features is not None:
                fit.add(features, final)

    def after_read(self) -> bool:
        if self.waits and self.longest_completed is not None:
            self.waits = False
            self.set_horizon(self.longest_completed)
            return True  # completed trials read before had no horizon to be learned from
        return False

    def curve(self, values: Mapping[int, float]) -> tuple[np.ndarray, np.ndarray]:
        steps = np.fromiter(sorted(values), dtype=np.int64, count=len(values))
        return steps, self.sign * np.array([values[s] for s in steps.tolist()], dtype=float)


def _step_at(values: Mapping[int, float], step: int) -> int:
    """The first reported step >= `step` (the caller knows there is one)."""
    return step if step in values else min(s for s in values if s > step)


class ExtrapolationPruner(BasePruner):
    """Predicts each trial's final value (at step `max_resource`) from where its curve is and
    where its trend leads, with a prediction learned from the study's completed curves, and
    prunes the trial when it is unlikely to end better than the best completed trial.

    At check steps `n_warmup_steps`, then each about `step_growth` times the one before, a
    trial's curve is summarized as (level, trend): a line fitted to the later half of the
    curve against log(step + 1), its value now and how far it moves by `max_resource`. For
    each check step, a linear regression of the completed trials' final levels on their
    (level, trend) at that step predicts where the trial ends, with a prediction interval
    widened by how far the regression missed the completed trials before they were added.
    The trial is pruned when its chance to end below the best final level (under that
    interval) is less than `risk / (n + 1)`, n the completed trials there: 1/(n + 1) is the
    chance of a trial whose curve says nothing yet, so `risk=1` prunes the trials whose curve
    makes them less likely than that. `noise_margin` > 0 also prunes trials that could beat
    the best only by less than that many standard deviations of one reported value (a study
    picks its best by one noisy value: smaller gains are not seen anyway).

    So a slow starter whose curve still falls steeply (a small learning rate) is kept, and a
    fast starter that levels off too high (a large one) is stopped: the pruner learns from
    the study how much curves still gain after each step, instead of ranking values at one
    step. A check step prunes only once it has predicted `n_startup_trials` completed trials
    from there (which takes `n_startup_trials` + 4 completed trials). `max_resource="auto"`
    takes the last step of the first completed trial. A decision costs O(1) in the number of
    trials (the regressions are running sums); completed trials of other processes are read as
    in `SuccessiveHalvingPruner`.
    """

    _params = {"max_resource": Int(1, None) | Options("auto"),
               "n_startup_trials": Int(1, None), "n_warmup_steps": Int(0, None),
               "step_growth": Real(1, None, closed="neither"),
               "risk": Real(0, None, closed="neither"), "noise_margin": Real(0, None)}

    def __init__(self, max_resource: int | str = "auto", n_startup_trials: int = 5,
                 n_warmup_steps: int = 2, step_growth: float = 1.15, risk: float = 1.0,
                 noise_margin: float = 0.0) -> None:
        check_params(self, locals())
        self.max_resource = max_resource
        self.n_startup_trials = n_startup_trials
        self.n_warmup_steps = n_warmup_steps
        self.step_growth = step_growth
        self.risk = risk
        self.noise_margin = noise_margin
        self._studies: PerStudy[_CurveBook] = PerStudy()

    def _new_book(self, study: StudyView) -> _CurveBook:
        return _CurveBook(self, direction_sign(study, self))

    def prune(self, study: StudyView, trial: PrunableTrial) -> bool:
        last = trial.last_step
        if last is None:
            return False
        direction_sign(study, self)
        with self._studies.lock:
            book = self._studies.peek(study, self._new_book)
            k = book.next_check.get(trial.number, 0)
            if book.horizon is not None and (k >= len(book.checks) or book.checks[k] > last):
                return False
            book = self._studies.checked(study, self._new_book)
            return self._judge(book, trial, last)

    def _judge(self, book: _CurveBook, trial: PrunableTrial, last: int) -> bool:
        values = trial.intermediate_values
        if math.isnan(values[last]):
            return True
        if book.horizon is None:
            return False
        k = book.next_check.get(trial.number, 0)
        while k + 1 < len(book.checks) and book.checks[k + 1] <= last:
            k += 1  # checks skipped by a trial that reports sparsely: judge at the latest
        if k >= len(book.checks) or book.checks[k] > last:
            return False
        book.next_check[trial.number] = k + 1
        fit = book.fits[k]
        if fit.n_checked < self.n_startup_trials:
            return False
        steps, signed = book.curve(values)
        features = curve_features(steps, signed, _step_at(values, book.checks[k]),
                                  book.horizon)
        if features is None:
            return False
        confidence = 1.0 - min(self.risk / (fit.n + 1), 0.5)
        bound = fit.lower_bound(features, confidence)
        return bound is not None and bound > book.best - self.noise_margin * book.noise
