"""The subprocess executor's watchdog: stops its children's process groups when the process
that started them (`hyperloom run`) dies.

Run as a script of its own (standard library only, so it starts in milliseconds). It reads
"+PGID" and "-PGID" lines from a pipe whose write end only that process holds; end of file
means it is gone however it ended, SIGKILL included, and every group still listed gets
SIGTERM, then SIGKILL after a grace period. It lives in its own session, so a terminal's SIGHUP
or Ctrl-C does not reach it.
"""

from __future__ import annotations

import os
import signal
import sys
import time


def _alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _signal_all(groups: set[int], sig: int) -> None:
    for pgid in groups:
        try:
            os.killpg(pgid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def stop_groups(groups: set[int], grace_s: float) -> None:
    """SIGTERM every group, then SIGKILL those still alive after `grace_s`."""
    _signal_all(groups, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline and any(_alive(g) for g in groups):
        time.sleep(0.05)
    _signal_all({g for g in groups if _alive(g)}, signal.SIGKILL)


def watch(stream, grace_s: float) -> None:
    """Track the groups announced on `stream` until it closes, then stop those left."""
    groups: set[int] = set()
    for line in stream:
        text = line.strip()
        if text[:1] in (b"+", b"-") and text[1:].isdigit():
            (groups.add if text[:1] == b"+" else groups.discard)(int(text[1:]))
    stop_groups(groups, grace_s)


if __name__ == "__main__":
    for sig in (signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    watch(sys.stdin.buffer, float(sys.argv[1]) if len(sys.argv) > 1 else 5.0)
