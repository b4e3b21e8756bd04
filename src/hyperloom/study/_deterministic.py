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

import dataclasses
import threading
import zlib
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from ..execution import Batched, Outcome
from ..samplers import BaseSampler, SearchExhausted
from ..space import Distribution, SearchSpace
from ..storage import FrozenTrial, TrialState
from ._ask import ask_trial


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

    def trial_attrs(self, study: Any, trial: Any) -> dict[str, Any]:
        with self._lock:
            return self.inner.trial_attrs(study, trial)

    def after_trial(self, study: Any, trial: FrozenTrial) -> None:
        with self._lock:
            self.inner.after_trial(study, trial)


def _derive(seed: int, number: int, what: str) -> int:
    return (seed * 1_000_003 + number * 7_919 + zlib.crc32(what.encode("utf-8"))) % 2**63


class BatchedRun:
    """The job source of a deterministic run: an `OptimizeRun` whose trials are asked with a
    reseeded sampler, see a snapshot of the study while they run, and are told in number
    order (by the `Batched` policy). The study's own sampler and view are left alone."""

    def __init__(self, run: Any) -> None:  # an OptimizeRun
        seed = run.ctx.sampler.seed
        if seed is None:
            raise ValueError(
                "optimize(deterministic=True) needs a seeded sampler, so that runs can repeat: "
                "create_study(sampler=AutoSampler(seed=0)), or any sampler built with a seed")
        self._run = run
        self._live_view = run.ctx.view
        self.ctx = dataclasses.replace(run.ctx, sampler=ReseededSampler(run.ctx.sampler, seed))

    def policy(self) -> Batched:
        return Batched()

    def next_job(self) -> tuple[int, Callable[[], Outcome]] | None:
        """Ask the next trial of the batch and make its joint (relative) proposal now, in
        number order: samplers that keep state between proposals (a GP's last fit) then
        see the same sequence of calls on every run."""
        run = self._run
        if not run.budget.take():
            return None
        with run.lock:
            try:
                trial = ask_trial(self.ctx)
            except SearchExhausted:
                run.stop.set()
                return None
            if trial._relative is None:
                trial._sample_relative()
            return run.job(trial)

    def batch_ready(self, keys: list[Hashable]) -> None:
        self.ctx.view = SnapshotView(self._live_view)

    def batch_collected(self, keys: list[Hashable]) -> None:
        self.ctx.view = self._live_view

    def finished(self, key: Hashable, outcome: Outcome) -> None:
        self._run.after(self._run.tell(self.ctx, key, outcome))
