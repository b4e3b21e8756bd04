"""`optuna.exceptions`: Optuna's error names for ours (catching one catches the other)."""

from hyperloom.exceptions import (
    DuplicatedStudyError,
    HyperloomError,
    StorageError,
    TrialFinishedError,
    TrialPruned,
)

OptunaError = HyperloomError
StorageInternalError = StorageError
UpdateFinishedTrialError = TrialFinishedError


class CLIUsageError(HyperloomError):
    """A command line used wrongly (kept for scripts that catch it)."""


class ExperimentalWarning(UserWarning):
    """Optuna's warning for experimental features; hyperloom raises none."""


__all__ = ["CLIUsageError", "DuplicatedStudyError", "ExperimentalWarning", "OptunaError",
           "StorageInternalError", "TrialPruned", "UpdateFinishedTrialError"]
