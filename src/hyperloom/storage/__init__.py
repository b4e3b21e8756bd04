"""Where trials live: in memory, or in SQL (SQLite by default, PostgreSQL for many machines)."""

from ._base import BaseStorage, StudySummary
from ._errors import (
    CorruptStorageError,
    DuplicatedStudyError,
    ReadOnlyStorageError,
    StorageError,
    StorageFullError,
    StorageUnavailableError,
    StudyNotFoundError,
    TrialFinishedError,
)
from ._factory import get_storage
from ._frozen import FrozenTrial, TrialState
from ._memory import InMemoryStorage
from ._names import MAX_STUDY_NAME, check_study_name


def __getattr__(name: str):
    # SQLAlchemy is imported only when a SQL storage (or its URL) is used.
    if name == "SQLStorage":
        from ._sql import SQLStorage

        return SQLStorage
    if name == "parse_url":
        from ._url import parse_url

        return parse_url
    raise AttributeError(name)


__all__ = ["BaseStorage", "CorruptStorageError", "DuplicatedStudyError", "FrozenTrial",
           "InMemoryStorage", "MAX_STUDY_NAME", "ReadOnlyStorageError", "SQLStorage",
           "StorageError", "StorageFullError", "StorageUnavailableError", "StudyNotFoundError",
           "StudySummary", "TrialFinishedError", "TrialState", "check_study_name",
           "get_storage", "parse_url"]
