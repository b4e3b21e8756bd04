"""`optuna.study`: creating, loading, copying and listing studies, on our storages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import hyperloom.study as _ours
from hyperloom.compat import record_of, write_trials
from hyperloom.objectives import Direction
from hyperloom.storage import BaseStorage, get_storage

from ._frozen import FrozenTrial, from_ours
from ._options import study_settings
from ._study import MaxTrialsCallback, Study
from .samplers import apply_warm_start

StudyDirection = Direction  # ours: MINIMIZE and MAXIMIZE, equal to the strings


def _directions(direction: Any, directions: Sequence[Any] | None) -> dict[str, Any]:
    if directions is not None:
        return {"directions": [Direction(str(d).lower()) for d in directions]}
    return {"direction": None if direction is None else Direction(str(direction).lower())}


def _wrap(study: _ours.Study) -> Study:
    for direction in study.directions[:1]:
        apply_warm_start(study.sampler, direction)  # CMA-ES source_trials, now that it is known
    return Study(study)


def create_study(*, storage: str | BaseStorage | None = None, sampler: Any = None,
                 pruner: Any = None, study_name: str | None = None, direction: Any = None,
                 load_if_exists: bool = False,
                 directions: Sequence[Any] | None = None) -> Study:
    """A new study (or the stored one, with `load_if_exists=True`). Without `sampler` it is
    hyperloom's default, AutoSampler (Optuna's default is TPE)."""
    store = get_storage(storage)
    return _wrap(_ours.create_study(storage=store, sampler=sampler, pruner=pruner,
                                    study_name=study_name, load_if_exists=load_if_exists,
                                    **_directions(direction, directions),
                                    **study_settings.get(store, {})))


def load_study(*, study_name: str | None, storage: str | BaseStorage, sampler: Any = None,
               pruner: Any = None) -> Study:
    store = get_storage(storage)
    return _wrap(_ours.load_study(study_name=study_name, storage=store, sampler=sampler,
                                  pruner=pruner, **study_settings.get(store, {})))


def delete_study(*, study_name: str, storage: str | BaseStorage) -> None:
    _ours.delete_study(study_name=study_name, storage=storage)


def get_all_study_names(storage: str | BaseStorage) -> list[str]:
    return get_storage(storage).get_study_names()


def copy_study(*, from_study_name: str, from_storage: str | BaseStorage,
               to_storage: str | BaseStorage, to_study_name: str | None = None) -> None:
    """Copy a study, its user attributes and all its trials into `to_storage`. Trials keep
    their states (a RUNNING one is copied FAILED), values, params, reports and attributes;
    their original times are kept in system attributes (see `hyperloom.compat`)."""
    source = _ours.load_study(study_name=from_study_name, storage=from_storage)
    target = _ours.create_study(storage=to_storage, study_name=to_study_name or from_study_name,
                                directions=source.directions)
    for key, value in source.user_attrs.items():
        target.set_user_attr(key, value)
    write_trials(target.storage, target.study_id, [record_of(t) for t in source.trials])


class StudySummary:
    """What `get_all_study_summaries` lists for each study."""

    def __init__(self, study_name: str, directions: list[Direction], best_trial: Any,
                 user_attrs: dict[str, Any], system_attrs: dict[str, Any], n_trials: int,
                 datetime_start: dt.datetime | None, study_id: int) -> None:
        self.study_name = study_name
        self.directions = directions
        self.best_trial: FrozenTrial | None = best_trial
        self.user_attrs = user_attrs
        self.system_attrs = system_attrs
        self.n_trials = n_trials
        self.datetime_start = datetime_start
        self._study_id = study_id

    @property
    def direction(self) -> Direction:
        if len(self.directions) != 1:
            raise RuntimeError("this study has several objectives; use `directions`")
        return self.directions[0]


def get_all_study_summaries(storage: str | BaseStorage,
                            include_best_trial: bool = True) -> list[StudySummary]:
    store = get_storage(storage)
    out = []
    for summary in store.list_studies():
        best = None
        if include_best_trial and summary.best_values and len(summary.directions) == 1:
            study = _ours.load_study(study_name=summary.name, storage=store)
            best = from_ours(study.best_trial)
        first = store.get_trials(summary.study_id)[:1] if summary.n_trials else []
        out.append(StudySummary(
            summary.name, [Direction(d) for d in summary.directions], best,
            dict(summary.user_attrs), store.get_study_attrs(summary.study_id, system=True),
            summary.n_trials, from_ours(first[0]).datetime_start if first else None,
            summary.study_id))
    return out


__all__ = ["MaxTrialsCallback", "Study", "StudyDirection", "StudySummary", "copy_study",
           "create_study", "delete_study", "get_all_study_names", "get_all_study_summaries",
           "load_study"]
