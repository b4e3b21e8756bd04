"""Hyperband (Li et al. 2018) run asynchronously: several successive-halving brackets, from
aggressive (first rung at `min_resource`) to patient (first rung near `max_resource`), each
trial in one of them, chosen from its number alone."""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence

from ..samplers import Int, Options, check_params
from ..storage import FrozenTrial, TrialState
from ._base import BasePruner, PrunableTrial, StudyView, direction_sign
from ._feed import PerStudy
from ._rungs import Ladder, RungBook, should_stop
from ._successive_halving import geometric_steps


def bracket_budgets(min_resource: int, max_resource: int, reduction_factor: int) -> list[int]:
    """How many trials each bracket gets per round, most aggressive bracket first: Hyperband's
    n_i = ceil(B / R * eta**s / (s + 1)) with B = (s_max + 1) R, s = s_max - i."""
    n = math.floor(math.log(max_resource / min_resource, reduction_factor) + 1e-9) + 1
    return [math.ceil(n * reduction_factor ** (n - 1 - i) / (n - i)) for i in range(n)]


def bracket_sequence(budgets: Sequence[int]) -> tuple[int, ...]:
    """One round of bracket numbers, each bracket `budgets[i]` times, interleaved evenly (smooth
    weighted round robin), so that consecutive trials spread over the brackets."""
    total = sum(budgets)
    credit = [0] * len(budgets)
    order = []
    for _ in range(total):
        credit = [c + b for c, b in zip(credit, budgets)]
        pick = max(range(len(budgets)), key=credit.__getitem__)
        credit[pick] -= total
        order.append(pick)
    return tuple(order)


class _BracketLadder(Ladder):
    def __init__(self, min_resource: int, reduction_factor: int) -> None:
        self.min_resource = min_resource
        self.reduction_factor = reduction_factor
        self.order: tuple[int, ...] | None = None
        self._steps: list[tuple[int, ...]] = []

    def set_max_resource(self, max_resource: int) -> None:
        eta = self.reduction_factor
        budgets = bracket_budgets(self.min_resource, max(max_resource, self.min_resource), eta)
        self.order = bracket_sequence(budgets)
        self._steps = [geometric_steps(self.min_resource * eta ** b, eta)
                       for b in range(len(budgets))]

    def bracket(self, number: int) -> int | None:
        return None if self.order is None else self.order[number % len(self.order)]

    def steps(self, number: int) -> Sequence[int] | None:
        bracket = self.bracket(number)
        return None if bracket is None else self._steps[bracket]

    def key(self, number: int, step: int) -> Hashable:
        return (self.bracket(number), step)


class _HyperbandBook(RungBook):
    def __init__(self, ladder: _BracketLadder, sign: float, waits: bool) -> None:
        super().__init__(ladder, sign)
        self.waits = waits  # max_resource="auto" and not known yet
        self.longest_completed: int | None = None

    def ingest(self, trial: FrozenTrial) -> None:
        if self.waits and trial.state == TrialState.COMPLETE and trial.last_step is not None:
            self.longest_completed = max(self.longest_completed or 0, trial.last_step)
        super().ingest(trial)

    def after_read(self) -> bool:
        if self.waits and self.longest_completed is not None:
            ladder = self.ladder
            assert isinstance(ladder, _BracketLadder)
            ladder.set_max_resource(self.longest_completed + 1)
            self.waits = False
            return True
        return False


class HyperbandPruner(BasePruner):
    """Hyperband: `floor(log_eta(max_resource / min_resource)) + 1` brackets of asynchronous
    successive halving (eta = `reduction_factor`); bracket i has its first rung at
    `min_resource * eta**i`, and gets trials in proportion to Hyperband's budgets (most to
    the aggressive bracket 0). Trials meet only the trials of their own bracket at a rung.

    A trial's bracket is a function of its number alone (an even interleaving of the
    budgets), so every process sharing a study agrees on it. `max_resource="auto"` waits for
    the first completed trial and takes its last step + 1. Decisions cost O(log n), as in
    `SuccessiveHalvingPruner`.
    """

    _params = {"min_resource": Int(1, None),
               "max_resource": Int("min_resource", None) | Options("auto"),
               "reduction_factor": Int(2, None), "bootstrap_count": Int(0, None)}

    def __init__(self, min_resource: int = 1, max_resource: int | str = "auto",
                 reduction_factor: int = 3, bootstrap_count: int = 0) -> None:
        check_params(self, locals())
        self.min_resource = min_resource
        self.max_resource = max_resource
        self.reduction_factor = reduction_factor
        self.bootstrap_count = bootstrap_count
        self._studies: PerStudy[_HyperbandBook] = PerStudy()

    def bracket_of(self, number: int, max_resource: int) -> int:
        """The bracket of trial `number` when the longest trial runs `max_resource` steps."""
        ladder = _BracketLadder(self.min_resource, self.reduction_factor)
        ladder.set_max_resource(max_resource)
        bracket = ladder.bracket(number)
        assert bracket is not None
        return bracket

    def _new_book(self, study: StudyView) -> _HyperbandBook:
        ladder = _BracketLadder(self.min_resource, self.reduction_factor)
        if isinstance(self.max_resource, int):
            ladder.set_max_resource(self.max_resource)
        return _HyperbandBook(ladder, direction_sign(study, self),
                              waits=not isinstance(self.max_resource, int))

    def prune(self, study: StudyView, trial: PrunableTrial) -> bool:
        direction_sign(study, self)
        return should_stop(self._studies, study, trial, self._new_book, self.reduction_factor,
                           self.bootstrap_count)
