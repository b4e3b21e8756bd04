"""The seam between the coordinator and where objective calls run."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, Protocol, runtime_checkable

from ._outcome import Outcome


@runtime_checkable
class Executor(Protocol):
    """Runs jobs and hands back their outcomes; the coordinator asks and tells around it.

    An executor implements only `submit` and `collect` (and `shutdown`). `submit` starts a job
    under a key chosen by the coordinator (a trial number); `collect` waits up to `timeout`
    seconds and returns the (key, Outcome) pairs finished since the last call, in any order.
    What a job is depends on the executor: a callable returning an Outcome for the
    in-process and thread executors, a `Command` for the subprocess executor.

    Plan for executors in other processes or machines (`ProcessExecutor`, `DaskExecutor`):
    the job must pickle, so it names the objective, the study (storage URL and name) and the
    trial number, never live objects. A define-by-run trial there is rebuilt from those and
    reaches the storage directly when it is SQL (its suggestions are sampled with the same
    sampler, as `hyperloom worker` does); with an in-memory storage, its suggestions go back
    to the coordinator's sampler and storage through a channel that the executor owns. Either
    way the outcome comes back as a pickled `Outcome` (error as text), never a live object.
    """

    max_workers: int

    def submit(self, key: Hashable, job: Any) -> None: ...

    def collect(self, timeout: float | None) -> list[tuple[Hashable, Outcome]]: ...

    def shutdown(self) -> None: ...
