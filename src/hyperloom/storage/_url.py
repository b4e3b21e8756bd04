"""Turning a storage URL into an engine, with the checks that keep user files safe."""

from __future__ import annotations

import os
import re
import sqlite3
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from . import _schema as S
from ._errors import StorageError

_HINT = "expected sqlite:///path/to/file.db or postgresql+psycopg://user@host:port/database"


def redact(url: str) -> str:
    """The URL with any password hidden, for messages."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


def parse_url(url: str) -> sa.URL:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StorageError(f"cannot parse storage URL {redact(url)!r}: {_HINT}") from None
    if parsed.drivername == "postgresql":  # psycopg 3 rather than SQLAlchemy's psycopg2 default
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise StorageError(f"unsupported storage URL {redact(url)!r}: {_HINT}")
    return parsed


def check_sqlite_file(url: str) -> None:
    """Refuse a file that is not an SQLite database, or one with foreign tables, without
    modifying it (switching to WAL would rewrite its header)."""
    path = parse_url(url).database
    if not path or path == ":memory:" or not os.path.exists(path):
        if path and path != ":memory:":
            parent = os.path.dirname(os.path.abspath(path))
            if not os.path.isdir(parent):
                raise StorageError(f"cannot create {path!r}: folder {parent!r} does not exist")
        return
    if os.path.isdir(path):
        raise StorageError(f"{path!r} is a folder; give a file path such as {path}/hyperloom.db")
    if os.path.getsize(path) == 0:
        return
    try:
        conn = sqlite3.connect(f"file:{os.path.abspath(path)}?mode=ro", uri=True, timeout=30)
        try:
            names = {r[0] for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise StorageError(f"{path!r} is not a readable SQLite database ({exc}); it was left "
                           "untouched: point the storage at a new file") from None
    if names and not (names & S.TABLE_NAMES):
        shown = ", ".join(sorted(names)[:5])
        raise StorageError(f"{path!r} is an SQLite database of another program (tables: "
                           f"{shown}); it was left untouched: use a separate file for hyperloom")


def make_engine(url: str, **kwargs: Any) -> sa.Engine:
    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, **kwargs)
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise StorageError("PostgreSQL storage needs psycopg: pip install 'hyperloom[postgres]'"
                           ) from None
    # No pre-ping (a round trip per checkout); dropped connections are retried by the storage.
    engine = sa.create_engine(parsed, pool_size=2, max_overflow=4, pool_recycle=600, **kwargs)
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError as exc:
        first = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise StorageError(f"cannot connect to {redact(url)}: {first}") from None
    return engine


def _sqlite_engine(parsed: sa.URL, **kwargs: Any) -> sa.Engine:
    memory = parsed.database in (None, "", ":memory:")
    engine = sa.create_engine(
        parsed,
        connect_args={"timeout": 60, "check_same_thread": False},
        poolclass=sa.pool.StaticPool if memory else None,
        **kwargs,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let us issue BEGIN ourselves (pysqlite's implicit BEGIN is DEFERRED, and a deferred
        # transaction that later writes can fail with "database is locked" without waiting).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        if not memory:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=60000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        read = conn.get_execution_options().get("hyperloom_read", False)
        conn.exec_driver_sql("BEGIN" if read else "BEGIN IMMEDIATE")

    return engine
