"""How `hyperloom run` learns it must stop: a signal (SIGINT, SIGTERM, SIGHUP) or a stdout
whose reader went away (`| head -2`); both only set a flag the coordinator checks."""

from __future__ import annotations

import errno
import os
import select
import signal
import stat
import sys
import threading
from collections.abc import Callable
from typing import Any

STDOUT_CLOSED = "stdout closed"


class StopFlag:
    """Ctrl-C (SIGINT), SIGTERM and SIGHUP set a flag that the coordinator checks between
    steps, so a signal never lands in the middle of telling the study a result."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

    def __init__(self) -> None:
        self.requested = False
        self.cause: int | str | None = None
        self._previous: dict[int, Any] = {}
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in self.SIGNALS:
            self._previous[sig] = signal.signal(sig, self._handle)

    def _handle(self, signum: int, frame: Any) -> None:
        self.request(signum)

    def request(self, cause: int | str) -> None:
        if not self.requested:
            self.requested, self.cause = True, cause

    def restore(self) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()


class signals_ignored:
    """While cleaning up after an interrupt, a second Ctrl-C must not cut the cleanup short."""

    def __enter__(self) -> None:
        self._previous = {}
        if threading.current_thread() is threading.main_thread():
            for sig in StopFlag.SIGNALS:
                self._previous[sig] = signal.signal(sig, signal.SIG_IGN)

    def __exit__(self, *exc: Any) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


def silence_stdout() -> None:
    """Point a closed stdout at /dev/null, so that later writes and the final flush pass."""
    try:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, sys.stdout.fileno())
        os.close(fd)
    except (OSError, ValueError):
        pass


def guarded_echo(echo: Callable[[str], None] | None, stop: StopFlag) -> Callable[[str], None]:
    """`echo` that turns a closed stdout (`| head -2`) into a request to stop cleanly."""
    def say(message: str) -> None:
        if echo is None or stop.cause == STDOUT_CLOSED:
            return
        try:
            echo(message)
        except OSError as exc:
            if exc.errno != errno.EPIPE:
                raise
            silence_stdout()
            stop.request(STDOUT_CLOSED)
    return say


def stdout_reader_gone() -> bool:
    """True when stdout is a pipe whose reader has exited (`| head -2`), found without
    writing: otherwise a quiet runner would learn it only at its next line of output."""
    try:
        fd = sys.stdout.fileno()
        if not stat.S_ISFIFO(os.fstat(fd).st_mode):
            return False
        poller = select.poll()
        poller.register(fd, 0)  # POLLERR is reported whatever the mask
        return any(event & select.POLLERR for _fd, event in poller.poll(0))
    except (OSError, ValueError, AttributeError):  # no fileno (captured), or no poll()
        return False
