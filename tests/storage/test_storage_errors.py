"""Storage URLs, damaged, read-only and full databases, and study names: each mistake or
mishap is one clear line naming the file and the fix, and stored data is never damaged."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time

import pytest

import hyperloom as hl
from hyperloom.storage import (
    MAX_STUDY_NAME,
    CorruptStorageError,
    SQLStorage,
    StorageError,
    StorageUnavailableError,
)


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _filled_study(path, n_trials: int = 20) -> float:
    """A study "s" of `n_trials` trials in the SQLite file `path`; returns its best value."""
    storage = SQLStorage(f"sqlite:///{path}")
    study = hl.create_study(storage=storage, study_name="s",
                            sampler=hl.samplers.RandomSampler(0))
    study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=n_trials)
    best = study.best_value
    storage.close()  # checkpoints the WAL: the database is one file at rest
    return best


# -- URLs ----------------------------------------------------------------------------------
def test_a_sqlite_url_with_two_slashes_names_the_three_slash_form(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(StorageError, match=r"two slashes: write sqlite:///x\.db"):
        hl.create_study(storage="sqlite://x.db")
    with pytest.raises(StorageError, match=r"sqlite:///runs/x\.db"):
        hl.create_study(storage="sqlite://runs/x.db")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("url", ["sqlite:///", "sqlite://"])
def test_a_sqlite_url_without_a_file_is_refused_rather_than_kept_in_memory(url):
    with pytest.raises(StorageError, match=r"names no file: write sqlite:///hyperloom\.db.*"
                                           r"storage=None"):
        hl.create_study(storage=url)


def test_an_explicit_in_memory_sqlite_url_still_works():
    study = hl.create_study(storage="sqlite:///:memory:", sampler=hl.samplers.RandomSampler(0))
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    assert len(study.trials) == 2


def test_a_missing_database_driver_names_the_package_to_install():
    with pytest.raises(StorageError, match=r"needs the Python package 'pysqlcipher3', which is "
                                           r"not installed: pip install pysqlcipher3"):
        hl.create_study(storage="sqlite+pysqlcipher:///x.db")
    with pytest.raises(StorageError, match=r"unknown database driver 'postgresql\+nosuch'"):
        hl.create_study(storage="postgresql+nosuch://u@localhost/db")


# -- a damaged file --------------------------------------------------------------------------
def _damage_pages_after_the_schema(path) -> None:
    """Overwrite the start of every page after the first three (the schema stays readable)."""
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    for offset in range(3 * page, len(data), page):
        data[offset:offset + 64] = b"\xff" * 64
    path.write_bytes(bytes(data))


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_a_damaged_page_is_a_clear_error_and_the_file_is_left_untouched(tmp_path):
    path = tmp_path / "study.db"
    _filled_study(path, n_trials=150)
    _damage_pages_after_the_schema(path)
    before = _digest(path)
    with pytest.raises(CorruptStorageError, match=r"study\.db'? is damaged \(database disk "
                                                  r"image is malformed\).*left untouched.*"
                                                  r"\.recover"):
        len(hl.load_study(study_name="s", storage=f"sqlite:///{path}").trials)
    assert _digest(path) == before
    cli = subprocess.run([sys.executable, "-m", "hyperloom.cli", "trials", "--storage",
                          f"sqlite:///{path}"], capture_output=True, text=True, timeout=60)
    assert cli.returncode == 1
    assert cli.stderr.count("\n") == 1 and "is damaged" in cli.stderr
    assert _digest(path) == before


# -- a lock held too long --------------------------------------------------------------------
_HOLD_THE_WRITE_LOCK = """
    import sqlite3, sys, time
    con = sqlite3.connect(sys.argv[1], isolation_level=None)
    con.execute("BEGIN IMMEDIATE")
    print("locked", flush=True)
    time.sleep(60)
"""


@pytest.mark.timed
@pytest.mark.slow  # a second or more of waiting: ./run test runs it, the fast tier not
def test_a_database_locked_longer_than_retry_seconds_is_one_clear_error(tmp_path):
    path = tmp_path / "study.db"
    storage = SQLStorage(f"sqlite:///{path}", retry_seconds=1)
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(_HOLD_THE_WRITE_LOCK),
                               str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        with pytest.raises(StorageUnavailableError, match=r"study\.db' stayed locked by another "
                                                          r"writer for 1 s.*retry_seconds"):
            storage.create_study("s", ["minimize"])
        assert 0.9 < time.monotonic() - started < 5
    finally:
        holder.kill()
        holder.wait()
    assert storage.create_study("s", ["minimize"]) is not None  # free again: nothing half-done
    storage.close()


# -- a read-only folder ----------------------------------------------------------------------
def _run_in_read_only_folder(folder, code: str) -> subprocess.CompletedProcess:
    """Run `code` (folder as argv[1]) in a child that may read `folder` but not write it: by
    permissions, or for root, whom permissions do not stop, by a read-only bind mount seen
    only by that child."""
    child = [sys.executable, "-c", textwrap.dedent(code), str(folder)]
    if os.geteuid() != 0:
        for p in folder.iterdir():
            p.chmod(0o444)
        folder.chmod(0o555)
        try:
            return subprocess.run(child, capture_output=True, text=True, timeout=60)
        finally:
            folder.chmod(0o755)
    if shutil.which("unshare") is None:
        pytest.skip("root needs unshare(1) to see a folder read-only")
    mount = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'
    proc = subprocess.run(["unshare", "--mount", "sh", "-c", mount, str(folder), *child],
                          capture_output=True, text=True, timeout=60)
    if proc.returncode != 0 and proc.stderr.startswith(("unshare:", "mount:")):
        pytest.skip(f"cannot make a read-only folder here: {proc.stderr.strip()}")
    return proc


_READ_THEN_WRITE = """
    import json, sys
    from click.testing import CliRunner
    import hyperloom as hl
    from hyperloom.cli import main
    from hyperloom.storage import ReadOnlyStorageError
    url = f"sqlite:///{sys.argv[1]}/study.db"
    study = hl.load_study(study_name="s", storage=url)
    listed = CliRunner().invoke(main, ["trials", "--storage", url])
    try:
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
        refused = None
    except ReadOnlyStorageError as exc:
        refused = str(exc)
    print(json.dumps({"n": len(study.trials), "best": study.best_value,
                      "cli": [listed.exit_code, listed.output], "refused": refused}))
"""


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_a_database_in_a_read_only_folder_is_read_and_a_write_names_the_fix(tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir()
    best = _filled_study(folder / "study.db", n_trials=7)
    assert sorted(p.name for p in folder.iterdir()) == ["study.db"]
    before = _digest(folder / "study.db")
    proc = _run_in_read_only_folder(folder, _READ_THEN_WRITE)
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    assert (got["n"], got["best"]) == (7, best)
    assert got["cli"][0] == 0 and got["cli"][1].count("COMPLETE") == 7
    assert got["refused"] is not None and "\n" not in got["refused"]
    assert "study.db' is read-only" in got["refused"]
    assert f"make the file and its folder '{folder}' writable" in got["refused"]
    assert _digest(folder / "study.db") == before
    assert sorted(p.name for p in folder.iterdir()) == ["study.db"]


# -- a full disk -----------------------------------------------------------------------------
def _run_on_a_small_disk(folder, code: str, size: str = "1m") -> subprocess.CompletedProcess:
    """Run `code` (folder as argv[1]) in a child that sees a `size` filesystem of its own
    mounted on `folder` (a tmpfs in a private mount namespace, gone when the child ends)."""
    if shutil.which("unshare") is None:
        pytest.skip("unshare(1) is needed to mount a small filesystem")
    user = [] if os.geteuid() == 0 else ["--map-root-user"]
    mount = f'mount -t tmpfs -o size={size} tmpfs "$0" && exec "$@"'
    child = [sys.executable, "-c", textwrap.dedent(code), str(folder)]
    proc = subprocess.run(["unshare", "--mount", *user, "sh", "-c", mount, str(folder), *child],
                          capture_output=True, text=True, timeout=60)
    if proc.returncode != 0 and proc.stderr.startswith(("unshare:", "mount:")):
        pytest.skip(f"cannot mount a small filesystem here: {proc.stderr.strip()}")
    return proc


_FILL_THE_DISK = """
    import json, sqlite3, sys
    import hyperloom as hl
    from hyperloom.storage import StorageFullError
    path = f"{sys.argv[1]}/study.db"
    study = hl.create_study(storage=f"sqlite:///{path}", study_name="full",
                            sampler=hl.samplers.RandomSampler(0))
    told, error = 0, None
    try:
        for i in range(1000):
            trial = study.ask()
            trial.set_user_attr("blob", str(i) * 40_000)
            study.tell(trial, float(i))
            told += 1
    except StorageFullError as exc:
        error = str(exc)
    again = hl.load_study(study_name="full", storage=f"sqlite:///{path}")
    complete = [t for t in again.trials if t.state.name == "COMPLETE"]
    intact = [t.user_attrs["blob"] == str(t.number) * 40_000 for t in complete]
    check = sqlite3.connect(path).execute("PRAGMA integrity_check").fetchone()[0]
    print(json.dumps({"told": told, "error": error, "complete": len(complete),
                      "intact": all(intact), "integrity": check}))
"""


@pytest.mark.slow  # over 0.4 s: the fast tier stays under a minute
def test_a_full_disk_is_a_clear_error_and_leaves_the_database_intact(tmp_path):
    folder = tmp_path / "small"
    folder.mkdir()
    proc = _run_on_a_small_disk(folder, _FILL_THE_DISK)
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    assert got["error"] is not None and "\n" not in got["error"]
    assert "the disk is full" in got["error"] and "database is intact" in got["error"]
    assert "free some space" in got["error"]
    assert got["told"] >= 5 and got["complete"] == got["told"]
    assert got["intact"] and got["integrity"] == "ok"


# -- study names -----------------------------------------------------------------------------
def test_an_empty_study_name_is_refused_with_the_fix(storage_url):
    with pytest.raises(ValueError, match="study_name must not be empty.*leave study_name out"):
        hl.create_study(storage=storage_url, study_name="")


def test_study_names_over_512_characters_or_with_nul_are_refused_on_every_storage(storage_url):
    longest = "n" * MAX_STUDY_NAME
    study = hl.create_study(storage=storage_url, study_name=longest)
    assert study.study_name == longest
    with pytest.raises(ValueError, match=r"study_name is 513 characters long, over the limit "
                                         r"of 512: pass a shorter name"):
        hl.create_study(storage=storage_url, study_name=longest + "n")
    with pytest.raises(ValueError, match=r"NUL character at position 1.*remove it"):
        hl.create_study(storage=storage_url, study_name="a\x00b")
    if storage_url is not None:
        with pytest.raises(ValueError, match="NUL character"):
            hl.load_study(study_name="a\x00b", storage=storage_url)
        names = [s.name for s in hl.get_all_study_summaries(storage_url)]
        assert longest in names and not any(len(n) > 512 or "\x00" in n for n in names)
        hl.delete_study(study_name=longest, storage=storage_url)
