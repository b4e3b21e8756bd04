"""AutoSampler: the default sampler of `create_study`, which picks an algorithm per trial from
what the study looks like. The rule and the benchmark numbers behind it are in
docs/samplers.md; in short:

- several objectives, parameters that change from trial to trial (define-by-run), or only
  categorical parameters: TPE, whose tree-structured model handles all of them; a
  define-by-run study also starts with TPE for its first 10 trials (the GP's own start would
  be space-filling points too), while the rule learns which parameters it has;
- a fixed space (static, or the same parameters in every trial; categorical and conditional
  parameters allowed) with at most `gp_max_dims` numeric parameters: GP (Bayesian
  optimization) for the first `gp_max_trials` trials, where it finds far better values per
  trial than anything else, with one trial in `gp_tpe_every` from trial 60 on proposed by
  TPE, which samples near the best trials where the GP spreads out; then TPE, whose cost
  stays linear in the number of trials; a GP fit that puts under `gp_interpolate_below` of
  the variance in noise is taken as a rough deterministic objective (a cross-validated
  loss), and the proposal comes from a model that interpolates the values instead of
  smoothing a narrow best basin away; once five fits in a row have put between 0.1% and
  `gp_max_noise` of it in noise (rough, not noisy: a smooth function's put next to none),
  only one trial in `gp_every_rough` from trial 60 on is the GP's, the others TPE's, whose
  sampling near the best trials refines a rugged basin better than the GP's model of it;
- more numeric parameters: GP when the objective takes a second or more (the GP's tens of ms
  per proposal are then noise) and the study is young; otherwise, on a purely numeric,
  unconditional space, CMA-ES (with IPOP restarts) and TPE, a fraction of a millisecond per
  proposal each, sharing the trials by their recent hit rates (`_portfolio.py`): neither wins
  everywhere; TPE on any other space;
- under a time budget (`optimize(timeout=...)`), a GP whose last proposal cost more than the
  objective takes (median) gives way to the cheap sampler: it would at least halve the
  trials run, and the default should be the best per second, not only per trial;
- a GP that finds the objective noisy (from 20 trials on, its fitted noise has held at least
  `gp_max_noise` of the variance in five fits in a row) gives way to the cheap sampler(s) for
  good: noise takes away the GP's edge, precise placement, and TPE ranks its good set by a
  noise model of its own;
- samplers that are not installed are skipped (GP needs only numpy/scipy, CMA-ES the `cmaes`
  package, a dependency of hyperloom; without it TPE takes CMA-ES's place).

The choice is made once per trial, at its first proposal, from the trials alone (the GP's fit
to them, which sampler proposed each and how it fared; for large numeric spaces or under a
time budget only, how long they took),
never from randomness: a seeded AutoSampler is reproducible when the run has no timeout.
Each inner sampler gets the AutoSampler's seed itself: where the rule keeps to one sampler
(TPE on a define-by-run conditional space, the GP on a small static one for 60 trials), the
default makes the trials that sampler, seeded alike, makes. The choice is stored with the
trial as the system attribute "sampler".
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from ..objectives import Direction
from ..space import Choice, Constant, Distribution, SearchSpace
from ..storage import FrozenTrial, TrialState
from ._base import BaseSampler, StudyView, TrialLike
from ._params import Int, Real, check_params
from ._portfolio import HitRatePortfolio
from ._tpe import TPESampler


class AutoSampler(BaseSampler):
    """Chooses GP, TPE or CMA-ES (see the module docstring) for each trial.

    Args:
        seed: the seed of every inner sampler (reproducible sequential runs).
        gp_max_dims: the largest purely numeric space always modelled with a GP.
        gp_max_trials: trials after which a GP study continues with TPE.
        gp_min_seconds: a larger numeric space is modelled with a GP when the objective
            takes at least this long (median of the completed trials).
        gp_max_noise: from 20 trials on, a GP whose fitted noise has held at least this
            share of the variance in five fits in a row gives way to TPE (CMA-ES and TPE on the
            spaces of rule 3) for good.
        gp_tpe_every: on the small spaces the GP runs, from trial 60 on, every this many
            trials one is proposed by TPE instead (0: never).
        gp_every_rough: on a rough objective (five GP fits in a row that put between 0.1%
            and `gp_max_noise` of the variance in noise), from trial 60 on, only every this
            many trials one is proposed by the GP, the others by TPE (0: as gp_tpe_every).
        gp_interpolate_below: a GP fit that puts less than this share of the variance in
            noise is taken as a rough deterministic objective: the proposal comes from a
            model that interpolates the values (GPSampler's `min_noise_share`; 0: never).
    """

    _noise_trials = 20  # earlier GP fits are too uncertain to call an objective noisy
    _params = {"gp_max_dims": Int(0, None), "gp_max_trials": Int(0, None),
               "gp_min_seconds": Real(0, None), "gp_max_noise": Real(0, 1),
               "gp_tpe_every": Int(0, None), "gp_every_rough": Int(0, None),
               "gp_interpolate_below": Real(0, 1)}

    def __init__(self, *, seed: int | None = None, gp_max_dims: int = 8,
                 gp_max_trials: int = 200, gp_min_seconds: float = 1.0,
                 gp_max_noise: float = 0.03, gp_tpe_every: int = 3,
                 gp_every_rough: int = 3, gp_interpolate_below: float = 0.03) -> None:
        check_params(self, locals())
        self._seed = seed
        self.gp_max_dims = int(gp_max_dims)
        self.gp_max_trials = int(gp_max_trials)
        self.gp_min_seconds = float(gp_min_seconds)
        self.gp_max_noise = float(gp_max_noise)
        self.gp_tpe_every = int(gp_tpe_every)
        self.gp_every_rough = int(gp_every_rough)
        self.gp_interpolate_below = float(gp_interpolate_below)
        self._samplers: dict[str, BaseSampler] = {}
        self._choice: tuple[str, int, str] | None = None  # (study, trial number, sampler name)
        self._chosen: dict[tuple[str, int], str] = {}  # until the trial finishes: its record
        self._seen: dict[str, _Shape] = {}  # per study

    # -- choosing ----------------------------------------------------------------------------
    def _inner(self, name: str) -> BaseSampler:
        sampler = self._samplers.get(name)
        if sampler is None:
            seed = self._seed
            if name == "gp":
                from ._gp import GPSampler

                sampler = GPSampler(seed=seed, min_noise_share=self.gp_interpolate_below)
            elif name == "cmaes":
                from ._cmaes import CmaEsSampler

                sampler = CmaEsSampler(seed=seed, restart_strategy="ipop")
            else:
                sampler = TPESampler(seed=seed)
            self._samplers[name] = sampler
        return sampler

    def choose(self, study: StudyView, trial: TrialLike) -> str:
        """The name of the inner sampler for this trial ("tpe", "gp" or "cmaes")."""
        if self._choice is not None and self._choice[:2] == (study.study_name, trial.number):
            return self._choice[2]
        name = self._decide(study, trial.number)
        self._choice = (study.study_name, trial.number, name)
        self._chosen[study.study_name, trial.number] = name
        return name

    def _decide(self, study: StudyView, number: int) -> str:
        if len(study.directions) > 1:
            return "tpe"
        shape = self._seen.get(study.study_name)
        if shape is None or shape.space is not study.space:
            sign = Direction(study.directions[0]).sign
            shape = self._seen[study.study_name] = _Shape(study.space, sign)
        if shape.settled and shape.settled != _PORTFOLIO:  # final: no need to read the trials
            return shape.settled
        shape.update(study.get_trials())
        if shape.settled:  # the portfolio: final, but its pick is read from the trials
            return shape.cheap(shape.settled)
        if study.space is None and shape.n_finished < _DEFINE_BY_RUN_START:
            return "tpe"  # which parameters come back, and under which choices, is not known
        if shape.dynamic or not shape.numeric:
            # Each of these only ever becomes true, so the choice is final.
            if shape.n_finished > 0 or study.space is not None:
                shape.settled = "tpe"
            return "tpe"
        large = shape.numeric > self.gp_max_dims
        # CMA-ES models numeric parameters only: categorical ones would be drawn at random.
        # Where it can run, it shares the trials with TPE by their hit rates: neither wins
        # everywhere (CMA-ES on Levy-10, TPE on Rosenbrock-10 and wherever the optimum is
        # off-centre; docs/samplers.md).
        cheap = _PORTFOLIO if large and not (shape.conditional or shape.categorical) \
            and _available("cmaes") else "tpe"
        if shape.n_finished >= self.gp_max_trials or not _available("gp"):
            if study.space is not None:  # a static space stays what it is
                shape.settled = cheap
            return shape.cheap(cheap)
        if shape.noisy_fits >= _NOISY_FITS and shape.n_finished >= self._noise_trials:
            # A noisy objective: the GP's edge is in placing points precisely, which noise
            # takes away, while TPE's good set, ranked by its own noise model, averages
            # neighbours. Final: the GP is not asked again.
            shape.settled = cheap
            return shape.cheap(cheap)
        if getattr(study, "deadline", None) is not None and shape.gp_seconds is not None \
                and shape.gp_seconds > shape.median_duration():
            # Under a time budget, a GP that costs more than the objective would at least halve
            # the trials run: the cheap sampler finds more per second.
            return shape.cheap(cheap)
        if not large:
            every, gp_every = self.gp_tpe_every, self.gp_every_rough
            if gp_every and number >= _MIX_START and shape.rough_fits >= _ROUGH_FITS:
                # On a rugged basin (svm's, a cross-validated loss) TPE's samples near the best
                # trials refine it where the GP's interpolating model does not.
                return "gp" if number % gp_every == 0 else "tpe"
            if every and number >= _MIX_START and number % every == every - 1:
                # A hedge: the GP's expected improvement keeps spreading proposals where it is
                # unsure; TPE's sample the neighbourhood of the best trials. The GP misses
                # svm's small best basin without them and refines Branin 100x less.
                return "tpe"
            return "gp"
        # A larger space: the GP's proposals cost tens of ms here, worth it only when the
        # objective itself is slow.
        if shape.median_duration() >= self.gp_min_seconds:
            return "gp"
        return shape.cheap(cheap)

    # -- BaseSampler: forward to the chosen sampler -------------------------------------------
    def infer_relative_search_space(self, study: StudyView, trial: TrialLike) -> SearchSpace:
        return self._inner(self.choose(study, trial)).infer_relative_search_space(study, trial)

    def sample_relative(self, study: StudyView, trial: TrialLike,
                        space: SearchSpace) -> dict[str, Any]:
        name = self.choose(study, trial)
        inner = self._inner(name)
        if name != "gp":
            return inner.sample_relative(study, trial, space)
        started = time.perf_counter()
        params = inner.sample_relative(study, trial, space)
        shape = self._seen.get(study.study_name)
        if shape is not None and shape.n_finished >= inner.n_startup_trials:  # a model's cost
            shape.gp_seconds = time.perf_counter() - started
            share = inner.noise_share(study, space)
            noisy = share is not None and share >= self.gp_max_noise
            shape.noisy_fits = shape.noisy_fits + 1 if noisy else 0
            rough = share is not None and _ROUGH_SHARE <= share < self.gp_max_noise
            shape.rough_fits = shape.rough_fits + 1 if rough else 0
        return params

    def sample_independent(self, study: StudyView, trial: TrialLike, name: str,
                           distribution: Distribution) -> Any:
        inner = self._inner(self.choose(study, trial))
        return inner.sample_independent(study, trial, name, distribution)

    def trial_attrs(self, study: StudyView, trial: TrialLike) -> dict[str, Any]:
        """`{"sampler": "gp" | "tpe" | "cmaes"}`: the inner sampler that proposed the trial
        (nothing for a trial whose params were all fixed, e.g. enqueued)."""
        name = self._chosen.pop((study.study_name, trial.number), None)
        return {} if name is None else {"sampler": name}

    def after_trial(self, study: StudyView, trial: FrozenTrial) -> None:
        for sampler in self._samplers.values():
            sampler.after_trial(study, trial)

    def reseed_rng(self, seed: int | None = None) -> None:
        for sampler in self._samplers.values():
            sampler.reseed_rng(seed)


_PORTFOLIO = "cmaes|tpe"  # not a sampler: CMA-ES and TPE by their hit rates
_MIX_START = 60  # the GP alone before: its first proposals place the search
# A define-by-run study's first trials come from TPE: as many as GPSampler's space-filling
# start (n_startup_trials=10), and on a conditional space the default then makes
# TPESampler's trials exactly.
_DEFINE_BY_RUN_START = 10
# A real objective's GP fit now and then puts a few percent in noise (a rough patch of a
# cross-validated loss); a noisy one's does so fit after fit.
_NOISY_FITS = 5
# Smooth, not rough: from 20 points on, 90% of the GP's fits put under 0.07% of the variance
# in noise on Branin, Hartmann-6 and `mixed`; past 60 points, 90% put more than 0.16% there on
# svm's cross-validated loss and 0.8% on the scikit-learn models' (measured by hand, 6 and 2
# seeds). Five fits in a row, like rule 6's noise.
_ROUGH_SHARE = 0.001
_ROUGH_FITS = 5
_AVAILABLE: dict[str, bool] = {}


def _available(name: str) -> bool:
    """Whether the inner sampler `name` can be built here (its dependencies are installed)."""
    ok = _AVAILABLE.get(name)
    if ok is None:
        try:
            if name == "gp":
                from ._gp import GPSampler  # noqa: F401
            else:
                import cmaes  # noqa: F401
            ok = True
        except ImportError:
            ok = False
        _AVAILABLE[name] = ok
    return ok


class _Shape:
    """What the rule needs to know about a study's space: from the static space when there is
    one, otherwise from the finished trials (read incrementally)."""

    __slots__ = ("space", "sign", "numeric", "categorical", "conditional", "dynamic",
                 "n_finished", "settled", "durations", "gp_seconds", "noisy_fits", "rough_fits",
                 "portfolio", "_dists", "_pos", "_signature")

    def __init__(self, space: SearchSpace | None, sign: float = 1.0) -> None:
        self.space = space
        self.sign = sign  # values times sign: smaller is better
        self.numeric = 0
        self.categorical = 0
        self.conditional = False
        self.dynamic = False  # define-by-run parameters that differ between trials
        self.n_finished = 0
        self.settled: str | None = None  # the sampler for every later trial, once final
        self.durations: list[float] = []  # of completed trials
        self.gp_seconds: float | None = None  # the last GP proposal's cost, once past Sobol
        self.noisy_fits = 0  # consecutive GP fits that put `gp_max_noise` or more in noise
        self.rough_fits = 0  # consecutive GP fits that put _ROUGH_SHARE up to that in noise
        self.portfolio = HitRatePortfolio("cmaes", "tpe")
        self._dists: dict[str, Distribution] = {}
        self._pos = 0
        self._signature: frozenset[str] | None = None
        if space is not None:
            self.conditional = space.is_conditional
            for name in space.names:
                self._count(space[name])

    def _count(self, dist: Distribution) -> None:
        if isinstance(dist, Constant):
            return
        if isinstance(dist, Choice):
            if len(dist.values()) > 1:
                self.categorical += 1
        else:
            self.numeric += 1

    def cheap(self, kind: str) -> str:
        """The sampler for a trial that goes to the cheap side: TPE, or the portfolio's pick."""
        return self.portfolio.choose() if kind == _PORTFOLIO else kind

    def median_duration(self) -> float:
        return float(np.median(self.durations)) if self.durations else 0.0

    def update(self, trials: list[FrozenTrial]) -> None:
        """Count finished trials up to the first unfinished one (in number order)."""
        for t in trials[self._pos:]:
            if not t.state.is_finished():
                break
            self._pos += 1
            if t.state not in (TrialState.COMPLETE, TrialState.PRUNED):
                continue
            self.n_finished += 1
            if t.state == TrialState.COMPLETE:
                if t.duration is not None:
                    self.durations.append(t.duration)
                self.portfolio.record(self.sign * t.values[0], t.system_attrs.get("sampler"))
            if self.space is not None:
                continue
            names = frozenset(t.params)
            if self._signature is None:
                self._signature = names
            elif names != self._signature:
                self.dynamic = True
            for name, dist in t.distributions.items():
                old = self._dists.get(name)
                if old is None:
                    self._dists[name] = dist
                    self._count(dist)
                elif old != dist:
                    self.dynamic = True
