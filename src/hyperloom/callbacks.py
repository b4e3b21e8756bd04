"""Callbacks that `Study.optimize(callbacks=[...])` calls after each finished trial.

A callback is any callable taking `(study, frozen_trial)`; these are the ones that ship.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from .study import ConsoleLogger, HistoryRecorder, MaxTrialsCallback

if TYPE_CHECKING:
    from .storage import FrozenTrial
    from .study import Study

__all__ = ["Callback", "ConsoleLogger", "HistoryRecorder", "MaxTrialsCallback"]


class Callback(Protocol):
    """What `optimize` calls after each trial finishes (COMPLETE, PRUNED or FAILED)."""

    def __call__(self, study: Study, trial: FrozenTrial) -> None: ...
