"""`optimize`: tune a graph's tweaks with a `Study`. A thin layer: the graph gives the search
space, the study gives storage, resume, samplers, parallel trials and pruning."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..objectives import Direction
from ..pruners import BasePruner
from ..samplers import BaseSampler, sampler_by_name
from ..storage import FrozenTrial, TrialState
from ..study import Study, Trial, create_study
from ._callbacks import Generations

ALGOS = ("genetic", "tpe", "random", "cmaes", "auto")


def optimize(graph: Any, objective: Callable[..., float], algo: str | BaseSampler | None = None,
             *, n_trials: int | None = None, generations: int | None = None,
             callbacks: Sequence[Callable[[Study, FrozenTrial], None]] = (),
             target_score: float | None = None, seed: int | None = None, n_jobs: int = 1,
             storage: Any = None, study_name: str | None = None,
             inputs: Mapping[str, Any] | None = None, return_study: bool = False,
             study: Study | None = None, direction: str = "maximize",
             pruner: BasePruner | None = None, timeout: float | None = None,
             population_size: int = 10, lambda_: int = 2,
             mutation_prob: float | tuple[float, float] | None = None,
             elitism: int = 1) -> Any:
    """Tune `graph`'s tweaks to maximize (by default) what `objective` returns; return the best
    tweaks, a dict of tweak id -> value (with `return_study=True`, `(best, study)`).

    `objective(tweaks)` runs the graph itself; with `inputs=`, the graph is run with those
    inputs and `objective(output)` gets its result. An objective taking a second argument
    also gets the `Trial` (to `report` and `should_prune`). `generations=G` runs
    `population_size + G * population_size * lambda_` objective calls in all. A raising
    objective is a FAILED trial (with a warning) and the run goes on. See docs/graph.md.
    """
    blocks = Generations(population_size, lambda_)
    study = _open_study(graph, algo, study, seed=seed, storage=storage, study_name=study_name,
                        direction=direction, pruner=pruner, blocks=blocks,
                        mutation_prob=mutation_prob, elitism=elitism)
    count = _trial_count(study, n_trials, generations, blocks, timeout)
    run_callbacks = _bind(list(callbacks), study, blocks, target_score)
    try:
        study.optimize(_GraphObjective(graph, objective, inputs), n_trials=count, timeout=timeout,
                       n_jobs=n_jobs, callbacks=run_callbacks, catch=(Exception,),
                       deterministic=n_jobs > 1 and seed is not None)
    finally:
        for callback in run_callbacks:
            getattr(callback, "finish", lambda: None)()
    best = _best_tweaks(study)
    return (best, study) if return_study else best


def make_sampler(algo: str | BaseSampler, *, seed: int | None = None,
                 population_size: int = 10, lambda_: int = 2,
                 mutation_prob: float | tuple[float, float] | None = None,
                 elitism: int = 1) -> BaseSampler:
    """The sampler that `algo` names ("genetic", "tpe", "random", "cmaes", "auto"), or `algo`
    itself when it is a sampler already."""
    if not isinstance(algo, BaseSampler) and algo not in ALGOS:
        raise ValueError(f"graph.optimize: algo={algo!r} is unknown; give one of "
                         f"{', '.join(map(repr, ALGOS))} or a sampler object")
    options = dict(population_size=population_size, lambda_=lambda_,
                   mutation_prob=mutation_prob, elitism=elitism) if algo == "genetic" else {}
    return sampler_by_name(algo, seed=seed, **options)


class _GraphObjective:
    """The study's objective: the trial's tweaks (or the graph's output for `inputs`) to the
    user's function, plus the trial when that function takes a second argument."""

    def __init__(self, graph: Any, objective: Callable[..., float],
                 inputs: Mapping[str, Any] | None) -> None:
        self.graph, self.objective, self.inputs = graph, objective, inputs
        self.wants_trial = _takes_two_arguments(objective)

    def __call__(self, trial: Trial) -> float:
        tweaks = _external(trial)
        argument = tweaks if self.inputs is None else _run_graph(self.graph, tweaks, self.inputs)
        if self.wants_trial:
            return self.objective(argument, trial)
        return self.objective(argument)


def _external(trial: Trial) -> dict[str, Any]:
    """The trial's values as user code sees them (classes for import paths)."""
    return {n: trial.distributions[n].to_external(v) if n in trial.distributions else v
            for n, v in trial.params.items()}


def _run_graph(graph: Any, tweaks: dict[str, Any], inputs: Mapping[str, Any]) -> Any:
    from ._run import run

    return run(graph, tweaks=tweaks, **inputs)


def _takes_two_arguments(fn: Callable[..., Any]) -> bool:
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return False
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2 or any(p.kind == p.VAR_POSITIONAL for p in params)


def _open_study(graph: Any, algo: str | BaseSampler | None, study: Study | None, *,
                seed: int | None, storage: Any, study_name: str | None, direction: str,
                pruner: BasePruner | None, blocks: Generations,
                mutation_prob: Any, elitism: int) -> Study:
    """The given study (its sampler replaced only when `algo` is given), or a new one; a named
    study in a storage is resumed."""
    sampler = None if algo is None and study is not None else make_sampler(
        "genetic" if algo is None else algo, seed=seed, population_size=blocks.population_size,
        lambda_=blocks.lambda_, mutation_prob=mutation_prob, elitism=elitism)
    space = graph.search_space()
    if study is not None:
        if storage is not None or study_name is not None:
            raise ValueError("graph.optimize: give either `study=` or `storage=`/`study_name=`, "
                             "not both (the study already has its storage and name)")
        if sampler is not None:
            study.sampler = sampler
        study.space = space
        return study
    return create_study(storage=storage, study_name=study_name, direction=direction,
                        sampler=sampler, pruner=pruner, space=space,
                        load_if_exists=study_name is not None)


def _trial_count(study: Study, n_trials: int | None, generations: int | None,
                 blocks: Generations, timeout: float | None) -> int | None:
    """Trials to run now: `n_trials`, or what is left of `generations` (a resumed study has
    run some already)."""
    if n_trials is not None and generations is not None:
        raise ValueError("graph.optimize: give `n_trials` or `generations`, not both")
    if generations is not None:
        if generations < 0:
            raise ValueError(f"graph.optimize: generations must be >= 0, got {generations}")
        return max(0, blocks.n_trials(generations) - len(study.trials))
    if n_trials is None and timeout is None:
        raise ValueError("graph.optimize: give `n_trials`, `generations` or `timeout`, or the "
                         "run would never end")
    return n_trials


def _bind(callbacks: list[Any], study: Study, blocks: Generations,
          target: float | None) -> list[Any]:
    """Tell generation-aware callbacks about this run; add the target-score stop last, so the
    others see the trial that reached it."""
    direction = str(study.direction)
    for callback in callbacks:
        if hasattr(callback, "bind"):
            callback.bind(blocks, direction, target)
    if target is not None:
        callbacks.append(_StopAtTarget(target, direction))
    return callbacks


class _StopAtTarget:
    """Stops the study as soon as a completed trial scores `target` or better."""

    def __init__(self, target: float, direction: str) -> None:
        self.target, self.direction = target, Direction(direction)

    def __call__(self, study: Study, trial: FrozenTrial) -> None:
        if trial.state != TrialState.COMPLETE:
            return
        score = trial.values[0]
        if score == self.target or self.direction.better(score, self.target):
            study.stop()


def _best_tweaks(study: Study) -> dict[str, Any]:
    if not study.get_trials((TrialState.COMPLETE,)):
        raise RuntimeError(f"graph.optimize: no trial of study {study.study_name!r} completed; "
                           "every objective call failed or was pruned (see the warnings)")
    return study.best_params
