"""Where trials live: in memory, or in SQL (SQLite by default, PostgreSQL for many machines)."""

from ._base import BaseStorage, StudySummary
from ._errors import (
    DuplicatedStudyError,
    StorageError,
    StudyNotFoundError,
    TrialFinishedError,
)
from ._factory import get_storage
from ._frozen import FrozenTrial, TrialState
from ._memory import InMemoryStorage


def __getattr__(name: str):
    if name == "SQLStorage":  # SQLAlchemy is imported only when a SQL storage is used
        from ._sql import SQLStorage

        return SQLStorage
    raise AttributeError(name)


__all__ = ["BaseStorage", "DuplicatedStudyError", "FrozenTrial", "InMemoryStorage",
           "SQLStorage", "StorageError", "StudyNotFoundError", "StudySummary",
           "TrialFinishedError", "TrialState", "get_storage"]
