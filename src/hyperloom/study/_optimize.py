"""The optimize loop: a job source for `hyperloom.execution`'s coordinator that asks
trials of a study, runs the objective on them and tells the outcomes, until a stop condition."""

from __future__ import annotations

import functools
import os
import sys
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from typing import TYPE_CHECKING, Any

from ..execution import Greedy, Outcome, choose_executor
from ..logging import log_trial
from ..samplers import SearchExhausted
from ._ask import ask_trial, fail_stale
from ._context import TrialContext
from ._deterministic import BatchedRun
from ._evaluate import evaluate, tell_outcome
from ._interrupts import Terminated, interrupt_reason, sigterm_raises_terminated
from ._progress import Progress
from ._remote import TrialService
from ._retry import retry
from ._tell import fail_running
from ._trial import Trial

if TYPE_CHECKING:
    from ..storage import FrozenTrial

__all__ = ["OptimizeRun", "Terminated"]


class Budget:
    """Hands out trial slots until `n_trials`, the deadline or a stop request; thread-safe."""

    def __init__(self, n_trials: int | None, timeout: float | None,
                 stop: threading.Event) -> None:
        self.remaining = n_trials
        self.deadline = None if timeout is None else time.monotonic() + timeout
        self._stop = stop
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self._stop.is_set():
                return False
            if self.deadline is not None and time.monotonic() >= self.deadline:
                return False
            if self.remaining is not None:
                if self.remaining <= 0:
                    return False
                self.remaining -= 1
            return True

    def give_back(self) -> None:
        """A slot whose trial is run again (a retry of a trial whose worker died)."""
        with self._lock:
            if self.remaining is not None:
                self.remaining += 1


def _check_arguments(n_trials: int | None, timeout: float | None, n_jobs: int) -> int:
    """`n_jobs` with -1 resolved to the number of cores; ValueError for a bad argument."""
    if n_trials is not None and (isinstance(n_trials, bool) or n_trials < 0):
        raise ValueError(f"n_trials must be a non-negative int or None, got {n_trials!r}")
    if timeout is not None and timeout <= 0:
        raise ValueError(f"timeout must be > 0 seconds or None, got {timeout!r}")
    if n_jobs == -1:
        n_jobs = os.cpu_count() or 1
    if n_jobs < 1:
        raise ValueError(f"n_jobs must be >= 1 (or -1 for all cores), got {n_jobs!r}")
    return n_jobs


class OptimizeRun:
    """One `Study.optimize` call: the job source the coordinator asks and tells."""

    def __init__(self, study: Any, ctx: TrialContext, stop: threading.Event,
                 objective: Callable[[Trial], Any], callbacks: list,
                 catch: Iterable[type[BaseException]] | type[BaseException]) -> None:
        self.study, self.ctx, self.stop = study, ctx, stop
        self.objective = objective
        self.callbacks = callbacks
        self.catch = (catch,) if isinstance(catch, type) else tuple(catch)
        self.trials: dict[Hashable, Trial] = {}
        # Held while asking and telling, and by the channel answering remote trials: the
        # sampler, pruner and storage see one request at a time.
        self.lock = threading.RLock()
        self.service: TrialService | None = None

    def run(self, *, n_trials: int | None, timeout: float | None, n_jobs: int,
            show_progress_bar: bool | None, deterministic: bool, executor: Any = None) -> None:
        n_jobs = _check_arguments(n_trials, timeout, n_jobs)
        chosen = choose_executor(executor, n_jobs)
        try:
            if chosen.elsewhere:
                host = getattr(chosen.executor, "channel_host", "127.0.0.1")
                self.service = TrialService(
                    self.objective, self.lock,
                    bind="127.0.0.1" if host == "127.0.0.1" else "0.0.0.0", advertise=host)
        except BaseException:
            chosen.close()
            raise
        parallel = chosen.executor.max_workers > 1
        source: Any = BatchedRun(self) if deterministic and parallel else self
        self.budget = Budget(n_trials, timeout, self.stop)
        if show_progress_bar is None:
            show_progress_bar = sys.stderr.isatty()
        self.progress = Progress(self.study, n_trials, timeout, enabled=show_progress_bar)
        if source is self:  # a deterministic run's proposals must not depend on the clock
            self.ctx.view.deadline = self.budget.deadline
        with sigterm_raises_terminated():
            try:
                source.policy().run(chosen.executor, source)
            except BaseException as exc:  # an interruption, or an error outside the objective
                self.stop.set()
                with self.lock:
                    fail_running(source.ctx, interrupt_reason(exc))
                raise
            finally:
                self.ctx.view.deadline = None
                chosen.close()
                if self.service is not None:
                    self.service.close()
                self.progress.close()
        if self.ctx.heartbeat is not None:  # dead workers' trials, even without a next ask()
            fail_stale(self.ctx)

    def policy(self) -> Any:
        return Greedy()

    # -- the job source -----------------------------------------------------------------------
    def next_job(self) -> tuple[int, Callable[[], Outcome]] | None:
        if not self.budget.take():
            return None
        with self.lock:
            try:
                trial = self.ask()
            except SearchExhausted:  # the sampler has no point left
                self.stop.set()
                return None
            return self.job(trial)

    def ask(self) -> Trial:
        return ask_trial(self.ctx)

    def job(self, trial: Trial) -> tuple[int, Callable[[], Outcome]]:
        """The job that runs the objective on `trial`: a call in this process, or a picklable
        `TrialJob` for an executor whose workers are other processes."""
        self.trials[trial.number] = trial
        n_objectives = len(self.ctx.directions)
        if self.service is not None:
            return trial.number, self.service.job(trial, n_objectives)
        return trial.number, functools.partial(evaluate, self.objective, trial, n_objectives)

    def finished(self, key: Hashable, outcome: Outcome) -> None:
        self.after(self.tell(self.ctx, key, outcome))

    def tell(self, ctx: TrialContext, key: Hashable, outcome: Outcome) -> FrozenTrial:
        """Tell `outcome`; a trial whose worker died runs again when the study says so."""
        with self.lock:
            if self.service is not None:
                self.service.forget(key)  # type: ignore[arg-type]
            frozen = tell_outcome(ctx, self.trials.pop(key), outcome, self.catch)
            if outcome.worker_lost and retry(ctx, frozen) is not None:
                self.budget.give_back()
        return frozen

    def after(self, frozen: FrozenTrial) -> None:
        log_trial(self.study, frozen, run=self)
        for callback in self.callbacks:
            callback(self.study, frozen)
        self.progress.update(frozen)
