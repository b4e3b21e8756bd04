"""CMA-ES (Hansen & Ostermeier, 2001) through the `cmaes` package, with IPOP and BIPOP restarts
(Auger & Hansen, 2005; Hansen, 2009).

The optimizer works on the unit encoding of the numeric parameters (log scales, integer bins and
normal priors included, see `Distribution.encode`); categorical parameters are drawn
independently from their priors. The optimizer state is never only in memory: it is rebuilt by
replaying the completed trials in the order they completed, `popsize` solutions per generation,
restarts included. A cache makes the replay incremental, so a proposal costs one generation's
update at most, while a new sampler over an existing study, or a worker of a parallel run,
reaches the same state from storage.
"""

from __future__ import annotations

import math
import threading
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..space import Distribution, SearchSpace
from ..storage._frozen import FrozenTrial, TrialState
from ._base import BaseSampler, CompletedIntersection, StudyView, TrialLike

_RESTARTS = (None, "ipop", "bipop")


def _import_cmaes():
    try:
        import cmaes
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError("CmaEsSampler needs the `cmaes` package: "
                          "pip install hyperloom[cmaes]") from None
    return cmaes


@dataclass
class _Run:
    """The replayed state for one relative search space."""

    optimizer: Any
    consumed: list[int] = field(default_factory=list)  # trial numbers told, in order
    restarts: int = 0
    large_popsize: int = 0  # BIPOP: the population of the last large-regime run
    evals_large: int = 0
    evals_small: int = 0
    regime: str = "large"


class CmaEsSampler(BaseSampler):
    """CMA-ES over the numeric parameters of the space; categoricals are sampled independently.

    Args:
        x0: initial mean, as a dict of parameter values (default: the middle of each range).
        sigma0: initial step size in the unit encoding of the space (default 1/6, so that
            +-3 sigma spans every range from its middle).
        seed: makes proposals reproducible.
        restart_strategy: None, "ipop" (restart with a population `inc_popsize` times larger
            when the search stagnates) or "bipop" (alternate large and small populations).
        popsize: the population size of the first run (default 4 + 3 ln d).
        inc_popsize: population growth factor for IPOP and the large BIPOP regime.
    """

    def __init__(self, x0: Mapping[str, Any] | None = None, sigma0: float | None = None, *,
                 seed: int | None = None, restart_strategy: str | None = None,
                 popsize: int | None = None, inc_popsize: int = 2) -> None:
        _import_cmaes()
        if restart_strategy not in _RESTARTS:
            raise ValueError(f"CmaEsSampler: `restart_strategy` must be one of {_RESTARTS}, "
                             f"got {restart_strategy!r}")
        if sigma0 is not None and not (isinstance(sigma0, (int, float)) and sigma0 > 0):
            raise ValueError(f"CmaEsSampler: `sigma0` must be a number > 0, got {sigma0!r}")
        if popsize is not None and (not isinstance(popsize, int) or popsize < 2):
            raise ValueError(f"CmaEsSampler: `popsize` must be an int >= 2, got {popsize!r}")
        if not isinstance(inc_popsize, int) or inc_popsize < 1:
            raise ValueError(f"CmaEsSampler: `inc_popsize` must be an int >= 1, "
                             f"got {inc_popsize!r}")
        self.x0 = dict(x0) if x0 is not None else None
        self.sigma0 = float(sigma0) if sigma0 is not None else 1 / 6
        self.restart_strategy = restart_strategy
        self.popsize = popsize
        self.inc_popsize = inc_popsize
        self._seed = seed if seed is not None else int(np.random.SeedSequence().entropy % 2**63)
        self._runs: dict[tuple, _Run] = {}
        self._lock = threading.Lock()  # threads of one study share the replayed optimizer
        self._intersection = CompletedIntersection()
        self._usable: dict[tuple, dict[int, bool]] = {}

    # -- sampler interface --------------------------------------------------------------------
    def infer_relative_search_space(self, study: StudyView, trial: TrialLike) -> SearchSpace:
        if len(study.directions) != 1:
            raise ValueError("CmaEsSampler is single-objective; use NSGAIISampler (or "
                             "TPESampler) for a multi-objective study")
        if study.space is not None:
            entries = study.space.top_level
        else:
            entries = self._intersection(study, study.get_trials((TrialState.COMPLETE,))).top_level
        return SearchSpace({n: d for n, d in entries.items() if d.numeric})

    def sample_relative(self, study: StudyView, trial: TrialLike,
                        space: SearchSpace) -> dict[str, Any]:
        if not len(space):
            return {}
        seed = int(np.random.default_rng([self._seed, 4, trial.number]).integers(2**32))
        with self._lock:
            run = self._replay(study, space)
            run.optimizer.reseed_rng(seed)
            x = run.optimizer.ask()
        return {n: space[n].decode(float(u)) for n, u in zip(space.names, x)}

    def sample_independent(self, study: StudyView, trial: TrialLike, name: str,
                           distribution: Distribution) -> Any:
        key = zlib.crc32(name.encode("utf-8"))
        return distribution.sample(np.random.default_rng([self._seed, 3, trial.number, key]))

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def reseed_rng(self, seed: int | None = None) -> None:
        # Proposals derive from (seed, trial number), so parallel workers already differ and
        # must keep the seed to agree on restarts.
        pass

    # -- replay -------------------------------------------------------------------------------
    def _new_optimizer(self, space: SearchSpace, run: _Run | None) -> tuple[Any, int]:
        """A CMA instance for the first run or the next restart, and its population size."""
        cmaes = _import_cmaes()
        d = len(space)
        default_pop = 4 + int(math.floor(3 * math.log(d)))
        base_pop = self.popsize or default_pop
        sigma = self.sigma0
        if run is None:
            mean = np.full(d, 0.5)
            if self.x0 is not None:
                for i, n in enumerate(space.names):
                    if n in self.x0:
                        mean[i] = min(1.0, max(0.0, space[n].encode(self.x0[n])))
            popsize = base_pop
            restart = 0
        else:
            restart = run.restarts + 1
            rng = np.random.default_rng([self._seed, 5, restart])
            mean = rng.uniform(0.0, 1.0, d)
            if self.restart_strategy == "ipop":
                popsize = base_pop * self.inc_popsize ** restart
            else:  # bipop: run the regime that has used fewer evaluations so far
                if run.evals_small < run.evals_large:
                    run.regime = "small"
                    u = rng.random()
                    ratio = max(1.0, run.large_popsize * self.inc_popsize / (2 * base_pop))
                    popsize = max(2, int(base_pop * ratio ** (u * u)))
                    sigma = self.sigma0 * 10 ** (-2 * u)
                else:
                    run.regime = "large"
                    run.large_popsize *= self.inc_popsize
                    popsize = run.large_popsize
        seed = int(np.random.default_rng([self._seed, 6, restart]).integers(2**32))
        bounds = np.tile([0.0, 1.0], (d, 1))
        optimizer = cmaes.CMA(mean=mean, sigma=sigma, bounds=bounds, seed=seed,
                              population_size=popsize)
        return optimizer, popsize

    def _replay(self, study: StudyView, space: SearchSpace) -> _Run:
        names = space.names
        key = (study.study_name, tuple((n, space[n]) for n in names))
        sign = 1.0 if study.directions[0] == "minimize" else -1.0
        ok = self._usable.setdefault(key, {})
        done = []
        for t in study.get_trials((TrialState.COMPLETE,)):
            usable = ok.get(t.number)
            if usable is None:
                usable = ok[t.number] = _usable(t, space)
            if usable:
                done.append(t)
        done.sort(key=lambda t: (t.datetime_complete if t.datetime_complete is not None
                                 else math.inf, t.number))
        run = self._runs.get(key)
        if run is not None and [t.number for t in done[:len(run.consumed)]] != run.consumed:
            run = None  # the completion order changed under us: replay from the start
        if run is None:
            optimizer, popsize = self._new_optimizer(space, None)
            run = self._runs[key] = _Run(optimizer=optimizer, large_popsize=popsize)
        pos = len(run.consumed)
        while len(done) - pos >= run.optimizer.population_size:
            batch = done[pos:pos + run.optimizer.population_size]
            pos += len(batch)
            solutions = [(np.array([space[n].encode(t.params[n]) for n in names], dtype=float),
                          sign * float(t.values[0])) for t in batch]
            run.optimizer.tell(solutions)
            run.consumed.extend(t.number for t in batch)
            if run.regime == "large":
                run.evals_large += len(batch)
            else:
                run.evals_small += len(batch)
            if self.restart_strategy is not None and run.optimizer.should_stop():
                run.optimizer, _ = self._new_optimizer(space, run)
                run.restarts += 1
        return run


def _usable(t: FrozenTrial, space: SearchSpace) -> bool:
    if t.values is None or len(t.values) != 1 or not math.isfinite(t.values[0]):
        return False
    return all((e := t.distributions.get(n)) is d or e == d for n, d in space.items())
