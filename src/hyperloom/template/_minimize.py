"""`minimize`: Hyperas' entry point, as a thin layer over a `Study` on the template's space."""

import ast
import heapq
import inspect
import itertools
import math
import sys
import textwrap
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..samplers import BaseSampler, sampler_by_name
from ..storage import TrialState
from ..study import Study, create_study
from ._compile import compile_model
from ._ensemble import Ensemble
from ._notebook import with_source

ALGOS = ("tpe", "random", "cmaes", "auto", "gp")
KEEP_MODELS = 5


class ModelFailed(Exception):
    """The model returned `status` other than "ok": the trial is FAILED, the run goes on."""


class MinimizeResult(tuple):
    """`(best_run, best_model)` (plus the space with `return_space`), which also carries the
    `study` and the kept `models`: `(loss, trial number, model)`, lowest loss first."""

    study: Study
    models: list[tuple[float, int, Any]]


class BestModels:
    """The models of the `k` lowest-loss trials, in memory: a max-heap on loss of size k, so
    a new model is kept only if it beats the worst one kept (which is then dropped)."""

    def __init__(self, k: int) -> None:
        self.k, self._heap, self._lock = k, [], threading.Lock()
        self._order = itertools.count()

    def offer(self, loss: float, number: int, model: Any) -> None:
        if self.k <= 0 or model is None:
            return
        with self._lock:
            heapq.heappush(self._heap, (-loss, -next(self._order), number, model))
            if len(self._heap) > self.k:
                heapq.heappop(self._heap)

    def sorted(self) -> list[tuple[float, int, Any]]:
        """(loss, trial number, model), lowest loss first."""
        with self._lock:
            entries = sorted(self._heap, key=lambda e: (-e[0], -e[1]))
        return [(-neg, number, model) for neg, _, number, model in entries]


def make_sampler(algo: Any, seed: int | None) -> BaseSampler:
    """Our sampler for `algo`: a name, a sampler object, or hyperopt's `tpe.suggest`,
    `rand.suggest` or `anneal.suggest` (TPE, random and TPE: we have no annealing)."""
    if isinstance(algo, BaseSampler):
        return algo
    if callable(algo):
        algo = _hyperopt_name(algo)
    if algo not in ALGOS:
        raise ValueError(f"template.minimize: algo={algo!r} is unknown; give one of "
                         f"{', '.join(map(repr, ALGOS))}, a sampler object or hyperopt's "
                         "tpe.suggest / rand.suggest / anneal.suggest")
    return sampler_by_name(algo, seed=seed)


def _hyperopt_name(algo: Callable[..., Any]) -> Any:
    if "hyperopt" not in sys.modules:  # its functions cannot have been passed otherwise
        return algo
    from hyperopt import anneal, rand, tpe

    return {id(tpe.suggest): "tpe", id(rand.suggest): "random",
            id(anneal.suggest): "tpe"}.get(id(algo), algo)


def minimize(model: Callable[..., Any], data: Callable[..., Any] | None = None,
             algo: Any = "tpe", max_evals: int = 10, trials: Study | None = None,
             seed: int | None = None, data_args: Sequence[Any] | Mapping[str, Any] | None = None,
             functions: Any = None, eval_space: bool = False, return_space: bool = False,
             n_jobs: int = 1, storage: Any = None, study_name: str | None = None,
             notebook_name: str | None = None, keep_temp: str | None = None,
             keep_models: int = KEEP_MODELS, rseed: int | None = None) -> MinimizeResult:
    """Tune the `{{...}}` templates of `model` to minimize its loss; return `(best_run,
    best_model)` (and the space with `return_space=True`).

    `model(*data(*data_args))` returns `{"loss": x, "status": "ok", "model": m}` or a plain
    loss; another status or an exception fails that trial and the run goes on. `best_run`
    holds choice indices (Hyperas' convention) unless `eval_space=True`. `trials=` is a
    `Study` that keeps every trial; `max_evals` counts its finished trials too (resume).
    Models of the `keep_models` best trials are kept in memory (see `BestModels`).
    `functions` is ignored: helpers are found through the model's own globals."""
    model = with_source(model, notebook_name)
    compiled = compile_model(model, keep_temp=keep_temp)
    space = compiled.space
    args, kwargs = _model_arguments(data, data_args, model, notebook_name)
    kept = BestModels(keep_models)
    study = trials if trials is not None else create_study(
        storage=storage, study_name=study_name, load_if_exists=study_name is not None)
    study.sampler = make_sampler(algo, seed if seed is not None else rseed)
    study.space = space

    def objective(trial: Any) -> float:
        loss, fitted = _loss_and_model(compiled.call(dict(trial.params), *args, **kwargs))
        kept.offer(loss, trial.number, fitted)
        return loss

    done = len(study.get_trials(states=(TrialState.COMPLETE, TrialState.FAILED,
                                        TrialState.PRUNED)))
    if max_evals > done:
        # Threads: the fitted models are kept in this process's memory.
        study.optimize(objective, n_trials=max_evals - done, n_jobs=n_jobs, catch=(Exception,),
                       executor="threads")
    if not study.get_trials(states=(TrialState.COMPLETE,)):
        raise ValueError(f"template.minimize: all {max_evals} trials failed; see the warnings "
                         "for each trial's error")
    best = study.best_trial
    models = kept.sorted()
    best_model = next((m for _, number, m in models if number == best.number), None)
    run = compiled.values(best.params) if eval_space else best_run(best)
    result = MinimizeResult((run, best_model)
                            + ((space,) if return_space else ()))
    result.study, result.models = study, models
    return result


def best_run(trial: Any) -> dict[str, Any]:
    """The trial's parameters, each choice as its option index (Hyperas' convention)."""
    run = {}
    for name, value in trial.params.items():
        dist = trial.distributions.get(name)
        if dist is not None and getattr(dist, "kind", None) == "choice":
            run[name] = dist.index(value)
        else:
            run[name] = value
    return run


def best_models(n: int, source: Any, *args: Any, **minimize_options: Any) -> list[Any]:
    """The `n` lowest-loss models, best first, from a `minimize` result, or from a new run
    `minimize(source, *args, **minimize_options)` when `source` is the model function."""
    result = _result(n, source, args, minimize_options)
    return [m for _, _, m in result.models[:n]]


def best_ensemble(n: int, source: Any, *args: Any, voting: str = "hard",
                  weights: Sequence[float] | None = None, **minimize_options: Any) -> Ensemble:
    """An `Ensemble` (predict, predict_proba) of the `n` lowest-loss models; `source` as for
    `best_models`. Hard voting is a weighted majority, soft a weighted mean probability."""
    return Ensemble(best_models(n, source, *args, **minimize_options), voting, weights)


def _result(n: int, source: Any, args: tuple, options: dict[str, Any]) -> MinimizeResult:
    if isinstance(source, MinimizeResult):
        if n > len(source.models):
            raise ValueError(f"template: {n} models asked but {len(source.models)} kept; run "
                             f"minimize with keep_models={n} or more, and return the fitted "
                             "model as the 'model' of the model's result dict")
        return source
    options["keep_models"] = max(n, options.get("keep_models", KEEP_MODELS))
    return minimize(source, *args, **options)


def _loss_and_model(out: Any) -> tuple[float, Any]:
    if isinstance(out, Mapping):
        status = out.get("status", "ok")
        if status != "ok":
            raise ModelFailed(f"the model returned status {status!r}")
        if "loss" not in out:
            raise ModelFailed("the model returned a dict without 'loss'; return "
                              "{'loss': x, 'status': 'ok', 'model': m} or a number")
        return float(out["loss"]), out.get("model")
    loss = float(out)
    if math.isnan(loss):
        raise ModelFailed("the model returned a NaN loss")
    return loss, None


def _model_arguments(data: Callable[..., Any] | None, data_args: Any, model: Callable[..., Any],
                     notebook_name: str | None) -> tuple[tuple, dict[str, Any]]:
    """What `model` is called with: `data(*data_args)` (or `data(**data_args)`) unpacked by
    name when `data` returns a dict or a tuple of variables named like the model's
    parameters, by position otherwise."""
    if data is None:
        return (), {}
    out = data(**data_args) if isinstance(data_args, Mapping) else data(*(data_args or ()))
    if isinstance(out, Mapping):
        return (), dict(out)
    if not isinstance(out, tuple):
        return (out,), {}
    names = _returned_names(data, notebook_name)
    params = list(inspect.signature(model).parameters)
    if names and len(names) == len(out) and set(names) == set(params) and names != params:
        return (), dict(zip(names, out))
    return out, {}


def _returned_names(data: Callable[..., Any], notebook_name: str | None) -> list[str] | None:
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(with_source(data, notebook_name))))
    except (OSError, TypeError, ValueError, SyntaxError):
        return None
    returns = [n for n in ast.walk(tree) if isinstance(n, ast.Return)]
    if not returns or not isinstance(returns[-1].value, ast.Tuple):
        return None
    elts = returns[-1].value.elts
    return [e.id for e in elts] if all(isinstance(e, ast.Name) for e in elts) else None
