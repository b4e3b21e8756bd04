"""Exhaustive search over a finite grid: every point exactly once, across parallel workers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..space import Choice, Distribution, SearchSpace
from ._base import BaseSampler, SearchExhausted, StudyView, TrialLike


class GridSampler(BaseSampler):
    """Visits each point of `grid` once, in order. `grid` is a finite `SearchSpace` or a dict
    of name -> list of values. Workers sharing a storage split the points between them (each
    point is claimed atomically); when none is left, `optimize` stops."""

    def __init__(self, grid: SearchSpace | Mapping[str, Sequence[Any]]) -> None:
        if isinstance(grid, SearchSpace):
            if not grid.is_finite:
                infinite = [n for n in grid if not grid[n].finite]
                raise ValueError(f"GridSampler: parameter {infinite[0]!r} is continuous; use "
                                 "IntUniform, QUniform, Choice or Constant for grid axes")
            space = grid
        elif isinstance(grid, Mapping):
            for name, values in grid.items():
                if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) \
                        or not values:
                    raise ValueError(f"GridSampler: grid[{name!r}] must be a non-empty list of "
                                     f"values, got {values!r}")
            space = SearchSpace({n: Choice(list(v)) for n, v in grid.items()})
        else:
            raise ValueError(f"GridSampler: `grid` must be a SearchSpace or a dict of lists, "
                             f"got {type(grid).__name__}")
        self.space = space
        self.points = space.grid()

    @property
    def grid(self) -> SearchSpace:
        """The grid as a finite search space (what a dict of lists was turned into)."""
        return self.space

    def __len__(self) -> int:
        return len(self.points)

    def claim_params(self, study: StudyView) -> dict[str, Any] | None:
        for i, point in enumerate(self.points):
            if study.claim(f"grid:{i}"):
                return dict(point)
        raise SearchExhausted(f"all {len(self.points)} grid points have been claimed")

    def sample_independent(self, study: StudyView, trial: TrialLike, name: str,
                           distribution: Distribution) -> Any:
        raise ValueError(f"GridSampler: parameter {name!r} is not in the grid "
                         f"(grid names: {self.space.names}); add it to the grid")
