"""Every error hyperloom raises on purpose, under one root, `HyperloomError`, so that a caller
can catch the library's errors apart from their own. Each also derives from the builtin that
fits (a missing study is a KeyError, a bad sweep file a ValueError), so code written against
the builtins keeps working. This module is the bottom layer: it imports nothing of hyperloom.
"""

from __future__ import annotations

from typing import Protocol


class HyperloomError(Exception):
    """The root of hyperloom's errors."""


# -- define-by-run ---------------------------------------------------------------------------
class TrialPruned(HyperloomError):
    """Raise inside an objective to stop the trial early (it is recorded as PRUNED)."""


class SearchExhausted(HyperloomError):
    """Raised by a sampler that has no new point left (a finished grid); `optimize` stops."""


# -- storage ---------------------------------------------------------------------------------
class StorageError(HyperloomError):
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


# -- execution -------------------------------------------------------------------------------
class ExecutionError(HyperloomError):
    """An objective could not be run where the executor runs it."""


class ObjectiveNotPicklable(ExecutionError, TypeError):
    """The objective cannot be sent to worker processes or machines (it holds a lock, an open
    file or a connection); the message names the fix."""


class RemoteError(ExecutionError, RuntimeError):
    """An error in the coordinator while answering a worker, whose exception could not travel
    to the worker as itself; the message carries its type and text."""


class CoordinatorUnreachable(ExecutionError, ConnectionError):
    """A worker lost its coordinator (it stopped, or its machine cannot be reached)."""


# -- sweep files -----------------------------------------------------------------------------
class _SourceText(Protocol):
    """What an error needs of a sweep file: its name in messages and its lines."""

    name: str

    def line(self, number: int) -> str: ...


class SweepError(HyperloomError, ValueError):
    """A sweep file is valid syntax but means nothing sensible (or cannot be turned into Gin).
    The message names file:line:column and shows the line with a caret under the column."""

    def __init__(self, message: str, source: _SourceText | None = None,
                 line: int | None = None, column: int | None = None) -> None:
        self.message = message
        self.file = source.name if source is not None else None
        self.line = line
        self.column = column
        self.source_line = source.line(line) if source is not None and line else ""
        super().__init__(self._format())

    def _format(self) -> str:
        if self.line is None:
            return f"{self.file}: {self.message}" if self.file else self.message
        where = f"{self.file or '<string>'}:{self.line}:{self.column or 1}"
        out = f"{where}: {self.message}"
        if self.source_line:
            caret = " " * (max(1, self.column or 1) - 1) + "^"
            # Tabs keep their width in the caret line so that the caret sits under the column.
            prefix = "".join(c if c == "\t" else " " for c in self.source_line[:len(caret) - 1])
            out += f"\n    {self.source_line}\n    {prefix}^"
        return out


class SweepSyntaxError(SweepError):
    """The text is not in the sweep language (unexpected character, token or indentation)."""


__all__ = ["CoordinatorUnreachable", "CorruptStorageError", "DuplicatedStudyError",
           "ExecutionError", "HyperloomError", "ObjectiveNotPicklable", "RemoteError",
           "ReadOnlyStorageError", "SearchExhausted", "StorageError", "StorageFullError",
           "StorageUnavailableError", "StudyNotFoundError", "SweepError", "SweepSyntaxError",
           "TrialFinishedError", "TrialPruned"]
