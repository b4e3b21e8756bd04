"""The coordinator loop: ask for jobs, hand them to an executor, tell their outcomes.

`optimize` and `hyperloom run` both drive it; they differ only in their `JobSource` (what a
job is, how it is asked and told) and their executor. The scheduling policy decides when to
ask: as soon as a worker is free (`Greedy`), or in batches told in the order they were asked
(`Batched`, for reproducible parallel runs).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, Protocol

from ._executor import Executor
from ._outcome import Outcome

Job = tuple[Hashable, Any]


class JobSource(Protocol):
    """What the coordinator asks jobs of and tells outcomes to (a study, a sweep run)."""

    def next_job(self) -> Job | None:
        """The next (key, job), or None when nothing is left to run."""

    def finished(self, key: Hashable, outcome: Outcome) -> None:
        """Tell `outcome`; raising stops asking, and goes up once the running jobs are told."""


class BatchSource(JobSource, Protocol):
    def batch_ready(self, keys: list[Hashable]) -> None:
        """Every job of a batch has been asked; they are about to run."""

    def batch_collected(self, keys: list[Hashable]) -> None:
        """Every job of a batch has returned; they are about to be told, in order."""


def _never() -> bool:
    return False


class Greedy:
    """Ask a new job as soon as a worker is free; tell outcomes as they come."""

    def run(self, executor: Executor, source: JobSource,
            should_stop: Callable[[], bool] = _never,
            on_idle: Callable[[], None] | None = None, poll_s: float = 0.5) -> None:
        running: set[Hashable] = set()
        more, error = True, None
        while (more or running) and not should_stop():
            while more and len(running) < executor.max_workers and not should_stop():
                job = source.next_job()
                if job is None:
                    more = False
                else:
                    executor.submit(*job)
                    running.add(job[0])
            for key, outcome in executor.collect(poll_s) if running else ():
                running.discard(key)
                try:
                    source.finished(key, outcome)
                except BaseException as exc:  # noqa: BLE001 - raised once the others are told
                    error, more = error or exc, False
            if on_idle is not None:
                on_idle()
        if error is not None:
            raise error


class Batched:
    """Ask `max_workers` jobs, run them together, tell them in the order asked, repeat: the
    order of asks and tells no longer depends on which job finishes first."""

    def run(self, executor: Executor, source: BatchSource,
            should_stop: Callable[[], bool] = _never,
            on_idle: Callable[[], None] | None = None, poll_s: float = 0.5) -> None:
        while not should_stop():
            batch = _ask_batch(source, executor.max_workers)
            if not batch:
                return
            keys = [key for key, _job in batch]
            source.batch_ready(keys)
            for job in batch:
                executor.submit(*job)
            outcomes = _collect_all(executor, set(keys), on_idle, poll_s)
            source.batch_collected(keys)
            _tell_in_order(source, keys, outcomes)


def _ask_batch(source: JobSource, size: int) -> list[Job]:
    batch: list[Job] = []
    while len(batch) < size and (job := source.next_job()) is not None:
        batch.append(job)
    return batch


def _collect_all(executor: Executor, keys: set[Hashable],
                 on_idle: Callable[[], None] | None, poll_s: float) -> dict[Hashable, Outcome]:
    outcomes: dict[Hashable, Outcome] = {}
    while len(outcomes) < len(keys):
        outcomes.update(executor.collect(poll_s))
        if on_idle is not None:
            on_idle()
    return outcomes


def _tell_in_order(source: JobSource, keys: list[Hashable],
                   outcomes: dict[Hashable, Outcome]) -> None:
    """Every job of the batch is told before an error goes up."""
    error: BaseException | None = None
    for key in keys:
        try:
            source.finished(key, outcomes[key])
        except BaseException as exc:  # noqa: BLE001 - raised below
            error = error or exc
    if error is not None:
        raise error
