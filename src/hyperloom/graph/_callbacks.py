"""Per-generation callbacks of `graph.optimize`: `History`, `ConsoleLog` and `Checkpoint`.

A generation is a block of trial numbers, counted as the genetic sampler counts them: the first
`population_size` trials, then blocks of `population_size * lambda_`. Every algorithm uses the
same blocks, so that a History of TPE and one of the genetic sampler line up per evaluation.
A generation is closed once all its trials have finished (in any order, whatever `n_jobs`);
`finish()` closes the last, partial one (a run stopped by `target_score` or a timeout).
"""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, TextIO

from ..objectives import Direction
from ..storage import FrozenTrial, TrialState

if TYPE_CHECKING:
    from ..study import Study

_FINISHED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAILED)


@dataclass(frozen=True)
class Generations:
    """How trial numbers fall into generations: `population_size`, then blocks of
    `population_size * lambda_` (GeneticSampler's count)."""

    population_size: int = 10
    lambda_: int = 2

    def of(self, number: int) -> int:
        if number < self.population_size:
            return 0
        return 1 + (number - self.population_size) // (self.population_size * self.lambda_)

    def size(self, generation: int) -> int:
        return self.population_size if generation == 0 else self.population_size * self.lambda_

    def n_trials(self, generations: int) -> int:
        """Objective calls for generation 0 plus `generations` more."""
        return self.population_size + generations * self.population_size * self.lambda_


@dataclass(frozen=True)
class GenerationRecord:
    """One finished generation: its index, seconds since the run began, the best score so far,
    the scores of its completed trials (failed ones have none), their mean, and whether the
    target score has been reached."""

    generation: int
    time: float
    best: float | None
    scores: tuple[float, ...]
    mean: float | None
    hit: bool

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "scores": list(self.scores)}


class GenerationCallback:
    """Groups finished trials into generations and calls `on_generation` once per generation,
    in order. `graph.optimize` binds it to the run's generations, direction and target."""

    def __init__(self) -> None:
        self.bind(Generations(), Direction.MAXIMIZE, None)

    def bind(self, generations: Generations, direction: str, target: float | None) -> None:
        """Start a new run (called by `graph.optimize`; forgets an earlier run)."""
        self.generations, self.direction, self.target = generations, Direction(direction), target
        self._pending: dict[int, list[FrozenTrial]] = {}
        self._next: int | None = None
        self._best: float | None = None
        self._t0 = time.perf_counter()

    def __call__(self, study: Study, trial: FrozenTrial) -> None:
        generation = self.generations.of(trial.number)
        if self._next is None:  # a resumed study starts inside the generation it stopped in
            self._next = generation
            self._pending[generation] = self._finished_before(study, generation, trial.number)
        self._pending.setdefault(generation, []).append(trial)
        while self._next in self._pending and \
                len(self._pending[self._next]) >= self.generations.size(self._next):
            self._close(self._next)

    def _finished_before(self, study: Study, generation: int, number: int) -> list[FrozenTrial]:
        """Trials of `generation` that an earlier run of the study finished."""
        return [t for t in study.get_trials(_FINISHED)
                if self.generations.of(t.number) == generation and t.number != number]

    def finish(self) -> None:
        """Close the generations still open (the run ended inside them)."""
        for generation in sorted(self._pending):
            self._close(generation)

    def _close(self, generation: int) -> None:
        trials = self._pending.pop(generation)
        self._next = generation + 1
        scores = tuple(t.values[0] for t in trials
                       if t.state == TrialState.COMPLETE and math.isfinite(t.values[0]))
        for score in scores:
            if self._best is None or self.direction.better(score, self._best):
                self._best = score
        self.on_generation(GenerationRecord(
            generation=generation, time=time.perf_counter() - self._t0, best=self._best,
            scores=scores, mean=sum(scores) / len(scores) if scores else None,
            hit=self._reached(self._best)))

    def _reached(self, score: float | None) -> bool:
        if self.target is None or score is None:
            return False
        return score == self.target or self.direction.better(score, self.target)

    def on_generation(self, record: GenerationRecord) -> None:
        raise NotImplementedError


class History(GenerationCallback):
    """Keeps one `GenerationRecord` per generation in `records`; `best_scores` is the
    convergence curve (never worse from one generation to the next)."""

    def __init__(self) -> None:
        self.records: list[GenerationRecord] = []
        super().__init__()

    def bind(self, generations: Generations, direction: str, target: float | None) -> None:
        super().bind(generations, direction, target)
        self.records = []

    def on_generation(self, record: GenerationRecord) -> None:
        self.records.append(record)

    @property
    def best_scores(self) -> list[float | None]:
        return [r.best for r in self.records]

    def to_json(self, path: str | os.PathLike) -> None:
        _write_json_atomically(path, [r.to_dict() for r in self.records])


class ConsoleLog(GenerationCallback):
    """Prints one line per generation (best, mean, size), with `*` when the best improved."""

    def __init__(self, file: TextIO | None = None) -> None:
        self.file = file
        self._shown: float | None = None
        super().__init__()

    def on_generation(self, record: GenerationRecord) -> None:
        improved = record.best is not None and record.best != self._shown
        self._shown = record.best
        best = "-" if record.best is None else f"{record.best:.6g}"
        mean = "-" if record.mean is None else f"{record.mean:.6g}"
        line = (f"gen {record.generation:4d}  best {best:>12} {'*' if improved else ' '} "
                f"mean {mean:>12}  n {len(record.scores)}  {record.time:7.1f}s"
                + ("  target reached" if record.hit else ""))
        print(line, file=self.file or sys.stdout, flush=True)


class Checkpoint:
    """Writes the best tweaks so far to `path` as JSON (an id -> value object) after each
    improving trial; written to a temporary file first, so a reader never sees half a file."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = os.fspath(path)
        self.direction = Direction.MAXIMIZE
        self._best: float | None = None

    def bind(self, generations: Generations, direction: str, target: float | None) -> None:
        self.direction, self._best = Direction(direction), None

    def __call__(self, study: Study, trial: FrozenTrial) -> None:
        if trial.state != TrialState.COMPLETE or not math.isfinite(trial.values[0]):
            return
        score = trial.values[0]
        if self._best is None or self.direction.better(score, self._best):
            self._best = score
            _write_json_atomically(self.path, trial.params)


def _write_json_atomically(path: str | os.PathLike, data: Any) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".checkpoint-", suffix=".json")
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh, indent=1)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
