"""The optimize loop: ask, evaluate, tell, call back, until a stop condition."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any

from ..samplers import SearchExhausted
from ..storage._frozen import FrozenTrial, TrialState
from ._deterministic import run_batches
from ._exceptions import TrialPruned
from ._heartbeat import Heartbeat
from ._progress import Progress

if TYPE_CHECKING:
    from ._study import Study
    from ._trial import Trial


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

    beating = Heartbeat(study, study.heartbeat_interval) if study.heartbeat_interval \
        else contextlib.nullcontext()
    try:
        with beating:
            if deterministic and n_jobs > 1:
                run_batches(study, objective, budget, n_jobs, catch, finished)
            else:
                _run_workers(study, worker, n_jobs)
    finally:
        progress.close()


def _run_workers(study: Study, worker: Callable[[], None], n_jobs: int) -> None:
    """One worker inline, or `n_jobs` threads sharing the study (the objective usually
    releases the GIL in numpy/torch/sklearn code)."""
    if n_jobs == 1:
        worker()
        return
    pool = ThreadPoolExecutor(max_workers=n_jobs, thread_name_prefix="hyperloom")
    futures = [pool.submit(worker) for _ in range(n_jobs)]
    try:
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        for f in done:
            if f.exception() is not None:
                study.stop()
                wait(futures)
                f.result()
    except KeyboardInterrupt:
        study.stop()
        _fail_running(study, "interrupted (KeyboardInterrupt)")
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


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
    except KeyboardInterrupt as exc:
        return Outcome(TrialState.FAILED, system={"fail_reason": "interrupted (KeyboardInterrupt)"},
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
    if error is not None and (isinstance(error, KeyboardInterrupt) or not isinstance(error, catch)):
        raise error
    if outcome.warning is not None:
        warnings.warn(outcome.warning, stacklevel=4)
    return frozen
