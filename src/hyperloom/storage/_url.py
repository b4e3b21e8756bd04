"""Turning a storage URL into an engine, with the checks that keep user files safe."""

from __future__ import annotations

import os
import re
import sqlite3
import urllib.parse
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from . import _schema as S
from ._errors import StorageError

_FORMS = {"sqlite": "sqlite:///path/to/file.db",
          "postgresql": "postgresql+psycopg://user@host:port/database"}
_HINT = f"expected {_FORMS['sqlite']} or {_FORMS['postgresql']}"
# The Python package each supported driver needs, and how to install it.
_DRIVER_INSTALL = {"psycopg": "pip install 'hyperloom[postgres]'",
                   "psycopg2": "pip install psycopg2-binary"}
# A worker stopped (SIGSTOP, a suspended job, a frozen VM) inside one of our write transactions
# would hold its row locks forever and stall every other worker of the study. Our transactions
# never wait on user code, so the server may end a session that sits idle in one this long;
# its transaction rolls back and the worker, when it wakes, retries the unit on a new connection.
IDLE_IN_TRANSACTION_SECONDS = 10


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
    if parsed.get_backend_name() == "sqlite":
        _check_sqlite_url(url, parsed)
    return parsed


def _check_sqlite_url(url: str, parsed: sa.URL) -> None:
    """Refuse the SQLite URLs that would quietly do something else than the user meant."""
    if parsed.host:  # sqlite://x.db: the file name was read as a host name
        path = "/".join(p for p in (parsed.host, parsed.database) if p)
        raise StorageError(f"storage URL {url!r} has two slashes: write sqlite:///{path} "
                           "(three slashes, then the path; four for an absolute path)")
    if not parsed.database:  # SQLAlchemy would open a database in memory, lost at exit
        raise StorageError(f"storage URL {url!r} names no file: write sqlite:///hyperloom.db "
                           "for a file, or pass storage=None for a study kept in memory")


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
        conn = sqlite3.connect(read_only_uri(path), uri=True, timeout=30)
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


def is_read_only(path: str) -> bool:
    """An existing database file that this process may read but not write (its file or its
    folder, where SQLite keeps its -wal and -shm files, is not writable)."""
    folder = os.path.dirname(os.path.abspath(path))
    return os.path.isfile(path) and not (os.access(path, os.W_OK)
                                         and os.access(folder, os.W_OK))


def read_only_uri(path: str) -> str:
    """An SQLite URI that opens `path` for reading only. In a read-only folder SQLite cannot
    create the -shm file a WAL database needs, so a database with no -wal file left (nothing
    uncommitted pending) is opened as immutable: no locks and no side files."""
    uri = f"file:{urllib.parse.quote(os.path.abspath(path))}?mode=ro"
    if is_read_only(path) and not os.path.exists(path + "-wal"):
        uri += "&immutable=1"
    return uri


def _check_driver(parsed: sa.URL, url: str) -> None:
    """A missing or unknown driver is named with the command that installs it."""
    try:
        dialect = parsed.get_dialect()
    except sa.exc.NoSuchModuleError:
        raise StorageError(f"unknown database driver {parsed.drivername!r} in "
                           f"{redact(url)!r}: {_HINT}") from None
    try:
        dialect.import_dbapi()
    except ImportError as exc:
        package = getattr(exc, "name", None) or parsed.get_driver_name()
        install = _DRIVER_INSTALL.get(package, f"pip install {package}")
        raise StorageError(f"{redact(url)!r} needs the Python package {package!r}, which is "
                           f"not installed: {install} (or write "
                           f"{_FORMS[parsed.get_backend_name()]})") from None


def make_engine(url: str, lock_wait: float = 60.0, **kwargs: Any) -> sa.Engine:
    """An engine for `url`; on SQLite a locked database is waited for `lock_wait` seconds."""
    parsed = parse_url(url)
    _check_driver(parsed, url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, lock_wait, **kwargs)
    # No pre-ping (a round trip per checkout); dropped connections are retried by the storage.
    engine = sa.create_engine(parsed, pool_size=2, max_overflow=4, pool_recycle=600, **kwargs)
    if parsed.get_backend_name() == "postgresql":
        _end_stalled_transactions(engine)
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError as exc:
        first = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise StorageError(f"cannot connect to {redact(url)}: {first}") from None
    return engine


def _end_stalled_transactions(engine: sa.Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        with dbapi_conn.cursor() as cur:
            cur.execute(f"SET idle_in_transaction_session_timeout = "
                        f"{IDLE_IN_TRANSACTION_SECONDS * 1000}")
        dbapi_conn.commit()


def _sqlite_engine(parsed: sa.URL, lock_wait: float, **kwargs: Any) -> sa.Engine:
    memory = parsed.database in (None, "", ":memory:")
    read_only = not memory and is_read_only(parsed.database)
    if read_only:  # writes then fail with "readonly", which the storage explains
        uri = read_only_uri(parsed.database)
        kwargs.setdefault("creator", lambda: sqlite3.connect(
            uri, uri=True, timeout=lock_wait, check_same_thread=False))
    engine = sa.create_engine(
        parsed,
        connect_args={"timeout": lock_wait, "check_same_thread": False},
        poolclass=sa.pool.StaticPool if memory else None,
        **kwargs,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let us issue BEGIN ourselves (pysqlite's implicit BEGIN is DEFERRED, and a deferred
        # transaction that later writes can fail with "database is locked" without waiting).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        if not memory and not read_only:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute(f"PRAGMA busy_timeout={int(lock_wait * 1000)}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        read = conn.get_execution_options().get("hyperloom_read", False)
        conn.exec_driver_sql("BEGIN" if read else "BEGIN IMMEDIATE")

    return engine
