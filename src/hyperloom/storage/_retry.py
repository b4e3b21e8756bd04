"""What a database error means for the user, and the backoff that waits out passing ones.

A locked SQLite file or a PostgreSQL server that restarts (about 3 s) or fails over should
cost a pause, not the study: such errors are retried with jittered exponential backoff until
a total budget (60 s by default) is spent. Other errors become one clear `StorageError`.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator
from typing import Any

from ._errors import (
    CorruptStorageError,
    ReadOnlyStorageError,
    StorageError,
    StorageFullError,
    StorageUnavailableError,
)

DEFAULT_RETRY_SECONDS = 60.0

# SQLSTATE class 08 (connection exception), 57P01-57P03 (admin shutdown, crash shutdown,
# cannot connect now: starting up or shutting down), 40001 / 40P01 (serialization, deadlock).
_TRANSIENT_SQLSTATE_CLASSES = ("08",)
_TRANSIENT_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "40001", "40P01"})
_CONTENTION_TEXT = ("database is locked", "database table is locked", "busy",
                    "deadlock detected", "could not serialize")
_CONNECTION_TEXT = ("shutting down", "starting up", "connection refused",
                    "terminating connection", "server closed the connection",
                    "connection is closed", "connection is lost", "consuming input failed",
                    "sending query failed", "no connection to the server",
                    "ssl connection has been closed")


def sqlstate_of(error: BaseException) -> str | None:
    """The SQLSTATE code a driver attached to `error` (psycopg does), if any."""
    return getattr(error, "sqlstate", None)


def is_contention(error: BaseException) -> bool:
    """Another writer holds a lock, or a transaction lost a race: routine under load."""
    return sqlstate_of(error) in ("40001", "40P01") or _mentions(error, _CONTENTION_TEXT)


def is_connection_failure(error: BaseException) -> bool:
    """The server is unreachable, restarting, or dropped the connection."""
    state = sqlstate_of(error) or ""
    return (state[:2] in _TRANSIENT_SQLSTATE_CLASSES or state in _TRANSIENT_SQLSTATES
            or _mentions(error, _CONNECTION_TEXT))


def is_transient(error: BaseException) -> bool:
    """True for errors that a later attempt can get past."""
    return is_contention(error) or is_connection_failure(error)


def _mentions(error: BaseException, phrases: tuple[str, ...]) -> bool:
    text = str(error).lower()
    return any(p in text for p in phrases)


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class Backoff:
    """Pauses of jittered exponential length, until `budget` seconds have passed."""

    def __init__(self, budget: float = DEFAULT_RETRY_SECONDS, first: float = 0.01,
                 longest: float = 2.0) -> None:
        if not budget >= 0:
            raise ValueError(f"retry_seconds must be a number of seconds >= 0, got {budget!r}")
        self.budget, self.first, self.longest = float(budget), first, longest

    def pauses(self, since: float | None = None) -> Iterator[float]:
        """Sleeps each pause, then yields it; stops when the budget, counted from the
        monotonic time `since` (default: now), is spent."""
        deadline = (time.monotonic() if since is None else since) + self.budget
        delay = self.first
        while (left := deadline - time.monotonic()) > 0:
            pause = min(delay * (0.5 + random.random()), left)
            time.sleep(pause)
            yield pause
            delay = min(delay * 2, self.longest)


class CommitOutcomeUnknown(Exception):
    """The connection died during COMMIT: the server may have committed or not. The
    transaction id lets a new connection ask which, so that a retry never writes twice."""

    def __init__(self, transaction_id: Any, result: Any) -> None:
        super().__init__(transaction_id)
        self.transaction_id, self.result = transaction_id, result


def to_storage_error(error: BaseException, where: str, file: str | None,
                     gave_up_after: float | None = None) -> StorageError:
    """One line naming the database, what went wrong and the fix; `file` is the SQLite
    file, if any; `gave_up_after` the seconds spent retrying a transient error."""
    cause = first_line(error)
    lowered = cause.lower()
    if file and ("readonly" in lowered or "read-only" in lowered):
        folder = os.path.dirname(os.path.abspath(file))
        return ReadOnlyStorageError(
            f"{file!r} is read-only for this process ({cause}): reading works, writing does "
            f"not; make the file and its folder {folder!r} writable, or copy the database to "
            "a writable folder")
    if "database or disk is full" in lowered or "no space left" in lowered:
        return StorageFullError(
            f"{file or where}: the disk is full ({cause}); this write was rolled back and the "
            "database is intact: free some space on that disk and run again")
    if "malformed" in lowered or "file is not a database" in lowered:
        return CorruptStorageError(
            f"{file or where} is damaged ({cause}); it was left untouched: restore it from a "
            f"backup, or salvage it with `sqlite3 {file or 'FILE'} .recover | sqlite3 new.db`")
    if gave_up_after is not None and file:
        return StorageUnavailableError(
            f"{file!r} stayed locked by another writer for {gave_up_after:.0f} s ({cause}): "
            "stop the process that holds it, or give the storage a longer retry_seconds")
    if gave_up_after is not None:
        return StorageUnavailableError(
            f"{where} stayed unavailable for {gave_up_after:.0f} s ({cause}); check that the "
            "server is running and reachable, or give the storage a longer retry_seconds")
    return StorageError(f"{where}: {cause}")
