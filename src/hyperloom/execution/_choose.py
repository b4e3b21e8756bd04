"""From what a user passes as `executor=` (and `n_jobs`) to an executor object."""

from __future__ import annotations

import concurrent.futures
from dataclasses import dataclass
from typing import Any

from ._inline import InlineExecutor
from ._threads import ThreadExecutor

EXECUTOR_NAMES = ("inline", "threads", "processes")


@dataclass(frozen=True)
class Chosen:
    """An executor, whether its jobs run in another process (then they must pickle), and
    whether it was made here for one run (then the run closes it)."""

    executor: Any
    elsewhere: bool
    owned: bool = True

    def close(self) -> None:
        """End the run on the executor; let it go too when it was made for this run."""
        self.executor.shutdown()
        if self.owned and hasattr(self.executor, "close"):
            self.executor.close()


def choose_executor(executor: Any, n_jobs: int) -> Chosen:
    """`executor` is None (inline for one job, processes for more), "inline", "threads",
    "processes", a Dask scheduler address ("dask://host:8786" or "tcp://host:8786"), a
    `concurrent.futures.Executor`, or an object of the `Executor` protocol."""
    if executor is None:
        executor = "inline" if n_jobs == 1 else "processes"
    if isinstance(executor, str):
        return _by_name(executor, n_jobs)
    if isinstance(executor, concurrent.futures.ThreadPoolExecutor):
        from ._futures import FuturesExecutor

        return Chosen(FuturesExecutor(executor), elsewhere=False)
    if isinstance(executor, concurrent.futures.Executor):
        from ._futures import FuturesExecutor

        return Chosen(FuturesExecutor(executor), elsewhere=True)
    if all(hasattr(executor, name) for name in ("submit", "collect", "shutdown",
                                                 "max_workers")):
        return Chosen(executor, elsewhere=getattr(executor, "runs_elsewhere", True),
                      owned=False)
    raise TypeError(f"executor must be one of {', '.join(map(repr, EXECUTOR_NAMES))}, a Dask "
                    "address ('dask://host:8786'), a concurrent.futures.Executor or a "
                    f"hyperloom.execution.DaskExecutor; got {type(executor).__name__}")


def _by_name(name: str, n_jobs: int) -> Chosen:
    if name.startswith(("dask://", "tcp://", "tls://")):
        from ._dask import DaskExecutor

        address = "tcp://" + name[len("dask://"):] if name.startswith("dask://") else name
        return Chosen(DaskExecutor(address), elsewhere=True)
    if name == "inline":
        if n_jobs != 1:
            raise ValueError(f"executor='inline' runs one trial at a time; got n_jobs={n_jobs}")
        return Chosen(InlineExecutor(), elsewhere=False)
    if name == "threads":
        return Chosen(ThreadExecutor(n_jobs), elsewhere=False)
    if name == "processes":
        from ._processes import ProcessExecutor

        return Chosen(ProcessExecutor(n_jobs), elsewhere=True)
    raise ValueError(f"unknown executor {name!r}: use one of "
                     f"{', '.join(map(repr, EXECUTOR_NAMES))} or a Dask address "
                     "('dask://host:8786')")
