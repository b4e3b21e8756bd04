"""Storage errors: each names what went wrong and how to fix it (defined in
`hyperloom.exceptions`, under HyperloomError; importable from here as before)."""

from ..exceptions import (
    CorruptStorageError,
    DuplicatedStudyError,
    ReadOnlyStorageError,
    StorageError,
    StorageFullError,
    StorageUnavailableError,
    StudyNotFoundError,
    TrialFinishedError,
)

__all__ = ["CorruptStorageError", "DuplicatedStudyError", "ReadOnlyStorageError",
           "StorageError", "StorageFullError", "StorageUnavailableError", "StudyNotFoundError",
           "TrialFinishedError"]
