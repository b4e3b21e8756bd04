"""Tree-structured Parzen Estimator (TPE).

TPE splits the finished trials into a good set (the best `gamma(n)`) and the rest, fits a Parzen
estimator to each (l for good, g for the rest), draws candidates from l and keeps the one with
the largest l/g, the expected-improvement maximizer under TPE's model (Bergstra et al. 2011).

What this implementation adds, and why:
- It works in the encoded unit space of the `SearchSpace`, where every prior is uniform, so one
  kernel family covers floats, log scales, grids, normal families and choices.
- Finished trials are encoded once into per-study numpy columns (`History`); a proposal then
  costs one vectorized pass over the columns, linear in the number of trials.
- Parameters are modelled jointly (multivariate) by default, in groups of parameters that
  occur together. With a static conditional space the tree is sampled top-down: each branch is
  modelled only on the trials where it was active, so correlations inside a branch are kept.
- Kernel widths follow hyperopt's neighbour rule, but their floor shrinks as trials accumulate
  relative to the dimension (`_floor`) instead of staying near 1/(n+1) of the range: wide and
  robust early, able to refine a good region precisely later, where classic TPE loses to GP
  and CMA-ES. A third of the candidates (`n_wide_candidates`) keep the classic floor, so that
  each proposal weighs a step out of the region against the steps inside it. The good trials
  are weighted by rank (the best counts four times the last), which
  makes the search converge faster without giving up the prior's global exploration.
- In groups of grid and categorical parameters, a point that was already evaluated (or is
  running) is not proposed again while the group holds a new one (a small group is searched
  point by point when random draws find none). One parameter modelled
  alone (`multivariate=False`) is guarded only when it is the study's only parameter: its
  value is a point then, and otherwise the guard would send an integer through every value
  before returning to its best.
- Where the values look noisy, the good set is taken by a GP's posterior mean at the trials
  seen instead of by the values, which under noise are mostly lucky draws (`_tpe_noise`).
- One proposal in ten redraws one of its categorical values from the prior. Without it a
  choice whose first trials were bad for other reasons (a poor learning rate next to the best
  activation) is never tried again once the good set agrees on another; on the `mixed`
  benchmark problem it takes the median regret at 100 trials from 0.030 to 0.023 (13 and 16
  runs of 60 in the best basin; `./run bench ablations`).
  Where the group is the whole trial, the redrawn value must not make a point already seen.
  A choice between branches (one that opens other parameters: from the static space, or
  inferred from define-by-run trials by `History.branch_choices`) is retried in 15% of the
  proposals: a branch whose optimum is narrow looks worse than a decoy until its own model,
  fed by the retries, finds it.
"""

from __future__ import annotations

import contextlib
import math
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import objectives
from ..space import Choice, Constant, Distribution, SearchSpace
from ..storage import FrozenTrial, TrialState
from ._base import BaseSampler, LockedState, StudyView, TrialLike
from ._blas import one_blas_thread
from ._crowding import crowding_distance
from ._params import Function, Int, Real, check_params
from ._parzen import CATEGORICAL, Layout, Parzen
from ._seeding import seeded_rng
from ._tpe_history import History, Key, params_vector

# Above this many observations, a model uses one kernel width per dimension (its floor).
_DENSE = 256
# A finite group of at most this many points is searched point by point for one not yet seen
# when random draws find none.
_GRID_MAX = 4096


def default_gamma(n: int) -> int:
    """Size of the good set: 10% of the trials, at most 25 (Optuna's and hyperopt's choice)."""
    return min(math.ceil(0.1 * n), 25)


class TPESampler(LockedState, BaseSampler):
    """Tree-structured Parzen Estimator.

    Handles every distribution type, conditional spaces (static or define-by-run), several
    objectives (the good set is the first non-dominated fronts, cut by crowding distance) and
    parallel runs. PRUNED trials count as observations through their last intermediate value,
    ranked after every COMPLETE trial (deeper first); FAILED trials are ignored. With
    constraints (`trial.set_constraint(...)`), the good set is taken from the feasible
    trials first, then from the least infeasible ones (as in c-TPE's ranking).

    Args:
        n_startup_trials: random trials before the model is used.
        n_ei_candidates: candidates drawn from the good-trial model per proposal.
        n_wide_candidates: how many of those are drawn with the classic kernel floor (1/(good
            trials + 2) of each range) instead of the narrowing one, so that a proposal
            weighs a far step against the near ones (all are scored by l/g alike); 0 draws
            all from the narrowing model (see docs/samplers.md for what 8 changes).
        gamma: good-set size as a function of the number of trials (`default_gamma`), or a
            float in (0, 1) for a fixed fraction.
        prior_weight: weight of the uniform prior kernel relative to one observation.
        consider_endpoints: let the interval ends act as neighbours when setting kernel widths
            of the univariate (independent) model.
        multivariate: model parameters jointly (default) instead of one at a time.
        group: split define-by-run parameters into groups that occur together and model each
            group jointly on the trials where it occurred (default). With `group=False` only
            parameters present in every trial are modelled jointly.
        constant_liar: treat parameters of RUNNING trials as bad observations, so that parallel
            workers do not propose the same point.
        redraw_choice: chance that a proposal redraws one of its categorical values from the
            prior (see the module docstring); 0 turns it off.
        redraw_branch: chance that a proposal redraws a choice between branches (one that
            opens other parameters, in a static space or, inferred from the trials, in
            define-by-run code) instead; 0 turns it off.
        floor_min_dims: the kernel-width floor narrows as if the space had at least this many
            dimensions (see `_floor`).
        denoise: where a GP fitted to the best trials finds noise in their values, take the
            good set by its posterior mean instead of the values (`_tpe_noise`).
        seed: same seed, same proposals in a sequential run.
    """

    _lock_type = threading.RLock  # what `__init__` makes; a pickled copy gets the same kind

    _params = {
        "n_startup_trials": Int(0, None),
        "n_ei_candidates": Int(1, None),
        "n_wide_candidates": Int(0, None),
        "gamma": Real(0, 1, closed="neither") | Function("of the number of trials") | None,
        "prior_weight": Real(0, None),
        "redraw_choice": Real(0, 1),
        "redraw_branch": Real(0, 1),
        "floor_min_dims": Int(1, None),
    }

    def __init__(self, *, n_startup_trials: int = 10, n_ei_candidates: int = 24,
                 n_wide_candidates: int = 8,
                 gamma: Callable[[int], int] | float | None = None, prior_weight: float = 1.0,
                 consider_endpoints: bool = False, multivariate: bool = True, group: bool = True,
                 constant_liar: bool = True, redraw_choice: float = 0.1,
                 redraw_branch: float = 0.15, floor_min_dims: int = 4, denoise: bool = True,
                 seed: int | None = None) -> None:
        check_params(self, locals())
        if group and not multivariate:
            group = False  # grouping is a way of being multivariate; nothing to group otherwise
        self.n_startup_trials = int(n_startup_trials)
        self.n_ei_candidates = int(n_ei_candidates)
        if n_wide_candidates > n_ei_candidates:
            raise ValueError(f"TPESampler: `n_wide_candidates` ({n_wide_candidates}) is a part "
                             f"of `n_ei_candidates` ({n_ei_candidates}); give at most that many")
        self.n_wide_candidates = int(n_wide_candidates)
        self.gamma = gamma
        self.prior_weight = float(prior_weight)
        self.consider_endpoints = bool(consider_endpoints)
        self.multivariate = bool(multivariate)
        self.group = bool(group)
        self.constant_liar = bool(constant_liar)
        self.redraw_choice = float(redraw_choice)
        self.redraw_branch = float(redraw_branch)
        self.floor_min_dims = int(floor_min_dims)
        self.denoise = bool(denoise)
        self._seed = seed
        self._rng = seeded_rng(seed)
        self._lock = threading.RLock()  # the caches below are shared by threads of one study
        self._histories: dict[str, History] = {}
        self._running: list[FrozenTrial] = []
        self._space_cache: dict[str, tuple[int, SearchSpace, list[list[Key]]]] = {}
        self._tree_cache: dict[int, tuple[SearchSpace, _Node]] = {}
        self._layouts: dict[int, tuple[list[Key], Layout]] = {}
        self._synced: tuple[str, int] | None = None
        # Tuned on benchmarks/problems.py (see docs/samplers.md); kept as attributes for
        # experiments, not part of the API. Kernel-width floor: see `_floor`.
        self._bw_floor = 0.002
        self._fa = 1.33
        self._fp = 1.4
        self._rank_w = 0.25  # weight of the last good trial relative to the best (`_rank_weights`)
        self._dtot = True  # floor from the number of parameters in the study, not the group
        self._noisy: Any = None  # a `_tpe_noise.NoisyRanking`, made when first needed

    # -- BaseSampler --------------------------------------------------------------------------
    def reseed_rng(self, seed: int | None = None) -> None:
        self._rng = seeded_rng(seed)

    def infer_relative_search_space(self, study: StudyView, trial: TrialLike) -> SearchSpace:
        if not self.multivariate:
            return SearchSpace()
        if study.space is not None:
            if self.group:
                return study.space  # sampled as a tree, see `_sample_tree`
            # Only the unconditional parameters jointly; the others one at a time.
            return SearchSpace({n: d for n, d in study.space.top_level.items()
                                if not (isinstance(d, Choice) and d.has_subspaces)})
        with self._lock:
            return self._infer_dynamic(study, trial)

    def _infer_dynamic(self, study: StudyView, trial: TrialLike) -> SearchSpace:
        hist = self._sync(study, trial)
        cached = self._space_cache.get(study.study_name)
        if cached is not None and cached[0] == hist.version:
            return cached[1]
        groups = self._dynamic_groups(hist)
        entries: dict[str, Distribution] = {}
        for g in groups:
            entries.update(dict(g))
        space = SearchSpace(entries)
        self._space_cache[study.study_name] = (hist.version, space, groups)
        return space

    def sample_relative(self, study: StudyView, trial: TrialLike,
                        space: SearchSpace) -> dict[str, Any]:
        if not len(space):
            return {}
        with self._lock:
            return self._sample_relative(study, trial, space)

    def _sample_relative(self, study: StudyView, trial: TrialLike,
                         space: SearchSpace) -> dict[str, Any]:
        hist = self._sync(study, trial)
        if study.space is not None and space is study.space:
            return self._sample_tree(study, trial, hist, space)
        cached = self._space_cache.get(study.study_name)
        if cached is not None and cached[1] is space:
            groups = cached[2]
        elif self.group:
            groups = [g for g in self._dynamic_groups(hist) if all(n in space for n, _ in g)]
        else:
            groups = [[(n, space[n]) for n in space.names]]
        out: dict[str, Any] = {}
        branches = hist.branch_choices() if self.redraw_branch > 0 else frozenset()
        for keys in groups:
            if len(keys) == 1 and not self.group:
                continue
            vec = self._propose(study, trial, hist, keys, branches)
            if vec is not None:
                out.update(_decode(keys, vec))
        return out

    def sample_independent(self, study: StudyView, trial: TrialLike, name: str,
                           distribution: Distribution) -> Any:
        with self._lock:
            hist = self._sync(study, trial)
            keys = [(name, distribution)]
            vec = self._propose(study, trial, hist, keys, univariate=True)
            if vec is None:
                return distribution.sample(self._rng)
        return _decode(keys, vec)[name]

    # -- trials -------------------------------------------------------------------------------
    def _sync(self, study: StudyView, trial: TrialLike) -> History:
        """Record trials that finished since the last call; remember the running ones."""
        name = study.study_name
        n_obj = len(study.directions)
        hist = self._histories.get(name)
        if hist is not None and self._synced == (name, trial.number):
            return hist  # once per trial: the storage is read at the trial's first proposal
        trials = study.get_trials()
        if hist is None or hist.n_objectives != n_obj or hist.frontier > len(trials):
            hist = self._histories[name] = History(n_obj)
            self._space_cache.pop(name, None)
        self._synced = (name, trial.number)
        signs = objectives.signs(study.directions)
        running: list[FrozenTrial] = []
        pos = hist.frontier
        advancing = True
        for t in trials[hist.frontier:]:
            if t.state.is_finished():
                if pos not in hist.seen:
                    hist.record(t, signs)
                    hist.seen.add(pos)
                if advancing:
                    hist.seen.discard(pos)
                    hist.frontier = pos + 1
            else:
                advancing = False
                if t.state == TrialState.RUNNING and t.number != trial.number:
                    running.append(t)
            pos += 1
        self._running = running
        return hist

    def _dynamic_groups(self, hist: History) -> list[list[Key]]:
        """Groups of (name, distribution) keys whose names are unambiguous."""
        clash = {n for n, keys in hist.by_name.items() if len(keys) > 1}
        groups = []
        for g in hist.groups:
            keep = [k for k in g if k[0] not in clash and not isinstance(k[1], Constant)]
            if keep:
                groups.append(keep)
        if not self.group:
            # Only parameters present in every recorded trial: one joint group.
            full = [k for g in groups for k in g
                    if int(np.count_nonzero(~np.isnan(hist.columns[k].data[:hist.n]))) == hist.n]
            groups = [full] if full else []
        return groups

    # -- conditional static spaces ------------------------------------------------------------
    def _sample_tree(self, study: StudyView, trial: TrialLike, hist: History,
                     space: SearchSpace) -> dict[str, Any]:
        cached = self._tree_cache.get(id(space))
        if cached is None or cached[0] is not space:
            cached = (space, _Node.build(space.top_level))
            self._tree_cache[id(space)] = cached
        out: dict[str, Any] = {}
        stack = [cached[1]]
        while stack:
            node = stack.pop()
            keys = node.keys
            if any(n in out for n, _ in keys):
                keys = [(n, d) for n, d in keys if n not in out]
            if keys:
                vec = self._propose(study, trial, hist, keys, node.branches)
                if vec is None:
                    out.update({n: d.sample(self._rng) for n, d in keys})
                else:
                    out.update(_decode(keys, vec))
            for n, d in node.constants:
                out.setdefault(n, d.values()[0])
            children = []
            for name, branches in node.children:
                child = branches.get(_branch_key(out[name]))
                if child is not None:
                    children.append(child)
            stack.extend(reversed(children))
        return out

    # -- the model ----------------------------------------------------------------------------
    def _n_below(self, n: int) -> int:
        g = self.gamma
        if g is None:
            k = default_gamma(n)
        elif isinstance(g, float):
            k = math.ceil(g * n)
        else:
            k = int(g(n))
        return max(1, min(k, n))

    def _propose(self, study: StudyView, trial: TrialLike, hist: History, keys: list[Key],
                 branches: frozenset[str] = frozenset(),
                 univariate: bool = False) -> np.ndarray | None:
        """The encoded vector of the best candidate for `keys`, or None before startup."""
        if hist.n < max(self.n_startup_trials, 1):
            return None
        rows, x = hist.matrix(keys)
        n = len(rows)
        if n < 1:
            return None
        k = self._n_below(n)
        layout = self._layout(keys)
        with one_blas_thread() if n > _DENSE else contextlib.nullcontext():
            by_mean = self._noisy_order(study, hist, rows, x, layout, keys)
            if by_mean is None:
                below, above = _split(hist, rows, k)
                weights = self._rank_weights(hist, rows[below])
            else:
                below = by_mean[:k]
                above = np.setdiff1d(np.arange(n), below, assume_unique=True)
                weights = self._rank_ramp(k)
            lies = self._lies(keys)
            xa = x[above] if lies is None else np.vstack([x[above], lies])
            l_model, g_model, wide = self._models(hist, layout, x[below], xa, weights,
                                                  univariate, n, k)
            seen = x if lies is None else np.vstack([x, lies])
            # A parameter modelled alone is a point only in a one-parameter study (docstring).
            guard = layout.finite and (not univariate or len(hist.columns) == 1)
            cand, score = self._candidates(layout, l_model, g_model, seen, guard, wide)
        # Where the group is the whole trial, a redrawn choice must not repeat a trial either.
        whole = guard and len(keys) >= _n_params(hist)
        return self._redraw_one_choice(layout, cand[int(np.argmax(score))], keys, branches,
                                       seen if whole else None)

    def _lies(self, keys: list[Key]) -> np.ndarray | None:
        """Encoded params of the running trials (constant liar: counted as bad), or None."""
        if not (self.constant_liar and self._running):
            return None
        found = [v for t in self._running if (v := params_vector(t.params, keys)) is not None]
        return np.asarray(found) if found else None

    def _layout(self, keys: list[Key]) -> Layout:
        cached = self._layouts.get(id(keys))
        if cached is None or cached[0] is not keys:
            cached = self._layouts[id(keys)] = (keys, Layout([d for _, d in keys]))
        return cached[1]

    def _models(self, hist: History, layout: Layout, xb: np.ndarray, xa: np.ndarray,
                weights: np.ndarray | None, univariate: bool, n: int,
                k: int) -> tuple[Parzen, Parzen, Parzen | None]:
        """The model l of the k good trials (weighted by `weights`), g of the rest, of n
        trials, and l with the classic floor for `n_wide_candidates` (None without)."""
        # The floor's dimension is the whole study's: in a conditional space, a group's values
        # are ranked by an objective that all the other parameters move too.
        d = len(layout.dims)
        dim = max(d, len(hist.columns)) if self._dtot else d
        floor = self._floor(dim, n, k)
        g_floor = max(self._bw_floor, min(floor, 1.0 / min(100.0, len(xa) + 2)))
        l_model = self._parzen(layout, xb, univariate, floor, weights)
        g_model = self._parzen(layout, xa, univariate, g_floor, for_sampling=False)
        wide = None
        if self.n_wide_candidates and layout.num and len(xb):
            wide_floor = max(floor, 1.0 / (len(xb) + 2))
            wide = l_model if wide_floor == floor else self._parzen(
                layout, xb, univariate, wide_floor, weights)
        return l_model, g_model, wide

    def _candidates(self, layout: Layout, l_model: Parzen, g_model: Parzen,
                    seen: np.ndarray, guard: bool,
                    wide: Parzen | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Candidates drawn from l (`n_wide_candidates` of them from `wide`) and their
        scores log l - log g; with `guard` (a finite layout), points already seen score -inf
        while a fresh one is among the candidates."""
        n_wide = self.n_wide_candidates if wide is not None else 0
        cand = l_model.sample(self._rng, self.n_ei_candidates - n_wide)
        if n_wide:
            cand = np.vstack([cand, wide.sample(self._rng, n_wide)])
        score = l_model.log_pdf(cand) - g_model.log_pdf(cand)
        if not guard:
            return cand, score
        fresh = ~_duplicates(cand, seen)
        if not fresh.any():
            # Every candidate was evaluated (or is running) already: look further, with draws
            # from the prior, before proposing a point again.
            more = Parzen(layout, seen[:0], np.ones(len(layout.num)), 1.0, 1.0).sample(
                self._rng, self.n_ei_candidates)
            more_fresh = ~_duplicates(more, seen)
            if not more_fresh.any() and (grid := _grid(layout)) is not None:
                # A small space: its points not yet seen, if any, instead of more luck.
                more = grid[~_duplicates(grid, seen)]
                more_fresh = np.ones(len(more), dtype=bool)
            if more_fresh.any():
                more_score = l_model.log_pdf(more) - g_model.log_pdf(more)
                cand, score, fresh = more, more_score, more_fresh
        if fresh.any():
            score = np.where(fresh, score, -np.inf)
        return cand, score

    def _redraw_one_choice(self, layout: Layout, best: np.ndarray, keys: list[Key],
                           branches: frozenset[str],
                           seen: np.ndarray | None = None) -> np.ndarray:
        """Guard against lock-in: a choice whose early trials were bad for other reasons (a
        poor learning rate, say) is never proposed again once the good set agrees on another;
        now and then retry one with the model's values for everything else. A choice between
        branches (one of `branches`, which open other parameters) is retried more often: a
        branch whose optimum is narrow looks bad in every trial that misses it, and only a
        model of its own trials, fed by retries, can find it."""
        if not layout.cat:
            return best
        j = None
        if branches and self.redraw_branch > 0:
            opens = [j for j in layout.cat if keys[j][0] in branches]
            if opens and self._rng.random() < self.redraw_branch:
                j = opens[int(self._rng.integers(len(opens)))]
        if j is None:
            if self._rng.random() >= self.redraw_choice:
                return best
            j = layout.cat[int(self._rng.integers(len(layout.cat)))]
        redrawn = best.copy()
        redrawn[j] = self._rng.integers(layout.dims[j].n)
        if seen is not None and _duplicates(redrawn[None, :], seen)[0]:
            # `seen` holds the trials: take another value of this choice that makes a new
            # point, or keep the model's proposal where none does.
            options = np.repeat(redrawn[None, :], layout.dims[j].n, axis=0)
            options[:, j] = np.arange(layout.dims[j].n)
            fresh = np.flatnonzero(~_duplicates(options, seen))
            if not len(fresh):
                return best
            redrawn[j] = fresh[self._rng.integers(len(fresh))]
        return redrawn

    def _floor(self, d: int, n: int, k: int) -> float:
        """Smallest kernel width of the good-trial model: wide early (robust), narrowing as
        trials accumulate relative to the dimension (precise). Below 4 dimensions it narrows
        as slowly as in 4: at the 2-D rate the model settled into the first good basin it
        found (on the 2-D `svm` problem 2 runs of 20 reached the best basin by trial 200, 14
        with this; `./run bench ablations`). Branin converges a little later, still far ahead
        of Optuna's TPE."""
        d = max(d, self.floor_min_dims)
        return max(self._bw_floor, min(1.0 / (k + 2), self._fa * (d / n) ** self._fp))

    def _rank_weights(self, hist: History, rows: np.ndarray) -> np.ndarray | None:
        """Weights of the good trials: the best counts most (1), the last of the good set
        `self._rank_w` (single objective; uniform otherwise)."""
        ramp = None if hist.n_objectives > 1 else self._rank_ramp(len(rows))
        if ramp is None:
            return None
        order = np.lexsort((hist.values[rows, 0], -hist.step[rows], hist.pruned[rows]))
        weights = np.empty(len(rows))
        weights[order] = ramp
        return weights

    def _rank_ramp(self, k: int) -> np.ndarray | None:
        """`_rank_weights` for a good set already in order from the best."""
        if self._rank_w >= 1.0 or k < 2:
            return None
        return 1.0 - (1.0 - self._rank_w) * np.arange(k) / (k - 1)

    def _noisy_order(self, study: StudyView, hist: History, rows: np.ndarray, x: np.ndarray,
                     layout: Layout, keys: list[Key]) -> np.ndarray | None:
        """Positions (into `rows`) of the best trials by a GP's posterior mean where their
        values look noisy (`_tpe_noise`); None to rank them by their values. Only for a group
        that holds every parameter of the study: the values of a branch's group move with the
        parameters of other groups too, which a GP of this group alone would take for noise
        (on the noise-free `mixed` problem it did, and lost 1.5x)."""
        if not self.denoise or hist.n_objectives > 1 or hist.n_infeasible \
                or len(rows) < self.n_startup_trials or hist.pruned[rows].any() \
                or len(keys) < _n_params(hist):
            return None
        if self._noisy is None:
            from ._tpe_noise import NoisyRanking

            self._noisy = NoisyRanking()
        c = x[:, layout.cat] if layout.cat else x[:, :0]
        return self._noisy.order((study.study_name, *(n for n, _ in keys)), x[:, layout.num], c,
                                 hist.values[rows, 0])

    def _parzen(self, layout: Layout, obs: np.ndarray, univariate: bool,
                floor: float, weights: np.ndarray | None = None,
                for_sampling: bool = True) -> Parzen:
        n = obs.shape[0]
        if layout.num and n:
            floors = np.maximum(layout.min_sigma, floor)
            if n > _DENSE:
                # Neighbour gaps of this many points are below the floor almost everywhere.
                sigma = floors
            else:
                mu = obs if layout.all_continuous else obs[:, layout.num]
                sigma = _neighbour_sigmas(mu, floors, self.consider_endpoints)
        else:
            sigma = np.ones(len(layout.num))
        smoothing = min(1.0, self.prior_weight / (n + 1)) if n else 1.0
        return Parzen(layout, obs, sigma, self.prior_weight, smoothing, weights, for_sampling)


def _neighbour_sigmas(mu: np.ndarray, floor: np.ndarray, endpoints: bool) -> np.ndarray:
    """hyperopt's rule: each kernel as wide as the larger gap to its neighbours (the interval
    ends count as neighbours only with `endpoints`), clipped to [floor, 1]."""
    n, d = mu.shape
    t = mu.T
    order = t.argsort(axis=1)
    rows = np.arange(d)[:, None]
    padded = np.empty((d, n + 2))
    padded[:, 0], padded[:, -1] = 0.0, 1.0
    padded[:, 1:-1] = t[rows, order]
    gaps = padded[:, 1:] - padded[:, :-1]
    sig = np.maximum(gaps[:, :-1], gaps[:, 1:])
    if not endpoints and n >= 2:
        sig[:, 0] = gaps[:, 1]
        sig[:, -1] = gaps[:, -2]
    out = np.empty((d, n))
    out[rows, order] = sig
    return np.clip(out.T, floor, 1.0)


def _n_params(hist: History) -> int:
    """How many parameters (constants aside) the study's trials have had."""
    return sum(not isinstance(d, Constant) for _, d in hist.columns)


def _grid(layout: Layout) -> np.ndarray | None:
    """Every point of a finite layout, encoded as samples are; None above `_GRID_MAX`."""
    axes, size = [], 1
    for dim in layout.dims:
        if dim.kind == CATEGORICAL:
            values = np.arange(dim.n, dtype=float)
        else:
            values = np.array([dim.dist.encode(v) for v in dim.dist.values()])
        size *= len(values)
        if size > _GRID_MAX:
            return None
        axes.append(values)
    return np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(size, len(axes))


def _duplicates(cand: np.ndarray, seen: np.ndarray) -> np.ndarray:
    """Which candidates (snapped to their grid) equal a seen point."""
    if not len(seen):
        return np.zeros(len(cand), dtype=bool)
    out = np.zeros(len(cand), dtype=bool)
    for start in range(0, len(seen), 4096):  # bounded memory for long studies
        block = seen[start:start + 4096]
        out |= (np.abs(cand[:, None, :] - block[None, :, :]) < 1e-9).all(axis=2).any(axis=1)
    return out


def _split(hist: History, rows: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions (into `rows`) of the k best trials and of the rest. With constraints, feasible
    trials rank first, then the others by how much they violate them."""
    n = len(rows)
    if k >= n:
        return np.arange(n), np.arange(0)
    violation = hist.violation[rows] if hist.n_infeasible else None
    if hist.n_objectives > 1:
        order = _mo_order(hist.values[rows], hist.pruned[rows], k, violation)
    elif violation is not None and violation.any():
        order = np.lexsort((hist.values[rows, 0], -hist.step[rows], hist.pruned[rows],
                            violation))
    elif hist.n_pruned == 0 or not hist.pruned[rows].any():
        vals = hist.values[rows, 0]
        order = np.argpartition(vals, k - 1)
    else:
        order = np.lexsort((hist.values[rows, 0], -hist.step[rows], hist.pruned[rows]))
    return order[:k], order[k:]


def _mo_order(values: np.ndarray, pruned: np.ndarray, k: int,
              violation: np.ndarray | None = None) -> np.ndarray:
    """An order whose first k entries are the good set for several objectives: whole
    non-dominated fronts first, the last front cut by crowding distance (spread kept), then
    infeasible trials by increasing violation."""
    usable = ~pruned & np.isfinite(values).all(axis=1)
    if violation is not None:
        usable &= violation == 0
    ok = np.flatnonzero(usable)
    bad = np.flatnonzero(~usable)
    if violation is not None:
        bad = bad[np.argsort(violation[bad], kind="stable")]
    v = values[ok]
    ranks = objectives.non_dominated_sort(v, [objectives.Direction.MINIMIZE] * v.shape[1])
    chosen: list[np.ndarray] = []
    taken = 0
    for rank in range(ranks.max(initial=-1) + 1):
        if taken >= k:
            break
        front = np.flatnonzero(ranks == rank)
        if taken + len(front) > k:
            front = front[np.argsort(-crowding_distance(v[front]), kind="stable")]
        chosen.append(front)
        taken += len(front)
    first = np.concatenate(chosen) if chosen else np.arange(0)
    rest = np.setdiff1d(np.arange(len(ok)), first)
    return np.concatenate([ok[first], ok[rest], bad]).astype(int)


def _decode(keys: list[Key], vec: np.ndarray) -> dict[str, Any]:
    out = {}
    for (name, dist), u in zip(keys, vec):
        if isinstance(dist, (Choice, Constant)):
            out[name] = dist.decode(int(u))
        else:
            out[name] = dist.decode(float(u))
    return out


def _branch_key(value: Any) -> Any:
    from ..space import option_key

    return option_key(value)


class _Node:
    """One level of a conditional space: its parameters, modelled jointly, and the subspaces
    that each of its choices opens."""

    __slots__ = ("keys", "constants", "children", "branches")

    def __init__(self) -> None:
        self.keys: list[Key] = []
        self.constants: list[Key] = []
        self.children: list[tuple[str, dict[Any, _Node]]] = []
        self.branches: frozenset[str] = frozenset()  # the choices that open subspaces

    @classmethod
    def build(cls, entries: dict[str, Distribution]) -> _Node:
        node = cls()
        for name, dist in entries.items():
            if isinstance(dist, Constant):
                node.constants.append((name, dist))
                continue
            node.keys.append((name, dist))
            if isinstance(dist, Choice) and dist.has_subspaces:
                branches = {}
                for value in dist.values():
                    sub = dist.subspace(value)
                    if sub is not None and len(sub.top_level):
                        branches[_branch_key(value)] = cls.build(sub.top_level)
                node.children.append((name, branches))
        node.branches = frozenset(name for name, _ in node.children)
        return node
