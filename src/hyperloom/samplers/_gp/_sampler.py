"""GPSampler: Bayesian optimization with a Gaussian process and log expected improvement."""

from __future__ import annotations

import math
import threading
import warnings
from typing import Any

import numpy as np

from ...objectives import Direction
from ...space import Distribution, SearchSpace
from ...storage import FrozenTrial, TrialState
from .._base import (
    BaseSampler,
    CompletedIntersection,
    LockedState,
    StudyView,
    TrialLike,
    prior_draw,
    seed_or_fresh,
)
from .._blas import one_blas_thread
from .._params import Int, Real, check_params
from .._seeding import seeded_rng
from ._acquisition import Acquisition
from ._encoding import Encoding
from ._model import MIN_NOISE, GaussianProcess, Priors, default_theta, noise_share, warp
from ._optimize_acqf import optimize_acqf

_FIT_MAX = 100  # hyperparameters are fitted on at most this many observations


class GPSampler(LockedState, BaseSampler):
    """Bayesian optimization with a Gaussian process: Matern-5/2 kernel with one lengthscale
    per parameter (Hamming distance for categorical ones), hyperparameters fitted by maximizing
    the marginal likelihood (warm-started from the previous fit), and the next point chosen by
    maximizing log expected improvement from many starts.

    The first `n_startup_trials` points come from a scrambled Sobol sequence. Objective values
    are log-warped above their minimum and standardized before fitting (`_model.warp`). Integer
    and stepped parameters are optimized on their grid of values; categorical parameters by
    local search; conditional parameters sit at a neutral value while inactive. Trials still
    running count as if they returned the best value so far (a constant liar), so parallel
    workers get different points (threads of one process also count the points proposed here
    whose params are not stored yet: two threads had both taken Branin's corner). Pass
    `deterministic_objective=True` when the objective has no noise: the noise variance is
    then fixed at its floor instead of fitted. With `min_noise_share`, a fit that puts less
    than that share of the variance in noise is taken as a rough deterministic objective (a
    cross-validated loss) rather than a noisy one: the proposal then comes from a model refitted
    with the noise at its floor, which interpolates the values instead of smoothing a narrow
    best basin away (on `svm`, as the default sampler runs it with 0.03: that basin by trial
    200 in 32 of 40 runs, 18 of 40 with the noise fitted).
    Single-objective only.

    Constraints (`trial.set_constraint`) get one GP each, fitted like the objective's, and the
    acquisition becomes log EI over the best feasible value plus the log probability that
    every constraint is <= 0 (Gardner et al., 2014); before any trial is feasible, the
    probability of feasibility alone. Studies without constraints pay nothing for this.

    With categorical parameters, one proposal in five (`redraw_choice`, 0 turns it off)
    redraws one of its categorical values from the prior, so that a choice the model wrote
    off early is retried next to good values of the other parameters.
    """

    _params = {"n_startup_trials": Int(1, None), "n_candidates": Int(1, None),
               "n_local_starts": Int(1, None), "redraw_choice": Real(0, 1),
               "min_noise_share": Real(0, 1)}

    def __init__(self, *, n_startup_trials: int = 10, seed: int | None = None,
                 deterministic_objective: bool = False, n_candidates: int = 512,
                 n_local_starts: int = 8, redraw_choice: float = 0.2,
                 min_noise_share: float = 0.0) -> None:
        check_params(self, locals())
        self.n_startup_trials = n_startup_trials
        self.deterministic_objective = bool(deterministic_objective)
        self.min_noise_share = float(min_noise_share)
        self.n_candidates = int(n_candidates)
        self.n_local_starts = int(n_local_starts)
        # Chance that a proposal redraws one categorical value from its prior: the acquisition
        # alone writes a choice off for good once the model is sure of another (on the
        # `mixed` benchmark, 11 of 22 runs stuck on a worse optimizer or model family at
        # trial 120; 3 of 22 with this: `./run bench ablations`).
        self.redraw_choice = float(redraw_choice)
        self._seed = seed_or_fresh(seed)
        self._theta: dict[tuple, np.ndarray] = {}
        self._encodings: dict[tuple, Encoding] = {}
        self._sobol: dict[int, Any] = {}  # dimension -> scipy.stats.qmc.Sobol
        self._lock = threading.Lock()  # threads of one study share the caches and engines
        self._intersection = CompletedIntersection()
        self._usable: dict[tuple, dict[int, bool]] = {}
        # Points proposed here for trials still running: another thread's next proposal
        # counts them as pending before the trial has suggested them (from then on the
        # study's view shows them, stored or not).
        self._proposed: dict[tuple, dict[int, dict[str, Any]]] = {}

    # -- sampler interface --------------------------------------------------------------------
    def infer_relative_search_space(self, study: StudyView, trial: TrialLike) -> SearchSpace:
        if len(study.directions) != 1:
            raise ValueError("GPSampler is single-objective; use NSGAIISampler or TPESampler "
                             "for a multi-objective study")
        if study.space is not None:
            return study.space
        return self._intersection(study, study.get_trials((TrialState.COMPLETE,)))

    def sample_independent(self, study: StudyView, trial: TrialLike, name: str,
                           distribution: Distribution) -> Any:
        return prior_draw(self._seed, trial.number, name, distribution)

    def reseed_rng(self, seed: int | None = None) -> None:
        # Proposals derive from (seed, trial number): parallel workers already differ.
        pass

    def noise_share(self, study: StudyView, space: SearchSpace) -> float | None:
        """The share of the (warped, standardized) objective's variance that the last model
        fitted for `study` on `space` puts in noise rather than in the function: near 0 for a
        smooth, deterministic objective, a few percent and more for a noisy one. None before
        the first fit."""
        theta = self._theta.get((study.study_name, tuple((n, space[n]) for n in space.names)))
        return None if theta is None else noise_share(theta)

    def sample_relative(self, study: StudyView, trial: TrialLike,
                        space: SearchSpace) -> dict[str, Any]:
        if not len(space):
            return {}
        with self._lock:
            return self._sample_relative(study, trial, space)

    def _sample_relative(self, study: StudyView, trial: TrialLike,
                         space: SearchSpace) -> dict[str, Any]:
        key = tuple((n, space[n]) for n in space.names)
        enc = self._encodings.get(key)
        if enc is None:
            enc = self._encodings[key] = Encoding(space)
        if enc.n_x + enc.n_c == 0:
            return {}
        trials = study.get_trials()
        ok = self._usable.setdefault((study.study_name, key), {})
        done = []
        for t in trials:
            if t.state == TrialState.COMPLETE:
                usable = ok.get(t.number)
                if usable is None:
                    usable = ok[t.number] = _usable(t, space, True)
                if usable:
                    done.append(t)
        if len(done) < self.n_startup_trials:
            return self._sobol_point(space, trial.number)
        with one_blas_thread():
            return self._propose(study, trial, space, key, enc, done, trials)

    def _propose(self, study: StudyView, trial: TrialLike, space: SearchSpace, key: tuple,
                 enc: Encoding, done: list[FrozenTrial],
                 trials: list[FrozenTrial]) -> dict[str, Any]:
        sign = Direction(study.directions[0]).sign
        rng = seeded_rng(self._seed, 7, trial.number)
        x, c = enc.encode_trials(done, study.study_name)
        y = sign * np.array([t.values[0] for t in done], dtype=float)
        y = warp(y)
        mu, sd = float(y.mean()), float(y.std())
        ys = (y - mu) / (sd if sd > 0 else 1.0)
        gp = self._fit((study.study_name, key), x, c, ys)
        models: list[tuple[GaussianProcess, float]] = []
        if any(t.constraints for t in done):
            models = self._constraint_models((study.study_name, key), enc, x, c, done)
            feasible = np.array([t.feasible for t in done])
            best = float(ys[feasible].min()) if feasible.any() else None
            order = np.lexsort((ys, [t.violation for t in done]))
        else:
            best, order = _incumbent(gp, x, c)
        pending = self._pending(study.study_name, key, trial.number, trials, space)
        if pending and best is not None:
            # Constant liar: pretend pending points returned the best (feasible) value so far.
            px, pc = enc.encode(pending)
            gp = gp.condition_on(px, pc, np.full(len(pending), best))
        xb, cb = optimize_acqf(Acquisition(gp, best, models), enc, x, c, order[:5], rng,
                               lengthscales=np.sqrt(1.0 / gp.inv_ls2_x),
                               n_candidates=self.n_candidates,
                               n_local_starts=self.n_local_starts)
        if enc.n_c and rng.random() < self.redraw_choice:
            xb, cb = _redraw_one_choice(enc, xb, cb, rng)
        params = enc.to_params(xb, cb)
        self._proposed.setdefault((study.study_name, key), {})[trial.number] = params
        return params

    def _pending(self, study_name: str, key: tuple, number: int, trials: list[FrozenTrial],
                 space: SearchSpace) -> list[dict[str, Any]]:
        """The params of the other trials still running or waiting: from the storage, and
        those proposed here whose params the storage does not hold yet."""
        running = {t.number: t for t in trials
                   if t.state in (TrialState.RUNNING, TrialState.WAITING) and t.number != number}
        proposed = self._proposed.get((study_name, key), {})
        for gone in [n for n in proposed if n not in running]:  # finished: no longer pending
            del proposed[gone]
        stored = {n: t.params for n, t in running.items() if _usable(t, space, False)}
        return [*stored.values(), *(p for n, p in proposed.items() if n not in stored)]

    def _constraint_models(self, key: tuple, enc: Encoding, x: np.ndarray, c: np.ndarray,
                           done: list[FrozenTrial]) -> list[tuple[GaussianProcess, float]]:
        """One GP per constraint, fitted (and its hyperparameters cached) like the objective's,
        on the trials that reported that constraint; each with its threshold (0, standardized
        like the values)."""
        models = []
        for k in range(max(len(t.constraints or ()) for t in done)):
            v = _constraint_column(done, k)
            has = ~np.isnan(v)
            if not has.any():
                continue
            mu, sd = float(v[has].mean()), float(v[has].std())
            sd = sd if sd > 0 else 1.0
            gp = self._fit((*key, "constraint", k), x[has], c[has], (v[has] - mu) / sd)
            models.append((gp, -mu / sd))
        return models

    # -- internals ----------------------------------------------------------------------------
    def _sobol_point(self, space: SearchSpace, index: int) -> dict[str, Any]:
        dim = len(space)
        engine = self._sobol.get(dim)
        if engine is None or engine.num_generated > index:
            from scipy.stats import qmc  # 0.3 s to import: not for TPE, which borrows the model

            engine = self._sobol[dim] = qmc.Sobol(dim, scramble=True, seed=self._seed % 2**32)
        with warnings.catch_warnings():  # non-power-of-2 sample counts
            warnings.simplefilter("ignore")
            if engine.num_generated < index:
                engine.fast_forward(index - engine.num_generated)
            return space.from_unit(engine.random(1)[0])

    def _fit(self, key: tuple, x: np.ndarray, c: np.ndarray, ys: np.ndarray) -> GaussianProcess:
        """The model a proposal uses: the noise fitted (or fixed for a deterministic objective),
        then, below `min_noise_share`, refitted with the noise at its floor."""
        fixed = MIN_NOISE if self.deterministic_objective else None
        gp = self._fit_theta(key, x, c, ys, fixed)
        if fixed is None and noise_share(gp.theta) < self.min_noise_share:
            # The noise fit stays the study's record (`noise_share`); the proposal interpolates.
            gp = self._fit_theta((key, "interpolating"), x, c, ys, MIN_NOISE)
        return gp

    def _fit_theta(self, key: tuple, x: np.ndarray, c: np.ndarray, ys: np.ndarray,
                   fixed: float | None) -> GaussianProcess:
        """MAP hyperparameters, warm-started from the previous fit under `key` (plus a restart
        from the prior's mode early on, then every 10th fit, every 25th past `_FIT_MAX`).
        Past `_FIT_MAX` observations the hyperparameters are fitted on a subset (the best half
        and an even spread of the rest), on every other proposal: the cost is cubic, and a few
        hundred points pin them no better than a hundred."""
        priors = Priors()
        start = default_theta(x.shape[1], c.shape[1], priors, fixed)
        starts = [start]
        warm = self._theta.get(key)
        n = len(ys)
        if warm is not None and len(warm) == len(start):
            starts = [warm, start] if n < 40 or n % (10 if n <= _FIT_MAX else 25) == 0 \
                else [warm]
        if n > _FIT_MAX and warm is not None and len(warm) == len(start) and n % 2:
            gp = GaussianProcess(x, c, ys, warm)  # refit every other proposal only
        elif n > _FIT_MAX:
            order = np.argsort(ys, kind="stable")
            rest = np.sort(order[_FIT_MAX // 2:])
            spread = rest[np.linspace(0, len(rest) - 1, _FIT_MAX - _FIT_MAX // 2).round()
                          .astype(np.int64)]
            idx = np.sort(np.concatenate([order[:_FIT_MAX // 2], spread]))
            theta = GaussianProcess.fit(x[idx], c[idx], ys[idx], starts, priors, fixed).theta
            gp = GaussianProcess(x, c, ys, theta)
        else:
            gp = GaussianProcess.fit(x, c, ys, starts, priors, fixed)
        self._theta[key] = gp.theta
        return gp


def _incumbent(gp: GaussianProcess, x: np.ndarray,
               c: np.ndarray) -> tuple[float, np.ndarray]:
    """The EI reference and the observed points ordered from the best, both by the GP's
    posterior mean at the observed points rather than by the observed values. On noisy
    observations the lowest value is mostly a lucky draw, and EI measured from it finds every
    well-explored region hopeless and sends the search far away (noisy Hartmann-3, noise sd
    10% of the range, 16 seeds: median regret of trials 51-100 of 1.19 by the values, 0.08 by
    the mean); on noise-free ones the two agree (Hartmann-6, `mixed`, `svm`: within the seed
    noise)."""
    mean = gp.predict(x, c)[0]
    return float(mean.min()), np.argsort(mean)


def _redraw_one_choice(enc: Encoding, x: np.ndarray, c: np.ndarray,
                       rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The proposal with one active categorical value drawn anew from its prior; parameters
    that this activates start in the middle of their range."""
    x, c = x.copy()[None, :], c.copy()[None, :]
    active = np.flatnonzero(enc.mask(c[0])[1])
    j = int(active[rng.integers(len(active))])
    c[0, j] = rng.integers(enc.c_sizes[j])
    enc.canonical(x, c)
    return enc.snap(x)[0], c[0]


def _constraint_column(trials: list[FrozenTrial], k: int) -> np.ndarray:
    """Constraint k of each trial; NaN where a trial did not report it. Infinite values move
    to one span past the finite ones (and past 0), so that they stay on their side of
    feasibility without wrecking the standardized scale."""
    v = np.array([t.constraints[k] if t.constraints and len(t.constraints) > k else math.nan
                  for t in trials], dtype=float)
    finite = v[np.isfinite(v)]
    lo, hi = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 0.0)
    span = hi - lo if hi > lo else 1.0
    v[v == math.inf] = max(hi, 0.0) + span
    v[v == -math.inf] = min(lo, 0.0) - span
    return v


def _usable(t: FrozenTrial, space: SearchSpace, need_values: bool) -> bool:
    if need_values:
        if t.values is None or len(t.values) != 1 or not math.isfinite(t.values[0]):
            return False
    try:
        active = space.active_names(t.params)
    except ValueError:
        return False
    return all((e := t.distributions.get(n)) is (d := space[n]) or e == d for n in active)
