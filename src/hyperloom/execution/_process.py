"""A started command and how it dies with the process that started it.

Each child leads its own session and process group, so Ctrl-C reaches only the coordinator,
which stops each group (SIGTERM, then SIGKILL). Should the coordinator die without cleaning
up (SIGKILL, the OOM killer), two guards remain: on Linux each child asks for SIGTERM when its
parent dies (prctl PR_SET_PDEATHSIG), and a watchdog process (`_reaper.py`) that sees the
coordinator's pipe close stops every group still running, grandchildren included.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

TERM_GRACE_S = 5.0
LOG_TAIL_CHARS = 4000
_PR_SET_PDEATHSIG = 1


def tail(path: Path, limit: int = LOG_TAIL_CHARS) -> str:
    """The last `limit` characters of a log file ("" when there is none)."""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - limit))
            return fh.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _parent_death_hook() -> Callable[[], None] | None:
    """A preexec function that makes the child get SIGTERM when its parent dies (Linux)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before fork, not after
    except (OSError, AttributeError):  # pragma: no cover - a libc without prctl
        return None
    parent = os.getpid()

    def hook() -> None:
        prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the request took effect
            os.kill(os.getpid(), signal.SIGTERM)
    return hook


def kill_group(pgid: int, sig: int) -> None:
    """Send `sig` to a process group that may be gone already."""
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


class Reaper:
    """The watchdog process: told each child's group, it stops those left if we die."""

    def __init__(self, grace_s: float = TERM_GRACE_S) -> None:
        script = Path(__file__).with_name("_reaper.py")
        self._proc = subprocess.Popen([sys.executable, "-I", "-S", str(script), str(grace_s)],
                                      stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, start_new_session=True)

    def _send(self, line: str) -> None:
        try:
            assert self._proc.stdin is not None
            self._proc.stdin.write(line.encode() + b"\n")
            self._proc.stdin.flush()
        except (BrokenPipeError, OSError):  # the watchdog is gone: PDEATHSIG still guards
            pass

    def watch(self, pgid: int) -> None:
        self._send(f"+{pgid}")

    def forget(self, pgid: int) -> None:
        self._send(f"-{pgid}")

    def close(self) -> None:
        try:
            assert self._proc.stdin is not None
            self._proc.stdin.close()
            self._proc.wait(timeout=TERM_GRACE_S + 5)
        except (OSError, subprocess.TimeoutExpired):
            pass


class ChildProcess:
    """One running command: its own process group, stdout and stderr into its log, and the
    last non-blank line of its stdout (where a child may print its value)."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str] | None, log: Path,
                 reaper: Reaper | None, timeout: float | None = None) -> None:
        self.started = time.monotonic()
        self.deadline = None if timeout is None else self.started + timeout
        self.timed_out = False
        self.last_line = ""
        self._reaper = reaper
        self.log = open(log, "ab", buffering=0)  # noqa: SIM115 - closed in finish()
        try:
            self.proc = subprocess.Popen(list(argv), stdout=subprocess.PIPE, stderr=self.log,
                                         stdin=subprocess.DEVNULL, env=env,
                                         start_new_session=True,
                                         preexec_fn=_parent_death_hook())
        except OSError:
            self.log.close()
            raise
        if reaper is not None:
            reaper.watch(self.proc.pid)
        self.reader = threading.Thread(target=self._pump, daemon=True)
        self.reader.start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in iter(self.proc.stdout.readline, b""):
            self.log.write(line)
            if line.strip():
                self.last_line = line.decode("utf-8", "replace").strip()
        self.proc.stdout.close()

    def poll(self) -> int | None:
        """The exit code, or None while running; stops the child once past its deadline."""
        code = self.proc.poll()
        if code is None and self.deadline is not None and time.monotonic() > self.deadline:
            self.timed_out = True
            self.stop()
            code = self.proc.returncode
        return code

    def stop(self) -> None:
        """SIGTERM to the child's whole process group, SIGKILL after a grace period."""
        for sig, wait in ((signal.SIGTERM, TERM_GRACE_S), (signal.SIGKILL, 2.0)):
            if self.proc.poll() is not None:
                break
            kill_group(self.proc.pid, sig)
            try:
                self.proc.wait(wait)
            except subprocess.TimeoutExpired:
                continue

    def finish(self) -> None:
        """After the child exited: no process of its group outlives it; close its log."""
        kill_group(self.proc.pid, signal.SIGKILL)
        if self._reaper is not None:
            self._reaper.forget(self.proc.pid)
        self.reader.join(timeout=5.0)
        self.log.close()
