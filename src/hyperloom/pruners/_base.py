"""The pruner interface: decide from intermediate values whether a trial should stop early."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Protocol

from ..samplers import Configurable, StudyView


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
