"""The params of a running trial, written a moment after they are suggested.

A storage where writes cost something (SQL) gets a trial's params together with its first
report or its result: a short trial then costs no write of its own for them. Other processes
on the same study (`hyperloom worker`s, `optimize` in separate scripts) read running trials from
the storage, and until the params are there their samplers cannot count the trial at its point
(TPE's constant liar, the GP's pending points): they would propose it again. So a trial that
still holds unstored params `FLUSH_AFTER` seconds after its first one was suggested has them
written by one daemon thread per process.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
import weakref
from typing import Any

FLUSH_AFTER = 0.05  # seconds; most trivial trials finish before, so they write nothing more


class _Flusher:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._due: list[tuple[float, int, weakref.ref]] = []  # heap of (when, order, trial)
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def schedule(self, trial: Any) -> None:
        with self._cond:
            heapq.heappush(self._due, (time.monotonic() + FLUSH_AFTER, next(self._order),
                                       weakref.ref(trial)))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="hyperloom-params",
                                                daemon=True)
                self._thread.start()
            self._cond.notify()

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._due:
                    self._cond.wait()
                wait = self._due[0][0] - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                ref = heapq.heappop(self._due)[2]
            trial = ref()
            if trial is not None:
                trial._flush_in_background()


_FLUSHER = _Flusher()


def flush_soon(trial: Any) -> None:
    """Have `trial._flush_in_background()` called `FLUSH_AFTER` seconds from now."""
    _FLUSHER.schedule(trial)
