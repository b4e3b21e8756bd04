"""CMA-ES (Hansen & Ostermeier, 2001) through the `cmaes` package, with IPOP and BIPOP restarts
(Auger & Hansen, 2005; Hansen, 2009), and CMA-ES with margin (Hamano et al., 2022) for
integer and stepped parameters.

The optimizer works on the unit encoding of the numeric parameters (log scales, integer bins and
normal priors included, see `Distribution.encode`); categorical parameters are drawn
independently from their priors. The optimizer state is never only in memory: it is rebuilt by
replaying the completed trials in the order they completed, `popsize` solutions per generation,
restarts included. A cache makes the replay incremental, so a proposal costs one generation's
update at most, while a new sampler over an existing study, or a worker of a parallel run,
reaches the same state from storage.

Discrete parameters. Plain CMA-ES rounds its samples to the nearest value of an integer or
stepped parameter; once the step size in that coordinate is below the width of one value, every
sample rounds to the same value, the objective no longer depends on the coordinate and it
freezes, often one or two values from its best while continuous coordinates are still being
refined, so the same integers are proposed for the rest of the run. When the space has at least
one parameter with an evenly spaced, finite set of encoded values, `cmaes.CMAwM` is used
instead: it keeps the probability of moving to a neighbouring value above a margin. Those
parameters are `IntUniform` without `log` and `QUniform`, with two values or more: a parameter
with `n` values encodes them as the centres of `n` equal bins, `(k + 0.5) / n`, which is the
grid CMAwM gets (step `1 / n`, bounds `[0.5 / n, 1 - 0.5 / n]`). A log-scaled `IntUniform` keeps
its log encoding and stays a continuous coordinate (rounded at decoding, as before): its values
are not evenly spaced in that encoding, which the margin needs, and an index grid would throw
away the log geometry the user asked for (centred on the middle index of `1..1024`, half of the
first samples would be above 512). A space without any such parameter runs plain CMA-ES,
unchanged.

CMAwM evaluates a rounded point (`x_for_eval`, what the trial gets) but must be told the raw
Gaussian sample behind it (`x_for_tell`), which the trial's parameters do not hold. Samplers do
not write to storage, so the replay recomputes it: a proposal is a function of the optimizer
state and of a seed derived from the trial number, so when a generation is told, each of its
trials is asked again with its own seed from the state that the generation starts from, which is
the state it was proposed from whenever it completed within the generation it was asked in (a
sequential run always). If that reproduces the trial's parameters, its raw sample is told;
otherwise (a trial proposed from an earlier generation that completed late in a parallel run, an
enqueued trial, the first trial of a define-by-run study) the trial is told the raw point that
the current state maps onto its evaluated values. Either way the told vectors depend only on the
stored trials and their completion order, so a resumed or parallel sampler replays to the same
state.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..objectives import Direction
from ..space import Distribution, IntUniform, QUniform, SearchSpace
from ..storage import FrozenTrial, TrialState
from ._base import (
    BaseSampler,
    CompletedIntersection,
    LockedState,
    StudyView,
    TrialLike,
    prior_draw,
    seed_or_fresh,
)
from ._params import Int, Options, Real, check_params
from ._seeding import seeded_rng

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
    steps: np.ndarray  # CMAwM grid step of each coordinate, 0 where continuous (all 0: plain CMA)
    consumed: list[int] = field(default_factory=list)  # trial numbers told, in order
    restarts: int = 0
    large_popsize: int = 0  # BIPOP: the population of the last large-regime run
    evals_large: int = 0
    evals_small: int = 0
    regime: str = "large"


class CmaEsSampler(LockedState, BaseSampler):
    """CMA-ES over the numeric parameters of the space; categoricals are sampled independently.

    Integer and stepped parameters (`IntUniform` without `log`, `QUniform`) are handled by
    CMA-ES with margin (`cmaes.CMAwM`, Hamano et al. 2022), which keeps a minimum probability
    of moving to a neighbouring value, so the search does not stall re-proposing the same
    rounded point; a space with no such parameter runs plain CMA-ES. Log-scaled integers stay
    continuous coordinates in their log encoding, rounded when decoded (see the module
    docstring for why and for how the state is replayed).

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

    _params = {
        "sigma0": Real(0, None, closed="neither") | None,
        "restart_strategy": Options(*_RESTARTS),
        "popsize": Int(2, None) | None,
        "inc_popsize": Int(1, None),
    }

    def __init__(self, x0: Mapping[str, Any] | None = None, sigma0: float | None = None, *,
                 seed: int | None = None, restart_strategy: str | None = None,
                 popsize: int | None = None, inc_popsize: int = 2) -> None:
        _import_cmaes()
        check_params(self, locals())
        self.x0 = dict(x0) if x0 is not None else None
        self.sigma0 = float(sigma0) if sigma0 is not None else 1 / 6
        self.restart_strategy = restart_strategy
        self.popsize = popsize
        self.inc_popsize = inc_popsize
        self._seed = seed_or_fresh(seed)
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
        with self._lock:
            run = self._replay(study, space)
            x = self._ask(run, trial.number)[0]
        return {n: space[n].decode(float(u)) for n, u in zip(space.names, x)}

    def sample_independent(self, study: StudyView, trial: TrialLike, name: str,
                           distribution: Distribution) -> Any:
        return prior_draw(self._seed, trial.number, name, distribution)

    def reseed_rng(self, seed: int | None = None) -> None:
        # Proposals derive from (seed, trial number), so parallel workers already differ and
        # must keep the seed to agree on restarts.
        pass

    # -- replay -------------------------------------------------------------------------------
    def _ask(self, run: _Run, number: int) -> tuple[np.ndarray, np.ndarray]:
        """The proposal for trial `number` from the current state: (point to evaluate, raw
        sample to tell). A function of the state and the trial number only, so the replay can
        recompute it."""
        seed = int(seeded_rng(self._seed, 4, number).integers(2**32))
        run.optimizer.reseed_rng(seed)
        if run.steps.any():
            x_eval, x_tell = run.optimizer.ask()
            return x_eval, x_tell
        x = run.optimizer.ask()
        return x, x

    def _tell_vector(self, run: _Run, t: FrozenTrial, x: np.ndarray) -> np.ndarray:
        """What CMAwM is told for trial `t`, whose encoded parameters are `x` (see the module
        docstring): the raw sample behind it when asking again reproduces it, else the raw
        point the current state maps onto it."""
        x_eval, x_tell = self._ask(run, t.number)
        if np.all(np.abs(x_eval - x) <= 1e-9):
            return x_tell
        disc = run.steps > 0
        opt = run.optimizer
        mean = np.asarray(opt.mean, dtype=float)
        scale = np.asarray(getattr(opt, "_A", np.ones(len(x))), dtype=float)  # CMAwM's margin
        scale = np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)
        out = x.copy()
        # CMAwM rounds mean + A * (x_tell - mean) to the grid; invert that map at the value.
        out[disc] = mean[disc] + (x[disc] - mean[disc]) / scale[disc]
        return out

    def _new_optimizer(self, space: SearchSpace, run: _Run | None) -> tuple[Any, int]:
        """A CMA (or CMAwM) instance for the first run or the next restart, and its population
        size."""
        cmaes = _import_cmaes()
        d = len(space)
        steps = _margin_steps(space)
        # CMAwM's grid of a discrete coordinate is its encoded values (k + 0.5) / n, k < n.
        low = steps / 2
        high = 1.0 - low
        default_pop = 4 + int(math.floor(3 * math.log(d)))
        base_pop = self.popsize or default_pop
        sigma = self.sigma0
        if run is None:
            mean = np.full(d, 0.5)
            if self.x0 is not None:
                for i, n in enumerate(space.names):
                    if n in self.x0:
                        mean[i] = min(high[i], max(low[i], space[n].encode(self.x0[n])))
            popsize = base_pop
            restart = 0
        else:
            restart = run.restarts + 1
            rng = seeded_rng(self._seed, 5, restart)
            mean = low + (high - low) * rng.uniform(0.0, 1.0, d)
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
        seed = int(seeded_rng(self._seed, 6, restart).integers(2**32))
        bounds = np.stack([low, high], axis=1)
        if steps.any():
            optimizer = cmaes.CMAwM(mean=mean, sigma=sigma, bounds=bounds, steps=steps,
                                    seed=seed, population_size=popsize)
        else:
            optimizer = cmaes.CMA(mean=mean, sigma=sigma, bounds=bounds, seed=seed,
                                  population_size=popsize)
        return optimizer, popsize

    def _replay(self, study: StudyView, space: SearchSpace) -> _Run:
        names = space.names
        key = (study.study_name, tuple((n, space[n]) for n in names))
        sign = Direction(study.directions[0]).sign
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
            run = self._runs[key] = _Run(optimizer=optimizer, steps=_margin_steps(space),
                                         large_popsize=popsize)
        pos = len(run.consumed)
        while len(done) - pos >= run.optimizer.population_size:
            batch = done[pos:pos + run.optimizer.population_size]
            pos += len(batch)
            solutions = []
            for t in batch:
                x = np.array([space[n].encode(t.params[n]) for n in names], dtype=float)
                if run.steps.any():
                    x = self._tell_vector(run, t, x)
                solutions.append((x, sign * float(t.values[0])))
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


def _margin_steps(space: SearchSpace) -> np.ndarray:
    """For each coordinate, the spacing of its encoded values when CMAwM should treat it as
    discrete (an evenly spaced finite grid of two values or more), else 0."""
    steps = np.zeros(len(space))
    for i, n in enumerate(space.names):
        d = space[n]
        if isinstance(d, QUniform) or (isinstance(d, IntUniform) and not d.log):
            count = d._n  # the number of bins of the distribution's own encoding
            if count >= 2:
                steps[i] = 1.0 / count
    return steps


def _usable(t: FrozenTrial, space: SearchSpace) -> bool:
    if t.values is None or len(t.values) != 1 or not math.isfinite(t.values[0]):
        return False
    return all((e := t.distributions.get(n)) is d or e == d for n, d in space.items())
