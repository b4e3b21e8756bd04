"""Units of work on one SQL engine: each read or write is retried whole on a transient error
(a lock, a dropped connection, a restarting server) within a time budget, and a PostgreSQL
commit whose answer was lost is looked up by its transaction id, never run twice."""

from __future__ import annotations

import contextlib
import time
import warnings
from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError

from ._errors import StorageError
from ._retry import (
    Backoff,
    CommitOutcomeUnknown,
    first_line,
    is_connection_failure,
    is_transient,
    to_storage_error,
)

T = TypeVar("T")
_TRANSACTION_ID = sa.text("SELECT txid_current()")
_TRANSACTION_STATUS = sa.text("SELECT txid_status(:xid)")


class Transactions:
    """Runs functions of a connection as retried units of work on `engine`."""

    def __init__(self, engine: sa.Engine, shown_url: str, retry_seconds: float) -> None:
        self._engine = engine
        self._shown_url = shown_url
        self._backoff = Backoff(retry_seconds)
        self._is_sqlite = engine.dialect.name == "sqlite"
        self._read_options = {"hyperloom_read": True} if self._is_sqlite \
            else {"isolation_level": "AUTOCOMMIT"}

    def write(self, fn: Callable[[sa.Connection], T]) -> T:
        """Run `fn` in one write transaction, the unit that is retried whole."""
        return self._retrying(lambda: self._write_once(fn))

    def read(self, fn: Callable[[sa.Connection], T]) -> T:
        """Run `fn` on a connection that only reads (autocommit on PostgreSQL)."""
        return self._retrying(lambda: self._read_once(fn))

    def _read_once(self, fn: Callable[[sa.Connection], T]) -> T:
        with self._engine.connect().execution_options(**self._read_options) as conn:
            return fn(conn)

    def _write_once(self, fn: Callable[[sa.Connection], T]) -> T:
        with self._engine.connect() as conn:
            transaction = conn.begin()
            try:
                result = fn(conn)
                xid = None if self._is_sqlite else conn.execute(_TRANSACTION_ID).scalar()
            except BaseException:
                with contextlib.suppress(SQLAlchemyError):
                    transaction.rollback()
                raise
            try:
                transaction.commit()
            except DBAPIError as exc:
                if xid is None or not _is_transient(exc):
                    raise
                raise CommitOutcomeUnknown(xid, result) from exc
            return result

    def _retrying(self, attempt: Callable[[], T]) -> T:
        """Run `attempt` until it succeeds, retrying transient errors with backoff within
        the retry budget; a commit whose outcome was lost is looked up, never redone."""
        started = time.monotonic()  # a lock waited for inside SQLite counts too
        pauses = None
        unknown: CommitOutcomeUnknown | None = None
        while True:
            try:
                if unknown is None:
                    return attempt()
                status = self._read_once(lambda c, xid=unknown.transaction_id: c.execute(
                    _TRANSACTION_STATUS, {"xid": xid}).scalar())
                if status == "committed":
                    return unknown.result
                if status != "in progress":
                    unknown = None  # rolled back: the unit runs again
                    continue
                error: BaseException = TimeoutError("a lost commit is still in progress")
            except CommitOutcomeUnknown as lost:
                unknown, error = lost, lost.__cause__ or lost
            except IntegrityError:
                raise
            except DBAPIError as exc:
                if not _is_transient(exc):
                    raise self._storage_error(exc) from exc
                error = exc
            if pauses is None:
                pauses = self._backoff.pauses(since=started)
                self._warn_retrying(error)
            if next(pauses, None) is None:
                raise self._storage_error(error, gave_up=True) from error

    def _warn_retrying(self, error: BaseException) -> None:
        """Say once per unit that the server is away (lock waits are routine: silent)."""
        if isinstance(error, DBAPIError) and error.connection_invalidated or \
                is_connection_failure(getattr(error, "orig", None) or error):
            warnings.warn(f"{self._shown_url}: {first_line(getattr(error, 'orig', None) or error)}"
                          f"; retrying for up to {self._backoff.budget:g} s", RuntimeWarning,
                          stacklevel=4)

    def _storage_error(self, error: BaseException, gave_up: bool = False) -> StorageError:
        file = self._engine.url.database if self._is_sqlite else None
        return to_storage_error(getattr(error, "orig", None) or error, self._shown_url, file,
                                self._backoff.budget if gave_up else None)


def _is_transient(exc: DBAPIError) -> bool:
    if exc.connection_invalidated:  # a pooled connection the server dropped: use a new one
        return True
    return is_transient(exc.orig if exc.orig is not None else exc)
