"""Optuna's Study, as a thin wrapper over ours: what differs is translated (trials as
Optuna-style records, states with Optuna's names, `n_jobs` on threads as in Optuna,
`constraints_func` of the sampler applied, hand-made trials added), everything else is our
study's own attribute (`study.stop()`, `study.enqueue_trial(...)`, `study.best_params`...)."""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from hyperloom.compat import check_record, record_from_optuna, write_trials
from hyperloom.space import from_optuna_distribution
from hyperloom.storage import TrialState as _OurState
from hyperloom.study import Study as _OurStudy
from hyperloom.study import Trial as _OurTrial
from hyperloom.study import TrialPruned

from ._dataframe import DEFAULT_ATTRS, trials_dataframe
from ._frozen import FrozenTrial, from_ours
from ._options import constraints_funcs
from ._state import TrialState, ours, ours_all
from ._trial import Trial


class Study:
    """`optuna.study.Study` over a hyperloom Study (`study.hyperloom` is ours)."""

    def __init__(self, study: _OurStudy) -> None:
        self.hyperloom = study

    def __getattr__(self, name: str) -> Any:
        return getattr(self.hyperloom, name)

    def __repr__(self) -> str:
        return f"Study(name={self.study_name!r}, directions={self.directions})"

    @property
    def sampler(self) -> Any:
        return self.hyperloom.sampler

    @sampler.setter
    def sampler(self, value: Any) -> None:
        self.hyperloom.sampler = value

    @property
    def pruner(self) -> Any:
        return self.hyperloom.pruner

    @pruner.setter
    def pruner(self, value: Any) -> None:
        self.hyperloom.pruner = value

    @property
    def _storage(self) -> Any:  # scripts written against Optuna's internals read these
        return self.hyperloom.storage

    @property
    def _study_id(self) -> int:
        return self.hyperloom.study_id

    # -- trials -------------------------------------------------------------------------------
    @property
    def trials(self) -> list[FrozenTrial]:
        return self.get_trials()

    def get_trials(self, deepcopy: bool = True,
                   states: Iterable[Any] | None = None) -> list[FrozenTrial]:
        """Every trial (or those in `states`) as records the script may change: `deepcopy`
        changes nothing, they are always copies."""
        return [from_ours(t) for t in self.hyperloom.get_trials(ours_all(states))]

    @property
    def best_trial(self) -> FrozenTrial:
        return from_ours(self.hyperloom.best_trial)

    @property
    def best_trials(self) -> list[FrozenTrial]:
        return [from_ours(t) for t in self.hyperloom.best_trials]

    def add_trial(self, trial: FrozenTrial) -> None:
        """Add a finished (or WAITING) trial made by `create_trial` or taken from a study."""
        self.add_trials([trial])

    def add_trials(self, trials: Iterable[FrozenTrial]) -> None:
        records = [record_from_optuna(t) for t in trials]
        n_objectives = len(self.hyperloom.directions)
        for i, record in enumerate(records):
            check_record(record, n_objectives, f"add_trials: trial {i}")
        write_trials(self.hyperloom.storage, self.hyperloom.study_id, records)

    # -- attributes -----------------------------------------------------------------------------
    def set_system_attr(self, key: str, value: Any) -> None:
        self.hyperloom.storage.set_study_attr(self.hyperloom.study_id, key, value, system=True)

    @property
    def metric_names(self) -> list[str] | None:
        return self.hyperloom.system_attrs.get("metric_names")

    def set_metric_names(self, metric_names: list[str]) -> None:
        if len(metric_names) != len(self.hyperloom.directions):
            raise ValueError(f"set_metric_names: {len(metric_names)} names for "
                             f"{len(self.hyperloom.directions)} objective(s)")
        self.set_system_attr("metric_names", list(metric_names))

    def trials_dataframe(self, attrs: Sequence[str] = DEFAULT_ATTRS,
                         multi_index: bool = False) -> Any:
        return trials_dataframe(self, attrs, multi_index)

    # -- ask / tell -----------------------------------------------------------------------------
    def ask(self, fixed_distributions: dict[str, Any] | None = None) -> Trial:
        fixed = {n: from_optuna_distribution(d, n) for n, d in (fixed_distributions or {}).items()}
        return Trial(self.hyperloom.ask(fixed or None), self)

    def tell(self, trial: Trial | _OurTrial | int, values: float | Sequence[float] | None = None,
             state: Any = None, skip_if_finished: bool = False) -> FrozenTrial:
        ours_trial = trial._trial if isinstance(trial, Trial) else trial
        state = None if state is None else ours(state)
        if not (skip_if_finished and self._finished(ours_trial)):
            self._apply_constraints(ours_trial, _OurState.COMPLETE if state is None else state,
                                    values)
        frozen = self.hyperloom.tell(ours_trial, values, state,
                                     skip_if_finished=skip_if_finished)
        return from_ours(frozen)

    def _finished(self, trial: _OurTrial | int) -> bool:
        number = trial if isinstance(trial, int) else trial.number
        return any(t.number == number and t.state.is_finished() for t in self.hyperloom.trials)

    def _apply_constraints(self, trial: _OurTrial | int, state: _OurState, values: Any) -> None:
        """The sampler's `constraints_func` (Optuna's option) on the trial about to finish: its
        values become the trial's constraints, as Optuna does for COMPLETE and PRUNED trials."""
        func = constraints_funcs.get(self.hyperloom.sampler)
        if func is None or state not in (_OurState.COMPLETE, _OurState.PRUNED):
            return
        record = self.hyperloom.storage.get_trial(
            trial.trial_id if isinstance(trial, _OurTrial) else self._trial_id_of(trial))
        frozen = from_ours(record)
        if isinstance(trial, _OurTrial):  # params the storage may not have yet
            frozen.params = Trial(trial, self).params
            frozen.intermediate_values = dict(trial.intermediate_values)
            frozen.user_attrs = dict(trial.user_attrs)
        frozen.state = TrialState(int(state))
        if state == _OurState.COMPLETE:
            frozen.values = _numbers(values)
        constraints = [float(c) for c in func(frozen)]
        self.hyperloom.storage.set_trial_attr(record.trial_id, "constraints", constraints,
                                              system=True)

    def _trial_id_of(self, number: int) -> int:
        for t in self.hyperloom.trials:
            if t.number == number:
                return t.trial_id
        raise ValueError(f"study {self.study_name!r} has no trial number {number}")

    # -- optimize -------------------------------------------------------------------------------
    def optimize(self, func: Callable[[Trial], Any], n_trials: int | None = None,
                 timeout: float | None = None, n_jobs: int = 1,
                 catch: Iterable[type[Exception]] | type[Exception] = (),
                 callbacks: Iterable[Callable[[Study, FrozenTrial], None]] | None = None,
                 gc_after_trial: bool = False, show_progress_bar: bool = False) -> None:
        """Optuna's optimize: `n_jobs` trials at once in threads of this process (as in
        Optuna; ours would use processes), callbacks called with this study and Optuna-style
        records, `gc.collect()` after each trial with `gc_after_trial`."""
        objective = functools.partial(self._run_objective, func, gc_after_trial)
        self.hyperloom.optimize(
            objective, n_trials=n_trials, timeout=timeout, n_jobs=n_jobs, catch=catch,
            callbacks=[functools.partial(_call_back, cb, self) for cb in callbacks or ()],
            show_progress_bar=show_progress_bar,
            executor="threads" if n_jobs != 1 else None)

    def _run_objective(self, func: Callable[[Trial], Any], collect: bool,
                       trial: _OurTrial) -> Any:
        try:
            result = func(Trial(trial, self))
        except TrialPruned:
            self._apply_constraints(trial, _OurState.PRUNED, None)
            raise
        finally:
            if collect:
                gc.collect()
        self._apply_constraints(trial, _OurState.COMPLETE, result)
        return result


def _numbers(values: Any) -> list[float] | None:
    """`values` as floats, or None when they are not numbers (the trial will fail)."""
    try:
        return [float(v) for v in (values if isinstance(values, (list, tuple)) else [values])]
    except (TypeError, ValueError):
        return None


def _call_back(callback: Callable[[Study, FrozenTrial], None], study: Study, _ours: Any,
               trial: Any) -> None:
    callback(study, from_ours(trial))


class MaxTrialsCallback:
    """Stop the study once `n_trials` trials in `states` exist (across all its workers)."""

    def __init__(self, n_trials: int, states: Iterable[Any] | None = (TrialState.COMPLETE,)
                 ) -> None:
        self._n_trials = n_trials
        self._states = ours_all(states)

    def __call__(self, study: Study, trial: FrozenTrial) -> None:
        ours_study = study.hyperloom if isinstance(study, Study) else study
        if ours_study.storage.n_trials(ours_study.study_id, self._states) >= self._n_trials:
            ours_study.stop()
