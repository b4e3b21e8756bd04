"""Asynchronous successive halving (ASHA, Li et al. 2020): a trial goes on past a rung only
while it is among the best 1/reduction_factor of the trials that have reached that rung."""

from __future__ import annotations

from collections.abc import Sequence

from ..samplers import Int, Options, check_params
from ..storage import FrozenTrial, TrialState
from ._base import BasePruner, PrunableTrial, StudyView, direction_sign
from ._feed import PerStudy
from ._rungs import Ladder, RungBook, should_stop

_LARGEST_STEP = 2**62


def geometric_steps(first: int, factor: int, limit: int = _LARGEST_STEP) -> tuple[int, ...]:
    """first, first * factor, first * factor**2, ... up to `limit`."""
    steps = []
    step = first
    while step <= limit:
        steps.append(step)
        step *= factor
    return tuple(steps)


def auto_min_resource(completed_last_step: int) -> int:
    """`min_resource="auto"`: a hundredth of the longest completed trial, at least 1."""
    return max(completed_last_step // 100, 1)


class _HalvingLadder(Ladder):
    def __init__(self, min_resource: int | None, reduction_factor: int, rate: int) -> None:
        self.reduction_factor = reduction_factor
        self.rate = rate
        self._steps: tuple[int, ...] | None = None
        self.set_min_resource(min_resource)

    def set_min_resource(self, min_resource: int | None) -> None:
        self.min_resource = min_resource
        if min_resource is not None:
            first = min_resource * self.reduction_factor ** self.rate
            self._steps = geometric_steps(first, self.reduction_factor)

    def steps(self, number: int) -> Sequence[int] | None:
        return self._steps


class _HalvingBook(RungBook):
    """A rung book whose first rung may wait for the first completed trial ("auto")."""

    def __init__(self, ladder: _HalvingLadder, sign: float) -> None:
        super().__init__(ladder, sign)
        self.longest_completed: int | None = None

    def ingest(self, trial: FrozenTrial) -> None:
        if trial.state == TrialState.COMPLETE and trial.last_step is not None:
            self.longest_completed = max(self.longest_completed or 0, trial.last_step)
        super().ingest(trial)

    def after_read(self) -> bool:
        ladder = self.ladder
        assert isinstance(ladder, _HalvingLadder)
        if ladder.min_resource is None and self.longest_completed is not None:
            ladder.set_min_resource(auto_min_resource(self.longest_completed))
            return True  # trials read before had no rungs: read them again
        return False


class SuccessiveHalvingPruner(BasePruner):
    """Asynchronous successive halving. Rungs sit at steps
    `min_resource * reduction_factor ** (k + min_early_stopping_rate)`, k = 0, 1, ...; when a
    trial reaches one, it goes on only if its value there is among the best
    `1 / reduction_factor` of the values of all trials that reached it so far (the leader
    while fewer than `reduction_factor` have), and once the rung holds more than
    `bootstrap_count` values. `min_resource="auto"` waits for the first completed trial and
    takes a hundredth of its steps.

    A decision costs O(log n) in the n trials at the rung: each process keeps every rung sorted
    and adds values as trials reach it; trials of other processes sharing the storage are read
    from their intermediate values (nothing else is written), within the lag of
    `hyperloom.pruners` reads (see docs/pruners.md).
    """

    _params = {"min_resource": Int(1, None) | Options("auto"), "reduction_factor": Int(2, None),
               "min_early_stopping_rate": Int(0, None), "bootstrap_count": Int(0, None)}

    def __init__(self, min_resource: int | str = "auto", reduction_factor: int = 4,
                 min_early_stopping_rate: int = 0, bootstrap_count: int = 0) -> None:
        check_params(self, locals())
        self.min_resource = min_resource
        self.reduction_factor = reduction_factor
        self.min_early_stopping_rate = min_early_stopping_rate
        self.bootstrap_count = bootstrap_count
        self._studies: PerStudy[_HalvingBook] = PerStudy()

    def _new_book(self, study: StudyView) -> _HalvingBook:
        known = self.min_resource if isinstance(self.min_resource, int) else None
        ladder = _HalvingLadder(known, self.reduction_factor, self.min_early_stopping_rate)
        return _HalvingBook(ladder, direction_sign(study, self))

    def prune(self, study: StudyView, trial: PrunableTrial) -> bool:
        direction_sign(study, self)
        return should_stop(self._studies, study, trial, self._new_book, self.reduction_factor,
                           self.bootstrap_count)
