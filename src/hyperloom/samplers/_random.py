"""Independent uniform sampling from the prior of each distribution."""

from __future__ import annotations

from typing import Any

from ..space import Distribution, SearchSpace
from ._base import BaseSampler, StudyView, TrialLike
from ._seeding import seeded_rng


class RandomSampler(BaseSampler):
    """Draws every parameter from its distribution's prior. Same seed, same sequence."""

    def __init__(self, seed: int | None = None) -> None:
        self._seed = seed
        self._rng = seeded_rng(seed)

    def sample_relative(self, study: StudyView, trial: TrialLike,
                        space: SearchSpace) -> dict[str, Any]:
        return space.sample(self._rng) if len(space) else {}

    def sample_independent(self, study: StudyView, trial: TrialLike, name: str,
                           distribution: Distribution) -> Any:
        return distribution.sample(self._rng)

    def reseed_rng(self, seed: int | None = None) -> None:
        self._rng = seeded_rng(seed)
