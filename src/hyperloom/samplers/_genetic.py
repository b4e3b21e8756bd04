"""A (mu + lambda) evolution strategy in the style of DEAP's `eaMuPlusLambda` and Hypergraph's
genetic optimizer: a population of `population_size` parents, `lambda_` children per parent,
crossover, per-gene mutation, tournament selection and elitism.

Nothing about the evolution lives only in the sampler: a trial's generation is a function of its
number (generation 0 is the first `population_size` trials, then blocks of
`population_size * lambda_`), and the population that breeds generation g is rebuilt from the
completed trials of the earlier generations with a random state derived from (seed, g). So
parallel workers and a new sampler over an existing study continue the same evolution, and a
generation simply fills with children as its trials are asked and completes as they finish.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..objectives import Direction
from ..space import Choice, Constant, Distribution, SearchSpace
from ..storage import FrozenTrial, TrialState
from ._base import (
    BaseSampler,
    CompletedIntersection,
    StudyView,
    TrialLike,
    prior_draw,
    seed_or_fresh,
)
from ._params import Int, Options, Pair, Real, check_params
from ._seeding import seeded_rng

_MUTATIONS = ("prior", "gaussian")
_CROSSOVERS = ("uniform", "one_point", "sbx")


class GeneticSampler(BaseSampler):
    """Single-objective (mu + lambda) evolution; see the module docstring for how generations
    are derived from stored trials.

    Args:
        population_size: mu, the number of parents kept from one generation to the next (and
            the size of the random generation 0).
        lambda_: children per parent in each generation.
        mutation_prob: per-gene mutation probability, or a range `(lo, hi)` from which each child
            draws its own probability. None: 1 / number of genes. Every child differs from its
            parents in at least one gene.
        mutation: "gaussian" perturbs a gene locally (in the distribution's unit encoding,
            standard deviation `mutation_scale`); "prior" redraws it from its distribution.
            Categorical genes are redrawn among the other options either way.
        crossover: "uniform", "one_point", "sbx" (simulated binary crossover for numeric genes,
            uniform for the others) or None.
        crossover_prob: probability that a child is bred from two parents rather than one.
        tournament_size: contestants in each tournament (mate and survivor selection).
        elitism: the best individuals that always survive.
        seed: makes the whole run reproducible.
    """

    _params = {
        "population_size": Int(1, None),
        "lambda_": Int(1, None),
        "mutation_prob": Real(0, 1) | Pair(Real(0, 1)) | None,
        "mutation": Options(*_MUTATIONS),
        "mutation_scale": Real(0, None, closed="neither"),
        "crossover": Options(*_CROSSOVERS) | None,
        "crossover_prob": Real(0, 1),
        "tournament_size": Int(1, None),
        "elitism": Int(0, "population_size"),
    }

    def __init__(self, population_size: int = 10, lambda_: int = 2, *,
                 mutation_prob: float | tuple[float, float] | None = None,
                 mutation: str = "gaussian", mutation_scale: float = 0.1,
                 crossover: str | None = "uniform", crossover_prob: float = 0.5,
                 tournament_size: int = 3, elitism: int = 1, seed: int | None = None) -> None:
        check_params(self, locals())
        if mutation_prob is not None:
            lo, hi = (mutation_prob if isinstance(mutation_prob, (tuple, list))
                      else (mutation_prob, mutation_prob))
            mutation_prob = (float(lo), float(hi))
        self.population_size = population_size
        self.lambda_ = lambda_
        self.mutation_prob = mutation_prob
        self.mutation = mutation
        self.mutation_scale = float(mutation_scale)
        self.crossover = crossover
        self.crossover_prob = float(crossover_prob)
        self.tournament_size = tournament_size
        self.elitism = elitism
        self._seed = seed_or_fresh(seed)
        self._memo: dict[tuple, list[tuple[int, Any]]] = {}
        self._intersection = CompletedIntersection()
        self._usable: dict[tuple, dict[int, bool]] = {}

    # -- objectives ---------------------------------------------------------------------------
    def _check_directions(self, study: StudyView) -> None:
        if len(study.directions) != 1:
            raise ValueError("GeneticSampler is single-objective; use NSGAIISampler for a "
                             "multi-objective study")

    def _keys(self, trials: Sequence[FrozenTrial], directions: list[str]) -> list[Any]:
        """A sort key per trial, lower is better: feasible first, then the signed objective."""
        sign = Direction(directions[0]).sign
        return [(t.violation, sign * t.values[0]) for t in trials]

    def _survivors(self, pool: list[FrozenTrial], directions: list[str],
                   rng: np.random.Generator) -> list[tuple[FrozenTrial, Any]]:
        """The next population: the `elitism` best, then tournament winners (without
        replacement) until `population_size` are chosen; returned best first."""
        keys = self._keys(pool, directions)
        order = sorted(range(len(pool)), key=lambda i: (keys[i], pool[i].number))
        if len(order) <= self.population_size:
            return [(pool[i], keys[i]) for i in order]
        chosen = order[:self.elitism]
        rest = order[self.elitism:]  # sorted best first, so min index wins a tournament
        while len(chosen) < self.population_size:
            k = min(self.tournament_size, len(rest))
            picks = rng.choice(len(rest), size=k, replace=False)
            chosen.append(rest.pop(int(picks.min())))
        chosen.sort(key=lambda i: (keys[i], pool[i].number))
        return [(pool[i], keys[i]) for i in chosen]

    def _parents(self, population: list[tuple[FrozenTrial, Any]], index: int,
                 rng: np.random.Generator) -> tuple[FrozenTrial, FrozenTrial]:
        """Child `index` of a generation: parent `index // lambda_` (population best first) and a
        mate picked by tournament."""
        first = population[(index // self.lambda_) % len(population)][0]
        return first, self._tournament(population, rng)

    def _tournament(self, population: list[tuple[FrozenTrial, Any]],
                    rng: np.random.Generator) -> FrozenTrial:
        k = min(self.tournament_size, len(population))
        picks = rng.choice(len(population), size=k, replace=False)
        return population[int(min(picks, key=lambda i: population[i][1]))][0]

    # -- generations --------------------------------------------------------------------------
    @property
    def generation_size(self) -> int:
        return self.population_size * self.lambda_

    def generation_of(self, number: int) -> int:
        """The generation of trial `number` (0: the random initial population)."""
        if number < self.population_size:
            return 0
        return 1 + (number - self.population_size) // self.generation_size

    def _first_number(self, generation: int) -> int:
        if generation == 0:
            return 0
        return self.population_size + (generation - 1) * self.generation_size

    def _population(self, study: StudyView, space: SearchSpace,
                    generation: int) -> list[tuple[FrozenTrial, Any]]:
        """The parents of `generation`: survivors of the earlier generations, replayed from the
        completed trials (memoized, so replays cost little)."""
        directions = list(study.directions)
        by_gen: dict[int, list[FrozenTrial]] = {}
        space_key = tuple((n, space[n]) for n in space.names)
        ok = self._usable.setdefault((study.study_name, space_key), {})
        for t in study.get_trials((TrialState.COMPLETE,)):
            g = self.generation_of(t.number)
            if g >= generation:
                continue
            usable = ok.get(t.number)
            if usable is None:
                usable = ok[t.number] = _usable(t, space, len(directions))
            if usable:
                by_gen.setdefault(g, []).append(t)
        population: list[tuple[FrozenTrial, Any]] = []
        space_hash = hash(space_key)
        for g in range(generation):
            members = by_gen.get(g, [])
            if not members:
                continue
            pool = [t for t, _ in population] + members
            key = (study.study_name, space_hash, tuple(directions), g,
                   tuple(t.number for t in pool))
            cached = self._memo.get(key)
            if cached is None:
                rng = seeded_rng(self._seed, 1, g)
                chosen = self._survivors(pool, directions, rng)
                cached = self._memo[key] = [(t.number, k) for t, k in chosen]
            index = {t.number: t for t in pool}
            population = [(index[n], k) for n, k in cached]
        if len(self._memo) > 4096:
            self._memo.clear()
        return population

    # -- sampler interface --------------------------------------------------------------------
    def infer_relative_search_space(self, study: StudyView, trial: TrialLike) -> SearchSpace:
        self._check_directions(study)
        if study.space is not None:
            return study.space
        return self._intersection(study, study.get_trials((TrialState.COMPLETE,)))

    def sample_relative(self, study: StudyView, trial: TrialLike,
                        space: SearchSpace) -> dict[str, Any]:
        self._check_directions(study)
        generation = self.generation_of(trial.number)
        if generation == 0 or not len(space):
            return {}  # the initial population: every gene from its prior
        population = self._population(study, space, generation)
        if not population:
            return {}
        rng = seeded_rng(self._seed, 2, trial.number)
        index = trial.number - self._first_number(generation)
        first, mate = self._parents(population, index, rng)
        child = self._breed(space, first.params, mate.params, rng)
        return {n: child[n] for n in space.active_names(child)}

    def sample_independent(self, study: StudyView, trial: TrialLike, name: str,
                           distribution: Distribution) -> Any:
        return prior_draw(self._seed, trial.number, name, distribution)

    def reseed_rng(self, seed: int | None = None) -> None:
        # Proposals derive from (seed, trial number): workers need the same seed to agree on
        # the population, and differ anyway since their trial numbers differ.
        pass

    # -- variation ----------------------------------------------------------------------------
    def _breed(self, space: SearchSpace, a: dict[str, Any], b: dict[str, Any],
               rng: np.random.Generator) -> dict[str, Any]:
        """A full genome (every name, active or not) from parents `a` and `b`."""
        names = space.names
        child: dict[str, Any] = {}
        for n in names:  # a gene missing from a parent (inactive there) comes from the other
            child[n] = a[n] if n in a else b[n] if n in b else space[n].sample(rng)
        if self.crossover is not None and len(names) > 1 and rng.random() < self.crossover_prob:
            child = self._cross(space, child, a, b, rng)
        child = self._mutate(space, child, rng)
        parents = [{n: p[n] for n in space.active_names(p) if n in p}
                   for p in (a, b) if _has_all(space, p)]
        active = space.active_names(child)
        if any(all(n in p and p[n] == child[n] for n in active) and len(p) == len(active)
               for p in parents):
            # A clone teaches nothing: force one mutation among the active genes.
            mutable = [n for n in active if _n_values(space[n]) != 1]
            if mutable:
                n = mutable[int(rng.integers(len(mutable)))]
                child[n] = self._mutate_gene(space[n], child[n], rng)
        return child

    def _cross(self, space: SearchSpace, child: dict[str, Any], a: dict[str, Any],
               b: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
        names = space.names
        other = {n: b[n] if n in b else child[n] for n in names}
        if self.crossover == "one_point":
            cut = int(rng.integers(1, len(names)))
            return {n: (child[n] if i < cut else other[n]) for i, n in enumerate(names)}
        out = {}
        for n in names:
            dist = space[n]
            if self.crossover == "sbx" and dist.numeric and child[n] != other[n]:
                out[n] = _sbx(dist, child[n], other[n], rng)
            else:
                out[n] = child[n] if rng.random() < 0.5 else other[n]
        return out

    def _mutate(self, space: SearchSpace, child: dict[str, Any],
                rng: np.random.Generator) -> dict[str, Any]:
        names = space.names
        if self.mutation_prob is None:
            p = 1.0 / max(1, len(names))
        else:
            lo, hi = self.mutation_prob
            p = lo if lo == hi else float(rng.uniform(lo, hi))
        hits = rng.random(len(names)) < p
        for n, hit in zip(names, hits):
            if hit:
                child[n] = self._mutate_gene(space[n], child[n], rng)
        return child

    def _mutate_gene(self, dist: Distribution, value: Any, rng: np.random.Generator) -> Any:
        if isinstance(dist, (Choice, Constant)):
            values = dist.values()
            if len(values) < 2:
                return value
            others = [v for v in values if v != value]
            return others[int(rng.integers(len(others)))]
        if self.mutation == "prior":
            return dist.sample(rng)
        u = dist.encode(value)
        step = rng.normal(0.0, self.mutation_scale)
        new = dist.decode(_reflect(u + step))
        if new == value and dist.finite and len(dist.values()) > 1:
            # A small step inside one bin of a discrete distribution: move one value over.
            values = dist.values()
            i = min(range(len(values)), key=lambda k: abs(values[k] - value))
            j = i + (1 if step >= 0 else -1)
            if not 0 <= j < len(values):
                j = i - (1 if step >= 0 else -1)
            new = values[j]
        return new


def _reflect(u: float) -> float:
    """Fold a value back into [0, 1] (mirror at the bounds), so mutations near a bound stay
    symmetric instead of piling up on it."""
    u = abs(u) % 2.0
    return 2.0 - u if u > 1.0 else u


def _sbx(dist: Distribution, x1: Any, x2: Any, rng: np.random.Generator,
         eta: float = 15.0) -> Any:
    """Simulated binary crossover (Deb & Agrawal, 1995) on the unit encoding; one child."""
    u1, u2 = dist.encode(x1), dist.encode(x2)
    r = rng.random()
    beta = (2 * r) ** (1 / (eta + 1)) if r <= 0.5 else (1 / (2 * (1 - r))) ** (1 / (eta + 1))
    sign = 1.0 if rng.random() < 0.5 else -1.0
    u = 0.5 * ((u1 + u2) + sign * beta * (u2 - u1))
    return dist.decode(min(1.0, max(0.0, u)))


def _n_values(dist: Distribution) -> int:
    return len(dist.values()) if dist.finite else 2


def _has_all(space: SearchSpace, params: dict[str, Any]) -> bool:
    try:
        space.active_names(params)
    except ValueError:
        return False
    return True


def _usable(t: FrozenTrial, space: SearchSpace, n_objectives: int) -> bool:
    """A completed trial that can be a parent: finite values and a value for every active gene."""
    if t.values is None or len(t.values) != n_objectives:
        return False
    if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in t.values):
        return False
    if not _has_all(space, t.params):
        return False
    return all((e := t.distributions.get(n)) is (d := space[n]) or e == d
               for n in space.active_names(t.params))
