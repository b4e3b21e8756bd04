"""Deterministic parallel runs: `optimize(n_jobs=k, deterministic=True)`.

Threads finish trials in an order that changes from run to run, and a sampler's proposal depends
on what it sees finished and on how much of its random stream other trials used before. Here
trials run in batches of `n_jobs`, and three things make each proposal a function of the seed
and the trial number alone:

- the trials of a batch are asked one after the other, in number order, by the calling thread,
  which also makes their joint (relative) proposals;
- while their objectives run, samplers and pruners see the study as it was when the batch
  started (a snapshot), and each sampler call is reseeded from (seed, trial number, parameter);
- results are written to the storage in number order once the whole batch has returned.

The cost: a batch waits for its slowest trial, and up to `n_jobs - 1` finished results wait in
memory for it (on a crash they are lost and those trials are marked FAILED like any other
interrupted trial).
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any

from ..samplers import BaseSampler, SearchExhausted
from ..space import Distribution, SearchSpace
from ..storage import FrozenTrial, TrialState

if TYPE_CHECKING:
    from ._optimize import _Budget
    from ._study import Study
    from ._trial import Trial


class SnapshotView:
    """A study view frozen at one moment: what every trial of a batch is allowed to see."""

    __slots__ = ("_live", "_trials", "study_name", "directions", "space")

    def __init__(self, live: Any) -> None:
        self._live = live
        self._trials: list[FrozenTrial] = live.get_trials()
        self.study_name = live.study_name
        self.directions = live.directions
        self.space = live.space

    def get_trials(self, states: Iterable[TrialState] | None = None) -> list[FrozenTrial]:
        if states is None:
            return list(self._trials)
        wanted = set(states)
        return [t for t in self._trials if t.state in wanted]

    def claim(self, key: str) -> bool:
        return self._live.claim(key)


class ReseededSampler(BaseSampler):
    """Forwards to `inner` one call at a time, reseeding it first from (seed, trial number,
    what is asked), so a proposal no longer depends on the order of calls between threads."""

    def __init__(self, inner: BaseSampler, seed: int) -> None:
        self.inner = inner
        self._seed = seed
        self._lock = threading.RLock()

    def _reseed(self, number: int, what: str) -> None:
        self.inner.reseed_rng(_derive(self._seed, number, what))

    def infer_relative_search_space(self, study: Any, trial: Any) -> SearchSpace:
        with self._lock:
            self._reseed(trial.number, "\0space")
            return self.inner.infer_relative_search_space(study, trial)

    def sample_relative(self, study: Any, trial: Any, space: SearchSpace) -> dict[str, Any]:
        with self._lock:
            self._reseed(trial.number, "\0relative")
            return self.inner.sample_relative(study, trial, space)

    def sample_independent(self, study: Any, trial: Any, name: str,
                           distribution: Distribution) -> Any:
        with self._lock:
            self._reseed(trial.number, name)
            return self.inner.sample_independent(study, trial, name, distribution)

    def claim_params(self, study: Any) -> dict[str, Any] | None:
        with self._lock:
            return self.inner.claim_params(study)

    def after_trial(self, study: Any, trial: FrozenTrial) -> None:
        with self._lock:
            self.inner.after_trial(study, trial)


def _derive(seed: int, number: int, what: str) -> int:
    return (seed * 1_000_003 + number * 7_919 + zlib.crc32(what.encode("utf-8"))) % 2**63


def run_batches(study: Study, objective: Callable[[Trial], Any], budget: _Budget, n_jobs: int,
                catch: tuple[type[BaseException], ...],
                on_finished: Callable[[FrozenTrial], None]) -> None:
    from ._optimize import INTERRUPTS, _fail_running, evaluate, finish, interrupt_reason

    seed = study.sampler.seed
    if seed is None:
        raise ValueError(
            "optimize(deterministic=True) needs a seeded sampler, so that runs can repeat: "
            "create_study(sampler=AutoSampler(seed=0)), or any sampler built with a seed")
    sampler = study.sampler
    study.sampler = ReseededSampler(sampler, seed)
    live_view = study._view
    pool = ThreadPoolExecutor(max_workers=n_jobs, thread_name_prefix="hyperloom")
    try:
        while True:
            batch = _ask_batch(study, budget, n_jobs)
            if not batch:
                return
            study._view = SnapshotView(live_view)
            try:
                futures = [pool.submit(evaluate, study, objective, t) for t in batch]
                wait(futures)
            finally:
                study._view = live_view
            error: BaseException | None = None
            for trial, future in zip(batch, futures):
                try:  # every trial of the batch is finished before an error goes up
                    on_finished(finish(study, trial, future.result(), catch))
                except BaseException as exc:  # noqa: BLE001 - re-raised below
                    error = error or exc
            if error is not None:
                raise error
    except INTERRUPTS as exc:
        study.stop()
        _fail_running(study, interrupt_reason(exc))
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    finally:
        study.sampler = sampler
        study._view = live_view
        pool.shutdown(wait=True)


def _ask_batch(study: Study, budget: _Budget, n_jobs: int) -> list[Trial]:
    """Ask up to `n_jobs` trials and make their joint (relative) proposals now, in number
    order: samplers that keep state between proposals (a GP's last fit) then see the same
    sequence of calls on every run."""
    batch: list[Trial] = []
    while len(batch) < n_jobs and budget.take(study):
        try:
            trial = study.ask()
        except SearchExhausted:
            study.stop()
            break
        if trial._relative is None:
            trial._sample_relative()
        batch.append(trial)
    return batch
