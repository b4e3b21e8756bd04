"""`optuna.storages.journal`: Optuna's append-only log files. Ours keeps such a study in a
SQLite file at the same path (the file is SQLite, not Optuna's log format): it is as safe for
several processes on one machine, and `optuna.load_study` under this module reads it back."""

from __future__ import annotations

from typing import Any

from hyperloom.storage import BaseStorage, get_storage


class JournalFileBackend:
    """A file path for JournalStorage (the lock argument is not needed: SQLite locks)."""

    def __init__(self, file_path: str, lock_obj: Any = None) -> None:
        self.file_path = str(file_path)


class JournalFileOpenLock:
    def __init__(self, filepath: str, grace_period: int | None = 30) -> None:
        self.filepath = filepath


JournalFileSymlinkLock = JournalFileOpenLock


def JournalStorage(log_storage: JournalFileBackend) -> BaseStorage:  # noqa: N802 - Optuna's
    """Our SQLite storage in the backend's file."""
    if not isinstance(log_storage, JournalFileBackend):
        raise TypeError("JournalStorage: only JournalFileBackend(path) has a hyperloom "
                        "counterpart (a SQLite file); use RDBStorage for a database server")
    return get_storage(f"sqlite:///{log_storage.file_path}")


def JournalFileStorage(file_path: str, lock_obj: Any = None) -> JournalFileBackend:  # noqa: N802
    return JournalFileBackend(file_path, lock_obj)


__all__ = ["JournalFileBackend", "JournalFileOpenLock", "JournalFileStorage",
           "JournalFileSymlinkLock", "JournalStorage"]
