"""Quasi-Monte Carlo sampling (Sobol or Halton, from scipy.stats.qmc)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..space import Distribution, SearchSpace
from ..storage import TrialState
from ._base import BaseSampler, CompletedIntersection, StudyView, TrialLike
from ._params import Options, check_params
from ._seeding import seed_or_fresh, seeded_rng


class QMCSampler(BaseSampler):
    """Trial number n takes point n of a scrambled low-discrepancy sequence over the space, so
    parallel workers get distinct, well-spread points. Define-by-run parameters join the
    sequence once a first trial has completed; until then they are drawn at random."""

    _params = {"qmc_type": Options("sobol", "halton")}

    def __init__(self, qmc_type: str = "sobol", scramble: bool = True,
                 seed: int | None = None) -> None:
        check_params(self, locals())
        self.qmc_type = qmc_type
        self.scramble = scramble
        self._seed = seed_or_fresh(seed, bits=32)
        self._rng = seeded_rng(self._seed)
        self._engines: dict[int, Any] = {}  # dimension -> scipy.stats.qmc engine
        self._intersection = CompletedIntersection()

    def _point(self, dim: int, index: int) -> np.ndarray:
        from scipy.stats import qmc  # scipy.stats is slow to import: only when used

        engine = self._engines.get(dim)
        if engine is None or engine.num_generated > index:
            cls = qmc.Sobol if self.qmc_type == "sobol" else qmc.Halton
            engine = self._engines[dim] = cls(dim, scramble=self.scramble, seed=self._seed)
        if engine.num_generated < index:
            engine.fast_forward(index - engine.num_generated)
        return engine.random(1)[0]

    def infer_relative_search_space(self, study: StudyView, trial: TrialLike) -> SearchSpace:
        if study.space is not None:
            return study.space
        return self._intersection(study, study.get_trials((TrialState.COMPLETE,)))

    def sample_relative(self, study: StudyView, trial: TrialLike,
                        space: SearchSpace) -> dict[str, Any]:
        if not len(space):
            return {}
        import warnings

        with warnings.catch_warnings():  # scipy warns about non-power-of-2 Sobol sample counts
            warnings.simplefilter("ignore")
            return space.from_unit(self._point(len(space), trial.number))

    def sample_independent(self, study: StudyView, trial: TrialLike, name: str,
                           distribution: Distribution) -> Any:
        return distribution.sample(self._rng)

    def reseed_rng(self, seed: int | None = None) -> None:
        self._rng = seeded_rng(seed)
