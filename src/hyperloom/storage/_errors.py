"""Storage errors: each names what went wrong and how to fix it."""


class StorageError(Exception):
    """A storage could not be opened or used."""


class DuplicatedStudyError(StorageError):
    """A study of that name exists already (pass load_if_exists=True to resume it)."""


class StudyNotFoundError(StorageError, KeyError):
    """No study of that name in the storage."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class TrialFinishedError(StorageError, RuntimeError):
    """The trial has left RUNNING already; its state and values can no longer change."""


class ReadOnlyStorageError(StorageError, PermissionError):
    """A write to a database this process may only read (a read-only file or folder)."""


class StorageFullError(StorageError, OSError):
    """The disk under the database is full; the transaction was rolled back, nothing lost."""


class CorruptStorageError(StorageError):
    """The database file is damaged; it is left untouched for recovery."""


class StorageUnavailableError(StorageError, ConnectionError):
    """The database server stayed unreachable for longer than the retry budget."""
