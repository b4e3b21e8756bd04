"""PyTorch training loops: report each epoch, prune, and keep the best model as an artifact."""

from __future__ import annotations

import math
import os
import tempfile
from typing import Any

from ..study import Trial, TrialPruned

BEST_MODEL_ARTIFACT = "best_model.pt"


def _import_torch() -> Any:
    try:
        import torch
    except ImportError:
        raise ImportError("hyperloom.integration.TrialReporter needs PyTorch to save "
                          "checkpoints: pip install 'hyperloom[torch]'") from None
    return torch


class TrialReporter:
    """Call `step(val_loss, epoch, model)` once per epoch: it reports the value, raises
    `TrialPruned` when the study's pruner says so, and with `checkpoint="best"` uploads the
    model's `state_dict` as the artifact `best_model.pt` whenever the value improves."""

    def __init__(self, trial: Trial, checkpoint: str | None = "best",
                 direction: str = "minimize") -> None:
        if checkpoint not in ("best", None):
            raise ValueError(f"TrialReporter: checkpoint must be 'best' or None, got "
                             f"{checkpoint!r}")
        if direction not in ("minimize", "maximize"):
            raise ValueError(f"TrialReporter: direction must be 'minimize' or 'maximize', got "
                             f"{direction!r}")
        self.trial = trial
        self.checkpoint = checkpoint
        self.direction = direction
        self.best_value: float | None = None
        self.best_epoch: int | None = None

    def step(self, value: float, epoch: int, model: Any = None) -> bool:
        """Report `value` at `epoch`; True when it is the best so far. Raises TrialPruned
        (after checkpointing) when the pruner stops the trial."""
        value = float(value)
        self.trial.report(value, epoch)
        improved = not math.isnan(value) and (self.best_value is None or (
            value < self.best_value if self.direction == "minimize" else value > self.best_value))
        if improved:
            self.best_value, self.best_epoch = value, epoch
            if self.checkpoint == "best" and model is not None:
                self._save(model)
        if self.trial.should_prune():
            raise TrialPruned(f"pruned at epoch {epoch} (value {value:.6g})")
        return improved

    def _save(self, model: Any) -> None:
        torch = _import_torch()
        fd, path = tempfile.mkstemp(suffix=".pt")
        os.close(fd)
        try:
            torch.save(model.state_dict(), path)
            self.trial.upload_artifact(path, BEST_MODEL_ARTIFACT)
        finally:
            os.remove(path)
