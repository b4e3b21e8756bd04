"""Jobs run as tasks on a Dask cluster (`dask.distributed`): from a LocalCluster to many machines.

Dask schedules; we only submit one task per trial and wait for the results. A task whose worker
dies is run again by Dask on another worker (up to `distributed.scheduler.allowed-failures`
times); past that its outcome is `Outcome.lost`. The trial's suggestions and reports travel to
the coordinator over its channel, so a re-run sees the values already suggested.
"""

from __future__ import annotations

import itertools
import queue
import secrets
import time
from collections.abc import Callable, Hashable
from typing import Any

from ._channel import host_facing
from ._outcome import Outcome

_WORKERS_REFRESH_S = 2.0


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError:  # pragma: no cover - the dask extra is not installed
        raise ImportError("DaskExecutor needs dask.distributed: pip install 'hyperloom[dask]'"
                          ) from None
    return distributed


class DaskExecutor:
    """Runs each job as a Dask task. Give a `distributed.Client`, a scheduler address
    ("tcp://host:8786"), or nothing to use the client of the current context.

    `max_workers` (default: the cluster's worker threads, looked up again as it grows) is how
    many trials run at once.
    """

    def __init__(self, client: Any = None, *, max_workers: int | None = None) -> None:
        distributed = _import_distributed()
        self._own_client = isinstance(client, str)
        if client is None:
            client = distributed.get_client()
        elif isinstance(client, str):
            client = distributed.Client(client)
        self._client = client
        self._fixed_workers = max_workers
        self._workers, self._looked_up = 1, -float("inf")
        self._done: queue.SimpleQueue = queue.SimpleQueue()
        self._futures: dict[Any, Hashable] = {}
        self._run = secrets.token_hex(4)
        self._count = itertools.count()
        address = client.scheduler.address or "127.0.0.1"
        self.channel_host = host_facing(address)

    @property
    def max_workers(self) -> int:
        if self._fixed_workers is not None:
            return self._fixed_workers
        now = time.monotonic()
        if now - self._looked_up > _WORKERS_REFRESH_S:
            self._looked_up = now
            self._workers = max(1, sum(self._client.nthreads().values()))
        return self._workers

    def submit(self, key: Hashable, job: Callable[[], Outcome]) -> None:
        future = self._client.submit(job, pure=False,
                                     key=f"hyperloom-{self._run}-{key}-{next(self._count)}")
        self._futures[future] = key
        future.add_done_callback(self._done.put)

    def collect(self, timeout: float | None = None) -> list[tuple[Hashable, Outcome]]:
        try:
            finished = [self._done.get(timeout=timeout)]
        except queue.Empty:
            return []
        while True:
            try:
                finished.append(self._done.get_nowait())
            except queue.Empty:
                break
        return [(self._futures.pop(f), _outcome_of(f)) for f in finished if f in self._futures]

    def shutdown(self) -> None:
        """Cancel the tasks still pending; close the client if this executor opened it."""
        futures, self._futures = list(self._futures), {}
        if futures:
            try:
                self._client.cancel(futures)
            except Exception:  # noqa: BLE001 - the cluster may be gone already
                pass
        if self._own_client:
            self._client.close()


def _outcome_of(future: Any) -> Outcome:
    if future.status == "finished":
        return future.result()
    if future.status == "cancelled":
        return Outcome.lost("the Dask task of the trial was cancelled (its worker or the "
                            "scheduler went away)")
    exc = future.exception()
    if type(exc).__name__ == "KilledWorker":
        return Outcome.lost(f"the Dask workers running the trial died ({exc})")
    return Outcome.failed(exc, reason=f"the trial could not run on the Dask worker: "
                                      f"{type(exc).__name__}: {exc}")
