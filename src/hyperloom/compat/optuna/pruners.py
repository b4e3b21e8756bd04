"""`optuna.pruners`: ours, which take Optuna's arguments (PatientPruner's first one is named
`wrapped_pruner` there). ExtrapolationPruner is ours only."""

from typing import Any

from hyperloom.pruners import (
    BasePruner,
    ExtrapolationPruner,
    HyperbandPruner,
    MedianPruner,
    NopPruner,
    PercentilePruner,
    SuccessiveHalvingPruner,
    ThresholdPruner,
)
from hyperloom.pruners import PatientPruner as _PatientPruner


def PatientPruner(wrapped_pruner: BasePruner | None, patience: int,  # noqa: N802 - Optuna's
                  min_delta: float = 0.0) -> _PatientPruner:
    """Optuna's PatientPruner(wrapped_pruner, patience, min_delta): ours."""
    return _PatientPruner(wrapped_pruner, patience, min_delta)


def __getattr__(name: str) -> Any:
    if name == "WilcoxonPruner":
        raise AttributeError("optuna.pruners.WilcoxonPruner has no hyperloom counterpart; "
                             "use MedianPruner, or ExtrapolationPruner for noisy curves")
    raise AttributeError(f"module 'optuna.pruners' (hyperloom.compat) has no attribute {name!r}")


__all__ = ["BasePruner", "ExtrapolationPruner", "HyperbandPruner", "MedianPruner",
           "NopPruner", "PatientPruner", "PercentilePruner", "SuccessiveHalvingPruner",
           "ThresholdPruner"]
