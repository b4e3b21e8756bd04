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

    Executors whose jobs run in other processes or machines (`ProcessExecutor`,
    `DaskExecutor`, a `concurrent.futures` process pool) say so with `runs_elsewhere = True`:
    their jobs are then picklable `TrialJob`s (objective key, trial number, values decided at
    ask time, the coordinator's channel address), and a define-by-run trial there calls back
    into the coordinator's live trial over that channel, whatever the storage, so that one
    sampler (with its state: a CMA-ES generation, a GP fit) proposes every trial. Processes
    that should reach a SQL storage directly, each with its own sampler, are
    `hyperloom worker`s. The outcome comes back as a pickled `Outcome`, never a live object.
    """

    max_workers: int

    def submit(self, key: Hashable, job: Any) -> None: ...

    def collect(self, timeout: float | None) -> list[tuple[Hashable, Outcome]]: ...

    def shutdown(self) -> None: ...
