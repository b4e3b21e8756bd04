"""A Keras 3 callback that reports each epoch's metric to a trial and prunes it.

Keras is imported when this module is first used, with `KERAS_BACKEND` defaulting to "torch"
(set it before anything imports Keras to choose another; the torch backend on the CPU is what
is tested)."""

from __future__ import annotations

import math
import os
from typing import Any

from ..study import Trial, TrialPruned

os.environ.setdefault("KERAS_BACKEND", "torch")
try:
    import keras
except ImportError as exc:
    raise ImportError(f"hyperloom.integration.KerasPruningCallback needs Keras 3 with a backend "
                      f"({exc}): pip install 'hyperloom[keras]'") from None


class KerasPruningCallback(keras.callbacks.Callback):
    """Reports `logs[monitor]` after each epoch (the epoch is the step); when the study's pruner
    says stop, training stops at the end of that epoch and `fit` raises `TrialPruned` as it
    ends (other callbacks' `on_train_end` placed before this one still run)."""

    def __init__(self, trial: Trial, monitor: str = "val_loss") -> None:
        super().__init__()
        self.trial = trial
        self.monitor = monitor
        self.pruned_epoch: int | None = None

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        if self.monitor not in logs:
            raise KeyError(f"KerasPruningCallback: metric {self.monitor!r} is not in this epoch's "
                           f"logs {sorted(logs)}; pass monitor= one of them (val_* metrics need "
                           f"validation_data or validation_split in fit)")
        value = float(logs[self.monitor])
        if math.isnan(value):
            value = math.inf
        self.trial.report(value, epoch)
        if self.trial.should_prune():
            self.pruned_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if self.pruned_epoch is not None:
            raise TrialPruned(f"pruned at epoch {self.pruned_epoch} on {self.monitor}")
