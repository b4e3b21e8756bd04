"""The pruner interface: decide from intermediate values whether a trial should stop early."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Protocol

from ..objectives import Direction
from ..samplers import Configurable, Rule, StudyView


class PrunableTrial(Protocol):
    number: int
    intermediate_values: dict[int, float]
    last_step: Any


class BasePruner(Configurable, ABC):
    """Subclass and implement `prune` (a subclass without it cannot be built); declare the
    constructor's arguments in `_params` for validation and a repr, as samplers do."""

    @abstractmethod
    def prune(self, study: StudyView, trial: PrunableTrial) -> bool:
        """True when `trial` should stop at its latest reported step."""


class NopPruner(BasePruner):
    """Never prunes."""

    def prune(self, study: StudyView, trial: PrunableTrial) -> bool:
        return False


def checked_at(step: int | None, n_warmup_steps: int, interval_steps: int) -> bool:
    """True when a pruner decides at `step`: past the warm-up, on the interval's beat."""
    return step is not None and step >= n_warmup_steps and \
        (step - n_warmup_steps) % interval_steps == 0


def direction_sign(study: StudyView, pruner: BasePruner) -> float:
    """1.0 when the study minimizes, -1.0 when it maximizes (a value times it is minimized);
    pruners of this package judge one objective, so a study of several is refused."""
    if len(study.directions) != 1:
        raise ValueError(f"{type(pruner).__name__} prunes single-objective studies; study "
                         f"{study.study_name!r} has {len(study.directions)} objectives "
                         "(use NopPruner, or report and prune on one objective)")
    return Direction(study.directions[0]).sign


class PrunerOrNone(Rule):
    """A pruner to wrap, or None."""

    def accepts(self, value: Any, args: Any) -> bool:
        return value is None or isinstance(value, BasePruner)

    def describe(self) -> str:
        return "a pruner (e.g. MedianPruner()) or None"
