"""NSGA-II (Deb, Pratap, Agarwal & Meyarivan, 2002): the genetic sampler with multi-objective
survivor selection by non-dominated sorting and crowding distance, constraint-dominance for
constrained studies, and binary tournaments on (rank, crowding) to pick parents.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..objectives import non_dominated_sort, signs
from ..storage import FrozenTrial
from ._base import StudyView
from ._crowding import crowding_distance
from ._genetic import GeneticSampler


class NSGAIISampler(GeneticSampler):
    """Multi-objective evolution (also works with one objective). Each generation has
    `population_size * lambda_` children (default: as many as parents, as in the paper); the
    next population keeps the best fronts, and the least crowded members of the last front
    that fits. Generations derive from trial numbers, as in `GeneticSampler`, so the sampler
    runs in parallel and resumes from storage.

    Defaults follow the paper: SBX crossover with probability 0.9 and a per-gene mutation
    probability of 1 / number of genes.
    """

    def __init__(self, population_size: int = 50, lambda_: int = 1, *,
                 mutation_prob: float | tuple[float, float] | None = None,
                 mutation: str = "gaussian", mutation_scale: float = 0.1,
                 crossover: str | None = "sbx", crossover_prob: float = 0.9,
                 seed: int | None = None) -> None:
        super().__init__(population_size, lambda_, mutation_prob=mutation_prob,
                         mutation=mutation, mutation_scale=mutation_scale, crossover=crossover,
                         crossover_prob=crossover_prob, tournament_size=2, elitism=0, seed=seed)

    def _check_directions(self, study: StudyView) -> None:
        pass

    def _keys(self, trials: Sequence[FrozenTrial], directions: list[str]) -> list[Any]:
        """(constraint violation, front rank, -crowding distance): lower is better."""
        if not trials:
            return []
        raw = np.array([t.values for t in trials], dtype=float)
        values = raw * signs(directions)
        ranks = non_dominated_sort(raw, directions, violation=[t.violation for t in trials])
        crowding = np.zeros(len(trials))
        for r in np.unique(ranks):
            members = np.flatnonzero(ranks == r)
            crowding[members] = crowding_distance(values[members])
        return [(0.0, int(r), -float(c)) for r, c in zip(ranks, crowding)]

    def _survivors(self, pool: list[FrozenTrial], directions: list[str],
                   rng: np.random.Generator) -> list[tuple[FrozenTrial, Any]]:
        keys = self._keys(pool, directions)
        order = sorted(range(len(pool)), key=lambda i: (keys[i], pool[i].number))
        chosen = order[:self.population_size]
        # Ranks and crowding among the survivors, for the parents' tournaments.
        kept = [pool[i] for i in chosen]
        return list(zip(kept, self._keys(kept, directions)))

    def _parents(self, population: list[tuple[FrozenTrial, Any]], index: int,
                 rng: np.random.Generator) -> tuple[FrozenTrial, FrozenTrial]:
        return self._tournament(population, rng), self._tournament(population, rng)

