"""Shared fixtures: real SQLite files, a real PostgreSQL database, and child processes."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import tempfile
import textwrap
import uuid

import pytest

PG_ADMIN_URL = os.environ.get("HYPERLOOM_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'study.db'}"


@pytest.fixture(scope="session")
def _pg_database():
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    try:
        import psycopg

        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)
    except Exception as exc:  # noqa: BLE001
        if IN_CI:
            pytest.fail(f"PostgreSQL at {PG_ADMIN_URL} is unreachable in CI: {exc}")
        pytest.skip(f"PostgreSQL at {PG_ADMIN_URL} is unreachable: {exc}")
    name = f"hyperloom_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    admin.close()  # a test may restart the server: connect afresh to drop the database
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    yield f"{base}/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=30) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_url(_pg_database) -> str:
    return _pg_database



@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def storage_url(request, tmp_path):
    """Each kind of storage in turn: None (in memory), a fresh SQLite file, the PostgreSQL test
    database (emptied of studies afterwards)."""
    if request.param == "memory":
        yield None
        return
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'study.db'}"
        return
    pg_url = request.getfixturevalue("pg_url")
    yield pg_url
    import hyperloom as hl

    for study in hl.get_all_study_summaries(pg_url):
        hl.delete_study(study_name=study.name, storage=pg_url)


@pytest.fixture(autouse=True)
def _timed_tests_run_alone(request):
    """Under `-n 2` a test marked `timed` (it bounds wall-clock or CPU time, or needs a
    heartbeat thread to keep its pace) runs with no other test beside it: every test holds a
    shared lock on one file for this run, a timed test an exclusive one. Serial runs skip it."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if run is None:
        yield
        return
    exclusive = request.node.get_closest_marker("timed") is not None
    with open(os.path.join(tempfile.gettempdir(), f"hyperloom-tests-{run}.lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield  # closing the file releases the lock


def _run_python(code: str, *args: str, timeout: float = 120, check: bool = True,
                **kwargs) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args],
                          capture_output=True, text=True, timeout=timeout, **kwargs)
    if check and proc.returncode != 0:
        raise AssertionError(f"child failed ({proc.returncode}):\n{proc.stderr}")
    return proc


@pytest.fixture
def run_python():
    """Run a Python snippet in a fresh interpreter (a real second process)."""
    return _run_python


def pytest_collection_modifyitems(items):
    """Under `-n 2` every PostgreSQL test runs in one worker, in turn: a test that restarts the
    server must not cut another worker's connection."""
    for item in items:
        if item.get_closest_marker("postgres") or {"pg_url", "_pg_database"} & set(
                item.fixturenames):
            item.add_marker(pytest.mark.xdist_group("postgres"))
