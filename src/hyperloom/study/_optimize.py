"""The optimize loop: ask, evaluate, tell, call back, until a stop condition."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ..samplers import SearchExhausted
from ..storage import FrozenTrial, TrialState
from ._deterministic import run_batches
from ._exceptions import TrialPruned
from ._progress import Progress

if TYPE_CHECKING:
    from ._study import Study
    from ._trial import Trial


class Terminated(SystemExit):
    """SIGTERM arrived while `optimize` ran (what Slurm, Kubernetes and Docker send before they
    kill): the running trials are marked FAILED, then the process exits with status 143
    (128 + SIGTERM), as it would have without hyperloom, unless this is caught."""

    def __init__(self) -> None:
        super().__init__(128 + signal.SIGTERM)


#: What stops `optimize` from outside: the running trials are failed, then it goes up.
INTERRUPTS = (KeyboardInterrupt, Terminated)


def interrupt_reason(exc: BaseException) -> str:
    """The fail_reason of trials that an interruption stopped."""
    if isinstance(exc, Terminated):
        return "terminated (SIGTERM)"
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted (KeyboardInterrupt)"
    return f"optimize stopped by {type(exc).__name__}"


@contextlib.contextmanager
def sigterm_raises_terminated() -> Iterator[None]:
    """While `optimize` runs, SIGTERM raises `Terminated` in the main thread, so that it stops
    like Ctrl-C instead of leaving trials RUNNING. Only where SIGTERM has its default action:
    a program that installed its own handler (or ignores SIGTERM) keeps it."""
    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGTERM) != signal.SIG_DFL:
        yield
        return
    raised = False

    def handler(signum: int, frame: object) -> None:
        nonlocal raised
        if not raised:  # a second SIGTERM must not cut the cleanup of the first short
            raised = True
            raise Terminated()

    signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


class _Budget:
    """Hands out trial slots to workers; thread-safe."""

    def __init__(self, n_trials: int | None, timeout: float | None) -> None:
        self.remaining = n_trials
        self.deadline = None if timeout is None else time.monotonic() + timeout
        self._lock = threading.Lock()

    def take(self, study: Study) -> bool:
        with self._lock:
            if study._stop_requested:
                return False
            if self.deadline is not None and time.monotonic() >= self.deadline:
                return False
            if self.remaining is not None:
                if self.remaining <= 0:
                    return False
                self.remaining -= 1
            return True


def run_optimize(study: Study, objective: Callable[[Trial], Any], *, n_trials: int | None,
                 timeout: float | None, n_jobs: int, callbacks: list,
                 catch: Iterable[type[BaseException]] | type[BaseException],
                 show_progress_bar: bool | None, deterministic: bool = False) -> None:
    if n_trials is not None and (isinstance(n_trials, bool) or n_trials < 0):
        raise ValueError(f"n_trials must be a non-negative int or None, got {n_trials!r}")
    if timeout is not None and timeout <= 0:
        raise ValueError(f"timeout must be > 0 seconds or None, got {timeout!r}")
    if n_jobs == -1:
        n_jobs = os.cpu_count() or 1
    if n_jobs < 1:
        raise ValueError(f"n_jobs must be >= 1 (or -1 for all cores), got {n_jobs!r}")
    catch = (catch,) if isinstance(catch, type) else tuple(catch)
    if show_progress_bar is None:
        show_progress_bar = sys.stderr.isatty()
    study._stop_requested = False
    budget = _Budget(n_trials, timeout)
    progress = Progress(study, n_trials, timeout, enabled=show_progress_bar)

    def finished(frozen: FrozenTrial) -> None:
        for callback in callbacks:
            callback(study, frozen)
        progress.update(frozen)

    def worker() -> None:
        while budget.take(study):
            frozen = _run_trial(study, objective, catch)
            if frozen is None:  # the sampler has no point left
                study.stop()
                return
            finished(frozen)

    with sigterm_raises_terminated():
        try:
            if deterministic and n_jobs > 1:
                run_batches(study, objective, budget, n_jobs, catch, finished)
            else:
                _run_workers(study, worker, n_jobs)
        except BaseException as exc:  # an interruption, or an error outside the objective
            study.stop()
            _fail_running(study, interrupt_reason(exc))
            raise
        finally:
            progress.close()
    if study.heartbeat_interval is not None:  # dead workers' trials, even without a next ask()
        study.fail_stale_trials()


def _run_workers(study: Study, worker: Callable[[], None], n_jobs: int) -> None:
    """One worker inline, or `n_jobs` threads sharing the study (the objective usually
    releases the GIL in numpy/torch/sklearn code). The threads are daemons: after Ctrl-C or
    SIGTERM has failed their trials, the process exits without waiting for the objectives."""
    if n_jobs == 1:
        worker()
        return
    errors: list[BaseException] = []

    def guarded() -> None:
        try:
            worker()
        except BaseException as exc:  # noqa: BLE001 - raised again by the calling thread
            errors.append(exc)
            study.stop()

    threads = [threading.Thread(target=guarded, name=f"hyperloom-{k}", daemon=True)
               for k in range(n_jobs)]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            thread.join()
    except INTERRUPTS as exc:
        study.stop()
        _fail_running(study, interrupt_reason(exc))
        raise
    if errors:
        raise errors[0]


def _fail_running(study: Study, reason: str) -> None:
    for trial in list(study._running.values()):
        try:
            study._finish(trial, TrialState.FAILED, None, {"fail_reason": reason},
                          skip_if_finished=True)
        except Exception:  # noqa: BLE001 - best effort while interrupting
            pass


def _run_trial(study: Study, objective: Callable[[Trial], Any],
               catch: tuple[type[BaseException], ...]) -> FrozenTrial | None:
    try:
        trial = study.ask()
    except SearchExhausted:
        return None
    return finish(study, trial, evaluate(study, objective, trial), catch)


class Outcome:
    """How one evaluation of the objective ended, before it is written to the storage."""

    __slots__ = ("state", "values", "system", "error", "warning")

    def __init__(self, state: TrialState, values: list[float] | None = None,
                 system: dict[str, Any] | None = None, error: BaseException | None = None,
                 warning: str | None = None) -> None:
        self.state = state
        self.values = values
        self.system = system or {}
        self.error = error  # raised again after the trial is finished, unless caught
        self.warning = warning


def evaluate(study: Study, objective: Callable[[Trial], Any], trial: Trial) -> Outcome:
    """Run the objective on `trial`; exceptions become a FAILED outcome that carries them."""
    try:
        result = objective(trial)
    except TrialPruned:
        return Outcome(TrialState.PRUNED)
    except INTERRUPTS as exc:
        return Outcome(TrialState.FAILED, system={"fail_reason": interrupt_reason(exc)},
                       error=exc)
    except Exception as exc:
        reason = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        return Outcome(TrialState.FAILED, system={"fail_reason": reason}, error=exc,
                       warning=f"trial {trial.number} failed with {type(exc).__name__}: {exc}")
    values, problem = study._check_values(result)
    if problem:
        return Outcome(TrialState.FAILED, system={"fail_reason": problem},
                       warning=f"trial {trial.number} failed: {problem}")
    return Outcome(TrialState.COMPLETE, values)


def finish(study: Study, trial: Trial, outcome: Outcome,
           catch: tuple[type[BaseException], ...]) -> FrozenTrial:
    """Write the outcome to the storage; raise its error again unless `catch` covers it."""
    frozen = study._finish(trial, outcome.state, outcome.values, outcome.system,
                           skip_if_finished=True)
    error = outcome.error
    if error is not None and (isinstance(error, INTERRUPTS) or not isinstance(error, catch)):
        raise error
    if outcome.warning is not None:
        warnings.warn(outcome.warning, stacklevel=4)
    return frozen
