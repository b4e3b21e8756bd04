"""Jobs run by a pool of daemon threads (objectives that release the GIL: numpy, torch)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Hashable

from ._outcome import Outcome
from ._queues import take_all

_STOP = object()


class ThreadExecutor:
    """`max_workers` daemon threads: after Ctrl-C or SIGTERM has failed their trials, the
    process exits without waiting for the objectives still running in them."""

    runs_elsewhere = False

    def __init__(self, max_workers: int, name: str = "hyperloom") -> None:
        if max_workers < 1:
            raise ValueError(f"max_workers must be >= 1, got {max_workers!r}")
        self.max_workers = max_workers
        self._name = name
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._done: queue.SimpleQueue = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []

    def submit(self, key: Hashable, job: Callable[[], Outcome]) -> None:
        if len(self._threads) < self.max_workers:
            self._start_thread()
        self._jobs.put((key, job))

    def collect(self, timeout: float | None = None) -> list[tuple[Hashable, Outcome]]:
        return take_all(self._done, timeout)

    def shutdown(self) -> None:
        """Let idle threads end; busy ones end after their job (they are daemons)."""
        for _ in self._threads:
            self._jobs.put(_STOP)
        self._threads.clear()

    def _start_thread(self) -> None:
        thread = threading.Thread(target=self._work, daemon=True,
                                  name=f"{self._name}-{len(self._threads)}")
        self._threads.append(thread)
        thread.start()

    def _work(self) -> None:
        while (item := self._jobs.get()) is not _STOP:
            key, job = item
            try:
                outcome = job()
            except BaseException as exc:  # noqa: BLE001 - handed to the coordinator
                outcome = Outcome.failed(exc)
            self._done.put((key, outcome))
