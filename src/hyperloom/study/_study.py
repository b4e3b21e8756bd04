"""Study: a set of trials in a storage, proposed by a sampler and pruned by a pruner."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ..objectives import Direction
from ..pruners import BasePruner
from ..samplers import BaseSampler
from ..space import Distribution, SearchSpace
from ..storage import BaseStorage, FrozenTrial, TrialState
from ._artifacts import ArtifactStore
from ._ask import ask_trial, fail_stale
from ._context import Heartbeat, Retries, TrialContext
from ._options import store_space
from ._pareto import best_single, pareto_front
from ._running import RunningTrials
from ._tell import tell
from ._trial import Trial
from ._view import StudyReadView


class Study:
    """Use `create_study` / `load_study` rather than this constructor."""

    def __init__(self, storage: BaseStorage, study_id: int, study_name: str,
                 directions: Sequence[str], sampler: BaseSampler, pruner: BasePruner,
                 space: SearchSpace | None = None, heartbeat: Heartbeat | None = None,
                 retry_failed: int = 0) -> None:
        self.study_name = study_name
        self.directions = [Direction(d) for d in directions]
        running = RunningTrials(storage, study_id)
        self._ctx = TrialContext(
            storage=storage, study_id=study_id, directions=self.directions,
            view=StudyReadView(storage, study_id, study_name, self.directions, space, running),
            sampler=sampler, pruner=pruner, running=running,
            artifacts=ArtifactStore(storage, study_name), heartbeat=heartbeat,
            retries=Retries(retry_failed) if retry_failed else None)
        self._stop = threading.Event()

    def __repr__(self) -> str:
        return f"Study(name={self.study_name!r}, directions={self.directions})"

    # -- properties ---------------------------------------------------------------------------
    @property
    def sampler(self) -> BaseSampler:
        return self._ctx.sampler

    @sampler.setter
    def sampler(self, value: BaseSampler) -> None:
        self._ctx.sampler = value

    @property
    def pruner(self) -> BasePruner:
        return self._ctx.pruner

    @pruner.setter
    def pruner(self, value: BasePruner) -> None:
        self._ctx.pruner = value

    @property
    def space(self) -> SearchSpace | None:
        """The static search space, sampled at `ask()`; stored with the study."""
        return self._ctx.view.space

    @space.setter
    def space(self, value: SearchSpace | dict | None) -> None:
        if value is not None and not isinstance(value, SearchSpace):
            value = SearchSpace(value)
        if value != self._ctx.view.space:
            store_space(self._ctx.storage, self._ctx.study_id, value)
        self._ctx.view.space = value

    @property
    def heartbeat_interval(self) -> float | None:
        """Seconds between beats of running trials (None: no heartbeat); stored with the study."""
        return None if self._ctx.heartbeat is None else self._ctx.heartbeat.interval

    @heartbeat_interval.setter
    def heartbeat_interval(self, value: float | None) -> None:
        self._ctx.heartbeat = None if value is None else Heartbeat(value, self.grace_period)

    @property
    def grace_period(self) -> float | None:
        return None if self._ctx.heartbeat is None else self._ctx.heartbeat.grace

    @grace_period.setter
    def grace_period(self, value: float | None) -> None:
        if self._ctx.heartbeat is not None:
            self._ctx.heartbeat = Heartbeat(self._ctx.heartbeat.interval, value)

    @property
    def retry_failed(self) -> int:
        """How many times a trial whose worker died runs again (0: never); stored."""
        return 0 if self._ctx.retries is None else self._ctx.retries.limit

    @property
    def direction(self) -> Direction:
        if len(self.directions) != 1:
            raise RuntimeError("this study has several objectives; use `directions`")
        return self.directions[0]

    @property
    def storage(self) -> BaseStorage:
        return self._ctx.storage

    @property
    def study_id(self) -> int:
        """The study's id in its storage."""
        return self._ctx.study_id

    @property
    def trials(self) -> list[FrozenTrial]:
        """All trials in number order (read-only snapshots). The ones running in this process
        show every param suggested so far, stored or not yet."""
        return self.get_trials()

    def get_trials(self, states: Iterable[TrialState] | None = None) -> list[FrozenTrial]:
        return self._ctx.view.get_trials(states)

    @property
    def best_trial(self) -> FrozenTrial:
        """The best COMPLETE trial (feasible ones first, when constraints are set)."""
        if len(self.directions) != 1:
            raise RuntimeError("best_trial is for single-objective studies; use best_trials "
                               "(the Pareto front)")
        best = best_single(self.get_trials((TrialState.COMPLETE,)), self.directions[0])
        if best is None:
            raise ValueError(f"study {self.study_name!r} has no completed trial yet")
        return best

    @property
    def best_trials(self) -> list[FrozenTrial]:
        """The Pareto front of COMPLETE trials (feasible ones first)."""
        return pareto_front(self.get_trials((TrialState.COMPLETE,)), self.directions)

    @property
    def best_params(self) -> dict[str, Any]:
        return self.best_trial.external_params

    @property
    def best_value(self) -> float:
        return self.best_trial.value  # type: ignore[return-value]

    @property
    def user_attrs(self) -> dict[str, Any]:
        return self._ctx.storage.get_study_attrs(self._ctx.study_id)

    @property
    def system_attrs(self) -> dict[str, Any]:
        return self._ctx.storage.get_study_attrs(self._ctx.study_id, system=True)

    def set_user_attr(self, key: str, value: Any) -> None:
        self._ctx.storage.set_study_attr(self._ctx.study_id, key, value)

    def trials_dataframe(self, attrs: Sequence[str] | None = None) -> Any:
        """A pandas DataFrame with one row per trial (needs pandas)."""
        from ._dataframe import trials_dataframe

        return trials_dataframe(self, attrs)

    # -- ask / tell ---------------------------------------------------------------------------
    def enqueue_trial(self, params: dict[str, Any], user_attrs: dict[str, Any] | None = None,
                      skip_if_exists: bool = False) -> None:
        """Queue fixed params for a coming trial (the sampler fills any others)."""
        if not isinstance(params, dict):
            raise TypeError(f"enqueue_trial: `params` must be a dict, got {type(params).__name__}")
        if self.space is not None:
            for name, value in params.items():
                if name in self.space and not self.space[name].contains(value):
                    raise ValueError(f"enqueue_trial: parameter {name!r}: {value!r} is not a "
                                     f"value of {self.space[name]!r}")
        if skip_if_exists and any(t.system_attrs.get("fixed_params") == params
                                  for t in self.trials):
            return
        system = {"fixed_params": params}
        if user_attrs:
            system["enqueued_user_attrs"] = user_attrs
        self._ctx.storage.create_trial(self._ctx.study_id, state=TrialState.WAITING,
                                       system_attrs=system)

    def ask(self, fixed_distributions: dict[str, Distribution] | None = None) -> Trial:
        """Start a new trial. With a static space, or `fixed_distributions`, its params are
        sampled now; otherwise they are sampled as the objective suggests them."""
        return ask_trial(self._ctx, fixed_distributions)

    def fail_stale_trials(self) -> list[int]:
        """Mark FAILED the RUNNING trials whose worker stopped beating for the grace period
        (killed, or its machine gone); returns their numbers. Needs `heartbeat_interval`."""
        if self._ctx.heartbeat is None:
            raise ValueError("fail_stale_trials: this study has no heartbeat; pass "
                             "heartbeat_interval=... to create_study or load_study")
        return fail_stale(self._ctx)

    def tell(self, trial: Trial | int, values: float | Sequence[float] | None = None,
             state: TrialState | None = None, *, skip_if_finished: bool = False) -> FrozenTrial:
        """Finish a trial: COMPLETE with its value(s), or PRUNED / FAILED. NaN, inf or a wrong
        number of values give FAILED with a warning. A trial is finished once only."""
        if isinstance(trial, int):
            trial = self._trial_by_number(trial)
        return tell(self._ctx, trial, values, state, skip_if_finished=skip_if_finished)

    def _trial_by_number(self, number: int) -> Trial:
        running = self._ctx.running.by_number(number)
        if running is not None:
            return running
        for ft in self.trials:
            if ft.number == number:
                trial = Trial(self._ctx, ft.trial_id, ft.number)
                trial.params, trial.distributions = dict(ft.params), dict(ft.distributions)
                return trial
        raise ValueError(f"study {self.study_name!r} has no trial number {number}")

    # -- optimize -----------------------------------------------------------------------------
    def optimize(self, objective: Callable[[Trial], Any], n_trials: int | None = None,
                 timeout: float | None = None, n_jobs: int = 1,
                 callbacks: Sequence[Callable[[Study, FrozenTrial], None]] = (),
                 catch: Iterable[type[BaseException]] | type[BaseException] = (),
                 show_progress_bar: bool | None = None,
                 space: SearchSpace | dict | None = None, deterministic: bool = False,
                 executor: Any = None) -> None:
        """Run trials until `n_trials` are done, `timeout` seconds pass, the sampler runs out
        (a grid), or `study.stop()` is called. See the README for failure handling.

        `n_jobs` trials run at once, by default in worker processes (the objective is sent
        there with cloudpickle); `executor` chooses elsewhere: "threads" (objectives that
        release the GIL or cannot be pickled), "processes", a Dask address
        ("dask://host:8786"), a `hyperloom.execution.DaskExecutor`, or a
        `concurrent.futures.Executor` (see docs/scale.md).

        With `n_jobs > 1` and `deterministic=True`, trials run in batches of `n_jobs` and a
        seeded sampler proposes exactly the same parameters on every run (see
        docs/samplers.md, "Reproducible parallel runs")."""
        from ._optimize import OptimizeRun

        if space is not None:
            self.space = space
        self._stop.clear()
        OptimizeRun(self, self._ctx, self._stop, objective, callbacks=list(callbacks),
                    catch=catch).run(n_trials=n_trials, timeout=timeout, n_jobs=n_jobs,
                                     show_progress_bar=show_progress_bar,
                                     deterministic=deterministic, executor=executor)

    def stop(self) -> None:
        """Ask `optimize` to finish after the running trials."""
        self._stop.set()

    # -- artifacts ----------------------------------------------------------------------------
    def artifact_path(self, trial_number: int, name: str) -> str:
        """Path of a file uploaded with `trial.upload_artifact`."""
        return self._ctx.artifacts.path(trial_number, name)

    @property
    def _view(self) -> Any:
        """The read-only view samplers get (tests hand it to a sampler directly)."""
        return self._ctx.view
