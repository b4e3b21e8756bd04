"""Jobs run on a Dask cluster (`dask.distributed`): from a LocalCluster to many machines.

Dask places the work and notices dead workers; it does not carry each trial. A task per trial
costs several scheduler round trips (about 10 ms measured on a loaded 2-core machine), so the
executor submits one long task per worker slot instead: a loop that asks the coordinator for
its next job over a channel, runs it, and hands the outcome back with the next request (one
round trip per trial). When a Dask worker dies, the loop's connection closes: the job it held
is reported `Outcome.lost` (or queued again, when it had not reached the worker) and a new
loop is started for the jobs still to run.
"""

from __future__ import annotations

import queue
import secrets
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from ._channel import ChannelClient, ChannelServer, host_facing
from ._outcome import Outcome
from ._queues import take_all

_WORKERS_REFRESH_S = 2.0
_STOP = None


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError:  # pragma: no cover - the dask extra is not installed
        raise ImportError("DaskExecutor needs dask.distributed: pip install 'hyperloom[dask]'"
                          ) from None
    return distributed


@dataclass
class _Slot:
    """One loop task: its Dask future and the job it holds (None: idle)."""

    future: Any
    key: Hashable | None = None


class DaskExecutor:
    """Runs jobs on a Dask cluster. Give a `distributed.Client`, a scheduler address
    ("tcp://host:8786"), or nothing to use the client of the current context.

    `max_workers` (default: the cluster's worker threads, looked up again as it grows) is how
    many trials run at once. Each running trial occupies one Dask worker thread.
    """

    runs_elsewhere = True

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
        self.channel_host = host_facing(client.scheduler.address or "127.0.0.1")
        self._server: ChannelServer | None = None
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()  # (key, pickled job) or _STOP
        self._done: queue.SimpleQueue = queue.SimpleQueue()  # (key, Outcome) or a dead slot
        self._slots: dict[int, _Slot] = {}
        self._next_slot = 0
        self._queued = 0  # jobs submitted that no loop has taken yet
        self._lock = threading.RLock()
        self._run = secrets.token_hex(4)
        self._closing = False

    @property
    def max_workers(self) -> int:
        if self._fixed_workers is not None:
            return self._fixed_workers
        now = time.monotonic()
        if now - self._looked_up > _WORKERS_REFRESH_S:
            self._looked_up = now
            self._workers = max(1, sum(self._client.nthreads().values()))
        return self._workers

    # -- the executor protocol ------------------------------------------------------------------
    def submit(self, key: Hashable, job: Callable[[], Outcome]) -> None:
        import cloudpickle

        if self._server is None:
            bind = "127.0.0.1" if self.channel_host == "127.0.0.1" else "0.0.0.0"
            self._server = ChannelServer(self._handle, bind=bind, advertise=self.channel_host,
                                         on_close=self._closed_connection)
        payload = cloudpickle.dumps((key, job))
        with self._lock:
            self._queued += 1
            self._jobs.put((key, payload))
            self._ensure_loops()

    def collect(self, timeout: float | None = None) -> list[tuple[Hashable, Outcome]]:
        done = []
        for event in take_all(self._done, timeout):
            if isinstance(event, int):  # a loop task failed in Dask (KilledWorker, ...)
                done.extend(self._drop(event, "the Dask task running the trial failed"))
            else:
                done.append(event)
        return done

    def shutdown(self) -> None:
        """End this run: stop the loops and cancel what Dask still runs. The executor can
        run another `optimize` afterwards (with new loops); `close()` lets the client go."""
        with self._lock:
            self._closing = True
            futures = [slot.future for slot in self._slots.values()]
            for _ in futures:
                self._jobs.put(_STOP)  # wakes the loops waiting for a job
        try:
            self._client.cancel(futures)
        except Exception:  # noqa: BLE001 - the cluster may be gone already
            pass
        if self._server is not None:
            self._server.close()
        with self._lock:  # a fresh start for the next run
            self._server = None
            self._jobs, self._done = queue.SimpleQueue(), queue.SimpleQueue()
            self._slots, self._queued = {}, 0
            self._closing = False

    def close(self) -> None:
        """Shut down, and close the Dask client if this executor opened it (from an
        address)."""
        self.shutdown()
        if self._own_client:
            self._client.close()

    def run_on_workers(self, function: Callable[..., Any], *args: Any) -> dict[str, Any]:
        """Call `function(*args)` once in every Dask worker process (to stop what runs there,
        say); returns each worker's answer by its address."""
        return self._client.run(function, *args)

    # -- loops ----------------------------------------------------------------------------------
    def _ensure_loops(self) -> None:
        """As many loops as jobs running or waiting (called with the lock held)."""
        held = sum(1 for slot in self._slots.values() if slot.key is not None)
        while not self._closing and len(self._slots) < held + self._queued:
            self._start_loop()

    def _start_loop(self) -> None:
        assert self._server is not None
        slot, self._next_slot = self._next_slot, self._next_slot + 1
        future = self._client.submit(_loop, self._server.address, self._server.authkey, slot,
                                     key=f"hyperloom-loop-{self._run}-{slot}", pure=False)
        self._slots[slot] = _Slot(future)
        future.add_done_callback(lambda f, slot=slot: self._loop_ended(slot, f))

    def _loop_ended(self, slot: int, future: Any) -> None:
        if not self._closing and future.status != "finished":
            self._done.put(slot)

    def _drop(self, slot: int, why: str) -> list[tuple[Hashable, Outcome]]:
        """Forget a loop that is gone; its job, if it held one, is lost."""
        with self._lock:
            state = self._slots.pop(slot, None)
            if state is None:
                return []
            self._ensure_loops()
        if state.future.status == "error":
            exc = state.future.exception()
            why += f" ({type(exc).__name__}: {exc})"
        return [] if state.key is None else [(state.key, Outcome.lost(why))]

    def _closed_connection(self, session: dict, delivered: bool) -> None:
        """A loop's connection closed: its Dask worker died (or the loop was stopped)."""
        slot = session.get("slot")
        with self._lock:
            if self._closing or slot not in self._slots:
                return
            state = self._slots.pop(slot)
            if state.key is not None and not delivered:  # the job never left: run it elsewhere
                self._queued += 1
                self._jobs.put(session["item"])
                state.key = None
            self._ensure_loops()
        try:
            self._client.cancel([state.future])  # Dask must not run this loop again
        except Exception:  # noqa: BLE001 - the cluster may be gone already
            pass
        if state.key is not None:
            self._done.put((state.key, Outcome.lost(
                "the Dask worker running the trial died (its connection closed)")))

    def _handle(self, op: str, args: tuple, session: dict) -> Any:
        """A loop's request: ("next", slot, finished) hands back what it finished and waits
        for its next job (None: stop)."""
        if op != "next":
            raise ValueError(f"unknown request {op!r}")
        slot, finished = args
        session["slot"] = slot
        with self._lock:
            state = self._slots.get(slot)
            if state is None or self._closing:
                return _STOP
            if finished is not None:
                self._done.put(finished)
            state.key = None
        item = self._jobs.get()
        if item is _STOP:
            return _STOP
        with self._lock:
            self._queued -= 1
            state.key = item[0]
            session["item"] = item
        return item[1]


def _loop(address: tuple[str, int], authkey: bytes, slot: int) -> None:
    """Runs on a Dask worker: take jobs from the coordinator until it says stop."""
    import cloudpickle

    channel = ChannelClient(address, authkey)  # its own connection: `next` waits on it
    finished = None
    while True:
        payload = channel.call("next", slot, finished)
        if payload is _STOP:
            return
        key, job = cloudpickle.loads(payload)
        try:
            outcome = job()
        except BaseException as exc:  # noqa: BLE001 - the coordinator decides what it means
            outcome = Outcome.failed(exc)
        finished = (key, outcome)
