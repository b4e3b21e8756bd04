"""The pruner interface: decide from intermediate values whether a trial should stop early."""

from __future__ import annotations

from typing import Any, Protocol

from ..samplers import StudyView


class PrunableTrial(Protocol):
    number: int
    intermediate_values: dict[int, float]
    last_step: Any


class BasePruner:
    def prune(self, study: StudyView, trial: PrunableTrial) -> bool:
        raise NotImplementedError


class NopPruner(BasePruner):
    """Never prunes."""

    def prune(self, study: StudyView, trial: PrunableTrial) -> bool:
        return False
