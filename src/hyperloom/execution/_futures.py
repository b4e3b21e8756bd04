"""Jobs run by any `concurrent.futures.Executor` the user already has (a process pool, a
pool from another library): the adapter to our executor protocol."""

from __future__ import annotations

import queue
from collections.abc import Callable, Hashable
from concurrent.futures import BrokenExecutor, CancelledError, Executor, Future

from ._outcome import Outcome
from ._queues import take_all


class FuturesExecutor:
    """Submits each job to `pool`; `max_workers` trials run at once (default: the pool's size
    when it tells it, else `n_jobs`). The pool stays the caller's: it is not shut down."""

    def __init__(self, pool: Executor, max_workers: int | None = None) -> None:
        self._pool = pool
        self.max_workers = max_workers or getattr(pool, "_max_workers", None) or 1
        self._done: queue.SimpleQueue = queue.SimpleQueue()
        self._futures: dict[Future, Hashable] = {}

    def submit(self, key: Hashable, job: Callable[[], Outcome]) -> None:
        future = self._pool.submit(job)
        self._futures[future] = key
        future.add_done_callback(self._done.put)

    def collect(self, timeout: float | None = None) -> list[tuple[Hashable, Outcome]]:
        finished = take_all(self._done, timeout)
        return [(self._futures.pop(f), _outcome_of(f)) for f in finished if f in self._futures]

    def shutdown(self) -> None:
        for future in self._futures:
            future.cancel()
        self._futures.clear()


def _outcome_of(future: Future) -> Outcome:
    try:
        return future.result()
    except CancelledError:
        return Outcome.lost("the trial's job was cancelled by its executor")
    except BrokenExecutor as exc:  # a process pool whose worker died
        return Outcome.lost(f"a worker of the pool died ({exc})")
    except Exception as exc:  # noqa: BLE001 - a job that could not run (pickling, import)
        return Outcome.failed(exc, reason=f"the trial could not run in the executor: "
                                          f"{type(exc).__name__}: {exc}")
