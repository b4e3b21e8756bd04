"""Rungs of asynchronous successive halving, kept sorted so that a promotion costs O(log n).

A trial reaches the rung at step `s` when it reports a step >= s; its value there is the one it
reported at the first such step. That is a function of the trial's intermediate values alone,
so every process sharing a study computes the same rungs from the storage, with nothing
written besides the values the trials report.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import TypeVar

from ..storage import FrozenTrial
from ._base import PrunableTrial, StudyView
from ._feed import PerStudy, StudyState


def value_at_rung(values: Mapping[int, float], step: int) -> float | None:
    """The value reported at the first step >= `step` (None when there is none yet)."""
    value = values.get(step)
    if value is not None:
        return value
    later = [s for s in values if s > step]
    return values[min(later)] if later else None


class Ladder:
    """The rung steps one trial climbs, and the key of each rung in the book (trials of
    different Hyperband brackets never meet)."""

    def steps(self, number: int) -> Sequence[int] | None:
        """Rung steps of trial `number`, lowest first (None: not known yet)."""
        raise NotImplementedError

    def key(self, number: int, step: int) -> Hashable:
        return step


class RungBook(StudyState):
    """Values at each rung, sorted and signed so that lower is better; how many rungs of its
    ladder each trial has entered, and how many its own decisions have promoted it past."""

    def __init__(self, ladder: Ladder, sign: float) -> None:
        super().__init__()
        self.ladder = ladder
        self.sign = sign
        self.sorted: dict[Hashable, list[float]] = {}
        self.entered: dict[int, int] = {}
        self.passed: dict[int, int] = {}

    def ingest(self, trial: FrozenTrial) -> None:
        last = trial.last_step
        if last is not None:
            self.enter(trial.number, trial.intermediate_values, last)

    def enter(self, number: int, values: Mapping[int, float], last: int) -> None:
        """Put the trial's values at rungs it reached since last time (its last step is
        `last`) into the book."""
        steps = self.ladder.steps(number)
        if not steps:
            return
        done = self.entered.get(number, 0)
        while done < len(steps) and steps[done] <= last:
            value = value_at_rung(values, steps[done])
            if value is not None and not math.isnan(value):
                bisect.insort(self.sorted.setdefault(self.ladder.key(number, steps[done]), []),
                              self.sign * value)
            done += 1
        self.entered[number] = done

    def promote(self, number: int, values: Mapping[int, float], last: int,
                reduction_factor: int, bootstrap_count: int) -> bool:
        """Climb the rungs the trial has reached since its last decision; False when it is not
        among the best 1/reduction_factor of a rung (it should stop)."""
        steps = self.ladder.steps(number)
        if not steps:
            return True
        rung = self.passed.get(number, 0)
        while rung < len(steps) and steps[rung] <= last:
            value = value_at_rung(values, steps[rung])
            if value is None or math.isnan(value):
                return False
            rung_values = self.sorted.get(self.ladder.key(number, steps[rung]), [])
            if len(rung_values) <= bootstrap_count:
                return False
            # The best 1/eta go on; the first eta - 1 trials of a rung only when they lead it.
            allowed = max(len(rung_values) // reduction_factor - 1, 0)
            if bisect.bisect_left(rung_values, self.sign * value) > allowed:
                return False
            rung += 1
            self.passed[number] = rung
        return True


B = TypeVar("B", bound=RungBook)


def should_stop(studies: PerStudy[B], study: StudyView, trial: PrunableTrial,
                make: Callable[[StudyView], B], reduction_factor: int,
                bootstrap_count: int) -> bool:
    """The successive-halving decision for `trial` at its last step: between rungs nothing is
    read and nothing compared (O(1)); at a rung, the study is read when a read is due, the
    trial's value enters the rung, and its rank there decides (O(log n))."""
    last = trial.last_step
    if last is None:
        return False
    with studies.lock:
        book = studies.peek(study, make)
        steps = book.ladder.steps(trial.number)
        if steps is not None:
            rung = book.passed.get(trial.number, 0)
            if rung >= len(steps) or steps[rung] > last:
                return False
        book = studies.checked(study, make)
        book.enter(trial.number, trial.intermediate_values, last)
        return not book.promote(trial.number, trial.intermediate_values, last,
                                reduction_factor, bootstrap_count)
