"""Study: a set of trials in a storage, proposed by a sampler and pruned by a pruner."""

from __future__ import annotations

import math
import uuid
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ..pruners import BasePruner, MedianPruner
from ..samplers import BaseSampler
from ..space import Distribution, SearchSpace
from ..storage import (
    BaseStorage,
    FrozenTrial,
    StorageError,
    TrialFinishedError,
    TrialState,
    check_study_name,
    get_storage,
)
from ..storage import DuplicatedStudyError, StudyNotFoundError
from ._artifacts import ArtifactStore
from ._heartbeat import beater_for, default_grace
from ._pareto import best_single, pareto_front
from ._trial import Trial
from ._view import StudyReadView

_DIRECTIONS = ("minimize", "maximize")


class Study:
    """Use `create_study` / `load_study` rather than this constructor."""

    def __init__(self, storage: BaseStorage, study_id: int, study_name: str,
                 directions: list[str], sampler: BaseSampler, pruner: BasePruner,
                 space: SearchSpace | None = None) -> None:
        self._storage = storage
        self._study_id = study_id
        self.study_name = study_name
        self.directions = list(directions)
        self.sampler = sampler
        self.pruner = pruner
        self._view = StudyReadView(storage, study_id, study_name, self.directions, space)
        # Where writes cost nothing, make running trials' params visible at once.
        self._writes_through = storage.cheap_writes
        self._artifacts = ArtifactStore(self)
        self._stop_requested = False
        self._running: dict[int, Trial] = {}
        self.heartbeat_interval: float | None = None
        self.grace_period: float | None = None
        self._beater: Any = None  # how running trials beat, chosen at the first ask()

    def __repr__(self) -> str:
        return f"Study(name={self.study_name!r}, directions={self.directions})"

    # -- properties ---------------------------------------------------------------------------
    @property
    def space(self) -> SearchSpace | None:
        return self._view.space

    @space.setter
    def space(self, value: SearchSpace | dict | None) -> None:
        if value is not None and not isinstance(value, SearchSpace):
            value = SearchSpace(value)
        self._view.space = value

    @property
    def direction(self) -> str:
        if len(self.directions) != 1:
            raise RuntimeError("this study has several objectives; use `directions`")
        return self.directions[0]

    @property
    def storage(self) -> BaseStorage:
        return self._storage

    @property
    def trials(self) -> list[FrozenTrial]:
        """All trials in number order (read-only snapshots)."""
        return self._storage.get_trials(self._study_id)

    def get_trials(self, states: Iterable[TrialState] | None = None) -> list[FrozenTrial]:
        return self._storage.get_trials(self._study_id, states)

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
        return self._storage.get_study_attrs(self._study_id)

    @property
    def system_attrs(self) -> dict[str, Any]:
        return self._storage.get_study_attrs(self._study_id, system=True)

    def set_user_attr(self, key: str, value: Any) -> None:
        self._storage.set_study_attr(self._study_id, key, value)

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
        self._storage.create_trial(self._study_id, state=TrialState.WAITING, system_attrs=system)

    def ask(self, fixed_distributions: dict[str, Distribution] | None = None) -> Trial:
        """Start a new trial. With a static space, or `fixed_distributions`, its params are
        sampled now; otherwise they are sampled as the objective suggests them."""
        if self.heartbeat_interval is not None:
            self.fail_stale_trials()
        waiting = self._storage.pop_waiting_trial(self._study_id)
        if waiting is not None:
            fixed = waiting.system_attrs.get("fixed_params", {})
            trial = Trial(self, waiting.trial_id, waiting.number, fixed)
            for key, value in waiting.system_attrs.get("enqueued_user_attrs", {}).items():
                trial.set_user_attr(key, value)
        else:
            fixed = self.sampler.claim_params(self._view)
            system = {"fixed_params": fixed} if fixed else None
            trial_id, number = self._storage.create_trial(self._study_id, system_attrs=system)
            trial = Trial(self, trial_id, number, fixed)
        self._running[trial.trial_id] = trial
        if self.heartbeat_interval is not None:
            self._storage.record_heartbeat(trial.trial_id)
            self._beats().add(trial.trial_id, self._study_id)
        if self.space is not None:
            trial._suggest_space(self.space)
        for name, dist in (fixed_distributions or {}).items():
            trial.suggest(name, dist)
        return trial

    def fail_stale_trials(self) -> list[int]:
        """Mark FAILED the RUNNING trials whose worker stopped beating for the grace period
        (killed, or its machine gone); returns their numbers. Needs `heartbeat_interval`."""
        if self.heartbeat_interval is None:
            raise ValueError("fail_stale_trials: this study has no heartbeat; pass "
                             "heartbeat_interval=... to create_study or load_study")
        grace = self.grace_period or default_grace(self.heartbeat_interval)
        return self._storage.fail_stale_trials(self._study_id, grace)

    def _beats(self) -> Any:
        if self._beater is None:
            self._beater = beater_for(self)
        return self._beater

    def _flush_params(self, trial: Trial) -> None:
        pending = trial._unsaved
        if pending:
            self._storage.set_trial_params(trial.trial_id, dict(pending),
                                           {n: trial.distributions[n] for n in pending})
            pending.clear()

    def tell(self, trial: Trial | int, values: float | Sequence[float] | None = None,
             state: TrialState | None = None, *, skip_if_finished: bool = False) -> FrozenTrial:
        """Finish a trial: COMPLETE with its value(s), or PRUNED / FAILED. NaN, inf or a wrong
        number of values give FAILED with a warning. A trial is finished once only."""
        if isinstance(trial, int):
            trial = self._trial_by_number(trial)
        if state is None:
            if values is None:
                raise ValueError("tell: give the objective value(s), or a state "
                                 "(TrialState.PRUNED / TrialState.FAILED)")
            state = TrialState.COMPLETE
        if not isinstance(state, TrialState) or not state.is_finished():
            raise ValueError(f"tell: state must be COMPLETE, PRUNED or FAILED, got {state!r}")
        system: dict[str, Any] = {}
        vals: list[float] | None = None
        if state == TrialState.COMPLETE:
            vals, problem = self._check_values(values)
            if problem:
                warnings.warn(f"trial {trial.number} failed: {problem}", stacklevel=2)
                state, vals, system["fail_reason"] = TrialState.FAILED, None, problem
        elif values is not None and state == TrialState.FAILED:
            vals = None
        return self._finish(trial, state, vals, system, skip_if_finished)

    def _finish(self, trial: Trial, state: TrialState, values: list[float] | None,
                system: dict[str, Any], skip_if_finished: bool = False) -> FrozenTrial:
        pending = trial._unsaved
        try:
            frozen = self._storage.finish_trial(
                trial.trial_id, state, values,
                params=dict(trial.params) if pending else None,
                distributions=dict(trial.distributions) if pending else None,
                system_attrs=system or None)
        except TrialFinishedError:
            stored = self._storage.get_trial(trial.trial_id)
            finished_by_us = trial._finished
            self._forget(trial)
            if not finished_by_us and state == TrialState.COMPLETE and _failed_as_dead(stored):
                return self._keep_late_result(trial, values, stored)
            if skip_if_finished:
                return stored
            raise
        pending.clear()
        self._forget(trial)
        self.sampler.after_trial(self._view, frozen)
        return frozen

    def _forget(self, trial: Trial) -> None:
        """`trial` is finished: this process no longer runs it, nor beats for it."""
        trial._finished = True
        self._running.pop(trial.trial_id, None)
        if self._beater is not None:
            self._beater.remove(trial.trial_id)

    def _keep_late_result(self, trial: Trial, values: list[float] | None,
                          failed: FrozenTrial) -> FrozenTrial:
        """`failed` was marked FAILED by another worker while its own worker was alive after
        all (paused past the grace period): its result becomes a new COMPLETE trial with the
        same params, attributes and intermediate values, marked `late_result_of`."""
        system = {k: v for k, v in failed.system_attrs.items() if k != "fail_reason"}
        system.update(trial._unstored_system)
        trial_id, number = self._storage.create_trial(
            self._study_id, params=dict(trial.params), distributions=dict(trial.distributions),
            system_attrs={**system, "late_result_of": failed.number})
        for step, value in {**failed.intermediate_values, **trial.intermediate_values}.items():
            self._storage.set_trial_intermediate_value(trial_id, step, value)
        for key, value in {**failed.user_attrs, **trial.user_attrs}.items():
            self._storage.set_trial_attr(trial_id, key, value)
        frozen = self._storage.finish_trial(trial_id, TrialState.COMPLETE, values)
        reason = failed.system_attrs.get("fail_reason")
        warnings.warn(f"trial {failed.number} was marked FAILED ({reason}) while its worker "
                      f"was paused, not dead; its result is kept as trial {number}",
                      stacklevel=4)
        self.sampler.after_trial(self._view, frozen)
        return frozen

    def _check_values(self, values: Any) -> tuple[list[float] | None, str | None]:
        seq = values if isinstance(values, (list, tuple)) else [values]
        if len(seq) != len(self.directions):
            return None, (f"the objective returned {len(seq)} value(s) for a study with "
                          f"{len(self.directions)} objective(s)")
        out = []
        for v in seq:
            f, problem = _as_float(v)
            if problem:
                return None, problem
            out.append(f)
        return out, None

    def _trial_by_number(self, number: int) -> Trial:
        for t in self._running.values():
            if t.number == number:
                return t
        for ft in self.trials:
            if ft.number == number:
                trial = Trial(self, ft.trial_id, ft.number)
                trial.params, trial.distributions = dict(ft.params), dict(ft.distributions)
                return trial
        raise ValueError(f"study {self.study_name!r} has no trial number {number}")

    # -- optimize -----------------------------------------------------------------------------
    def optimize(self, objective: Callable[[Trial], Any], n_trials: int | None = None,
                 timeout: float | None = None, n_jobs: int = 1,
                 callbacks: Sequence[Callable[[Study, FrozenTrial], None]] = (),
                 catch: Iterable[type[BaseException]] | type[BaseException] = (),
                 show_progress_bar: bool | None = None,
                 space: SearchSpace | dict | None = None, deterministic: bool = False) -> None:
        """Run trials until `n_trials` are done, `timeout` seconds pass, the sampler runs out
        (a grid), or `study.stop()` is called. See the README for failure handling.

        With `n_jobs > 1` and `deterministic=True`, trials run in batches of `n_jobs` and a
        seeded sampler proposes exactly the same parameters on every run (see
        docs/samplers.md, "Reproducible parallel runs")."""
        from ._optimize import run_optimize

        if space is not None:
            self.space = space
        run_optimize(self, objective, n_trials=n_trials, timeout=timeout, n_jobs=n_jobs,
                     callbacks=list(callbacks), catch=catch,
                     show_progress_bar=show_progress_bar, deterministic=deterministic)

    def stop(self) -> None:
        """Ask `optimize` to finish after the running trials."""
        self._stop_requested = True

    # -- artifacts ----------------------------------------------------------------------------
    def artifact_path(self, trial_number: int, name: str) -> str:
        """Path of a file uploaded with `trial.upload_artifact`."""
        return self._artifacts.path(trial_number, name)


def _failed_as_dead(trial: FrozenTrial) -> bool:
    """True when another worker failed `trial` because its heartbeat had stopped."""
    return trial.state == TrialState.FAILED and \
        trial.system_attrs.get("fail_reason") == "heartbeat stopped"


def _as_float(value: Any) -> tuple[float, str | None]:
    """`value` as a finite float, or why it is not one. Never raises: a value that cannot
    become a float must fail its trial, not escape `optimize` and leave the trial RUNNING."""
    try:
        f = float(value)
    except (TypeError, ValueError):
        return math.nan, f"the objective returned {_short_repr(value)}, which is not a number"
    except OverflowError:
        return math.nan, (f"the objective returned {_short_repr(value)}, which is too large "
                          "for a float")
    except Exception as exc:  # noqa: BLE001 - any error of a user's __float__
        return math.nan, (f"the objective returned {_short_repr(value)}, whose conversion to "
                          f"float raised {type(exc).__name__}: {exc}")
    if not math.isfinite(f):
        return f, f"the objective returned {f}, which is not finite"
    return f, None


def _short_repr(value: Any) -> str:
    """A repr short enough for a warning (an int of 400 digits, or a repr that raises)."""
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a broken __repr__ must not hide the real problem
        return f"a {type(value).__name__}"
    return text if len(text) <= 60 else f"{text[:40]}...{text[-12:]} ({type(value).__name__})"


def _check_directions(direction: str | None, directions: Sequence[str] | None) -> list[str]:
    if direction is not None and directions is not None:
        raise ValueError("give either `direction` or `directions`, not both")
    dirs = [direction or "minimize"] if directions is None else list(directions)
    if not dirs:
        raise ValueError("`directions` must not be empty")
    for d in dirs:
        if d not in _DIRECTIONS:
            raise ValueError(f"direction must be 'minimize' or 'maximize', got {d!r}")
    return dirs


def _default_sampler(seed: int | None = None) -> BaseSampler:
    from ..samplers import AutoSampler

    return AutoSampler(seed=seed)


def create_study(*, storage: str | BaseStorage | None = None,
                 sampler: BaseSampler | None = None, pruner: BasePruner | None = None,
                 study_name: str | None = None, direction: str | None = None,
                 directions: Sequence[str] | None = None, load_if_exists: bool = False,
                 space: SearchSpace | dict | None = None,
                 heartbeat_interval: float | None = None,
                 grace_period: float | None = None) -> Study:
    """Create a study (or resume it with `load_if_exists=True`).

    storage: None (in memory), a URL such as "sqlite:///hyperloom.db" or
    "postgresql+psycopg://user@host/db", or a storage object.
    heartbeat_interval: seconds between beats of running trials (from `ask()` until the
    trial is told, so ask/tell loops beat too); with it, a trial whose worker stopped beating
    for `grace_period` (default: 10 intervals, at least 60 s) is marked FAILED by any other
    worker of the study. A result that comes back for such a trial is kept as a new COMPLETE
    trial (system attr `late_result_of`), with a warning.
    """
    _check_heartbeat(heartbeat_interval, grace_period)
    dirs = _check_directions(direction, directions)
    name = f"study-{uuid.uuid4().hex[:8]}" if study_name is None \
        else check_study_name(study_name)
    store = get_storage(storage)
    try:
        study_id = store.create_study(name, dirs)
    except DuplicatedStudyError:
        if not load_if_exists:
            raise
        study_id = store.get_study_id(name)
        stored = store.get_study_directions(study_id)
        if stored != dirs:
            raise ValueError(f"study {name!r} exists with directions {stored}, not {dirs}; "
                             "pass the same directions or another study_name") from None
    study = Study(store, study_id, name, dirs, sampler or _default_sampler(),
                  pruner if pruner is not None else MedianPruner())
    if space is not None:
        study.space = space
    study.heartbeat_interval, study.grace_period = heartbeat_interval, grace_period
    return study


def _check_heartbeat(interval: float | None, grace: float | None) -> None:
    if interval is not None and interval <= 0:
        raise ValueError(f"heartbeat_interval must be > 0 seconds, got {interval!r}")
    if grace is not None and (interval is None or grace <= interval):
        raise ValueError("grace_period needs heartbeat_interval and must exceed it")


def load_study(*, study_name: str | None = None, storage: str | BaseStorage,
               sampler: BaseSampler | None = None, pruner: BasePruner | None = None,
               heartbeat_interval: float | None = None,
               grace_period: float | None = None) -> Study:
    """Open an existing study. `study_name` may be left out when the storage holds only one."""
    _check_heartbeat(heartbeat_interval, grace_period)
    store = get_storage(storage)
    if study_name is None:
        names = [s.name for s in store.list_studies()]
        if len(names) != 1:
            raise ValueError(f"the storage holds {len(names)} studies {names}; "
                             "pass study_name")
        study_name = names[0]
    study_id = store.get_study_id(study_name)
    study = Study(store, study_id, study_name, store.get_study_directions(study_id),
                  sampler or _default_sampler(), pruner if pruner is not None else MedianPruner())
    study.heartbeat_interval, study.grace_period = heartbeat_interval, grace_period
    return study


def delete_study(*, study_name: str, storage: str | BaseStorage) -> None:
    store = get_storage(storage)
    store.delete_study(store.get_study_id(study_name))


def get_all_study_summaries(storage: str | BaseStorage) -> list:
    return get_storage(storage).list_studies()


__all__ = ["Study", "create_study", "delete_study", "get_all_study_summaries", "load_study",
           "StorageError", "StudyNotFoundError"]
