"""Heartbeats: a running trial proves its worker is alive, so that trials of dead workers
(killed, crashed machine) can be marked FAILED and the study can go on.

A trial beats from `ask()` until it is finished (by `tell()` or `optimize`), so ask/tell loops
beat too. With a SQL storage the beats come from a small helper process, not a thread: a
thread cannot beat while a C call holds the GIL, and a live worker's trial would then be
failed and its result lost. One helper serves every study of a storage in a process: it is fed
trial ids over a pipe, beats through its own connection, and exits as soon as the pipe closes,
so a killed worker stops beating at once. Starting it costs about 0.4 s of another process's
time (importing hyperloom and SQLAlchemy, opening the storage), off the caller's path:
`ask()` records each trial's first beat itself. The in-memory storage, which only this
process sees, and storages without a URL beat from a thread.

The helper (and the thread) also fail the stale trials of dead workers every interval, so
that they do not wait for the next `ask()`.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..storage import BaseStorage

#: Without `grace_period`, a trial is failed after this many intervals without a beat, and
#: never sooner than DEFAULT_GRACE_FLOOR seconds (clocks of different machines disagree).
DEFAULT_GRACE_INTERVALS = 10
DEFAULT_GRACE_FLOOR = 60.0


def default_grace(interval: float) -> float:
    """The grace period used when the study gives none: generous, so that a loaded machine
    or a paused worker is not declared dead."""
    return max(DEFAULT_GRACE_INTERVALS * interval, DEFAULT_GRACE_FLOOR)


class ThreadBeater:
    """Beats for the running trials of one study from a thread of this process."""

    def __init__(self, storage: BaseStorage, interval: float, grace: float) -> None:
        self._storage, self._interval, self._grace = storage, interval, grace
        self._trials: dict[int, int] = {}  # trial_id -> study_id
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def add(self, trial_id: int, study_id: int) -> None:
        with self._lock:
            self._trials[trial_id] = study_id
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="hyperloom-heartbeat",
                                                daemon=True)
                self._thread.start()

    def remove(self, trial_id: int) -> None:
        with self._lock:
            self._trials.pop(trial_id, None)

    def _run(self) -> None:
        while True:
            time.sleep(self._interval)
            with self._lock:
                trials = dict(self._trials)
                if not trials:  # nothing left to beat for: the next add() starts a new thread
                    self._thread = None
                    return
            beat(self._storage, trials, self._grace)


def beat(storage: BaseStorage, trials: dict[int, int], grace: float) -> None:
    """One beat for each of `trials` (trial_id -> study_id), then fail the stale trials of
    their studies."""
    record_beats(storage, trials)
    for study_id in set(trials.values()):
        try:
            storage.fail_stale_trials(study_id, grace)
        except Exception:  # noqa: BLE001 - checked again next interval
            pass


def record_beats(storage: BaseStorage, trial_ids: Iterable[int]) -> None:
    """A missed beat is retried next interval: the grace period is many intervals long."""
    for trial_id in trial_ids:
        try:
            storage.record_heartbeat(trial_id)
        except Exception:  # noqa: BLE001 - see above
            pass


class ProcessBeater:
    """Beats for trials of one SQL storage from a helper process (see the module docstring)."""

    def __init__(self, url: str, interval: float, grace: float) -> None:
        self._config = json.dumps({"url": url, "interval": interval, "grace": grace,
                                   "parent": os.getpid()})
        self._lock = threading.Lock()
        self._trials: dict[int, int] = {}
        self._proc: subprocess.Popen | None = None

    def add(self, trial_id: int, study_id: int) -> None:
        with self._lock:
            self._trials[trial_id] = study_id
            if self._proc is None or self._proc.poll() is not None:
                self._start()  # also tells the new helper every trial still running
            else:
                self._send(f"+{trial_id} {study_id}")

    def remove(self, trial_id: int) -> None:
        with self._lock:
            if self._trials.pop(trial_id, None) is not None:
                self._send(f"-{trial_id}")

    def close(self) -> None:
        """Close the pipe (the helper exits) and reap the helper."""
        with self._lock:
            proc, self._proc = self._proc, None
        if proc is not None:
            proc.stdin.close()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()

    def _start(self) -> None:
        code = ("import signal; signal.signal(signal.SIGINT, signal.SIG_IGN); "
                "signal.signal(signal.SIGTERM, signal.SIG_IGN); "
                f"from {__name__} import serve; serve()")  # this module, in the helper
        self._proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                                      stdout=subprocess.DEVNULL, bufsize=0)
        self._send(self._config)
        for trial_id, study_id in self._trials.items():
            self._send(f"+{trial_id} {study_id}")

    def _send(self, line: str) -> None:
        try:
            self._proc.stdin.write(line.encode() + b"\n")
        except (BrokenPipeError, OSError, AttributeError):
            pass  # the helper died: the next add() starts a new one


_BEATERS: dict[tuple[str, float, float], ProcessBeater] = {}
_BEATERS_PID = os.getpid()
_BEATERS_LOCK = threading.Lock()


def beater_for(storage: BaseStorage, interval: float,
               grace: float | None) -> ThreadBeater | ProcessBeater:
    """How a study's trials beat: one helper process per SQL storage in this process, else a
    thread per study."""
    grace = grace or default_grace(interval)
    url = _beatable_url(storage)
    if url is None:
        return ThreadBeater(storage, interval, grace)
    global _BEATERS_PID
    with _BEATERS_LOCK:
        if _BEATERS_PID != os.getpid():  # a forked child: its parent's helpers are not its own
            _BEATERS.clear()
            _BEATERS_PID = os.getpid()
        key = (url, interval, grace)
        if key not in _BEATERS:
            _BEATERS[key] = ProcessBeater(url, interval, grace)
        return _BEATERS[key]


def _beatable_url(storage: BaseStorage) -> str | None:
    """The URL another process can open `storage` with, when beating from one is possible."""
    from ..storage import InMemoryStorage

    if isinstance(storage, InMemoryStorage) or sys.platform == "win32":
        return None
    from ..storage import SQLStorage

    if not isinstance(storage, SQLStorage):
        return None
    url = storage.url
    in_memory = url.startswith("sqlite") and (":memory:" in url or
                                              url.split("://", 1)[-1] in ("", "/"))
    return None if in_memory else url


@atexit.register
def _close_helpers() -> None:
    for beater in list(_BEATERS.values()):
        beater.close()


# -- the helper process -------------------------------------------------------------------------
class _Lines:
    """Lines arriving on a file descriptor, read without blocking past a timeout."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._buffer = b""

    def next_lines(self, timeout: float) -> list[str]:
        """Complete lines received within `timeout` seconds; EOFError once the pipe closed."""
        ready, _, _ = select.select([self._fd], [], [], timeout)
        if not ready:
            return []
        chunk = os.read(self._fd, 65536)
        if not chunk:
            raise EOFError
        *lines, self._buffer = (self._buffer + chunk).split(b"\n")
        return [line.decode() for line in lines]


def serve() -> None:
    """Entry point of the helper process: beat until the pipe from the worker closes."""
    lines = _Lines(sys.stdin.fileno())
    try:
        received: list[str] = []
        while not received:
            received = lines.next_lines(60.0)
    except EOFError:
        return
    config = json.loads(received[0])
    from ..storage import get_storage

    try:
        storage = get_storage(config["url"])
    except Exception as exc:  # noqa: BLE001 - one line, not a traceback, in the user's terminal
        sys.stderr.write(f"hyperloom: heartbeats stopped, the storage cannot be opened: {exc}\n")
        return
    try:
        _serve(storage, lines, config["interval"], config["grace"], config["parent"],
               received[1:])
    except EOFError:
        pass
    finally:
        storage.close()


def _serve(storage: BaseStorage, lines: _Lines, interval: float, grace: float,
           parent: int, first: list[str]) -> None:
    trials: dict[int, int] = {}
    for line in first:
        _apply(line, trials, storage)
    next_beat = time.monotonic() + interval
    while os.getppid() == parent:  # reparented: the worker is gone even if the pipe is not
        for line in lines.next_lines(max(0.0, min(next_beat - time.monotonic(), 1.0))):
            _apply(line, trials, storage)
        if time.monotonic() >= next_beat:
            beat(storage, trials, grace)
            next_beat = time.monotonic() + interval


def _apply(line: str, trials: dict[int, int], storage: BaseStorage) -> None:
    """'+trial_id study_id' starts beating for a trial (with a beat now), '-trial_id' stops."""
    if line.startswith("+"):
        trial_id, study_id = (int(part) for part in line[1:].split())
        trials[trial_id] = study_id
        record_beats(storage, [trial_id])
    elif line.startswith("-"):
        trials.pop(int(line[1:]), None)

