"""An Optuna study (in any database Optuna's RDBStorage reads) copied into one of ours: its
directions, user attributes, and every trial with its params and their distributions,
values, state, intermediate values, user and system attributes, constraints and times.

Optuna's database is read through the optuna package itself (`optuna.load_study`), so every
schema version Optuna can read is read right; nothing is written to it.
"""

from __future__ import annotations

import os
from typing import Any

from hyperloom.storage import BaseStorage, DuplicatedStudyError, get_storage
from hyperloom.study import Study, load_study

from ._records import check_record, json_attrs, record_from_optuna, write_trials


def require_optuna(purpose: str) -> Any:
    """The optuna module, or an ImportError that says how to install it."""
    try:
        import optuna
    except ImportError:
        raise ImportError(f"{purpose} needs Optuna to read the Optuna database: "
                          "pip install optuna") from None
    return optuna


def import_optuna_study(optuna_url: str, study_name: str | None = None,
                        storage: str | BaseStorage | None = "sqlite:///hyperloom.db", *,
                        new_name: str | None = None) -> Study:
    """Copy the Optuna study `study_name` (optional when the database holds one) from the
    database at `optuna_url` into `storage` (ours; None is in memory) as a new study named
    `new_name` (default: the same name), and return it.

    Trials keep their numbers when the copy starts empty (it always does: an existing study of
    that name is an error, never merged). Optuna's FAIL is our FAILED; a trial RUNNING in Optuna
    is copied FAILED, saying why; a WAITING one is queued again. Our storages set trial times
    themselves, so Optuna's are kept in the system attributes `source_datetime_start` and
    `source_datetime_complete`. All trials are checked before anything is written, and a copy
    that fails half way is deleted."""
    optuna = require_optuna("import_optuna_study")
    _check_database(optuna_url)
    names = optuna.get_all_study_names(storage=optuna_url)
    if study_name is None:
        if len(names) != 1:
            raise ValueError(f"the Optuna database {optuna_url} holds {len(names)} studies "
                             f"{names}; pass the study name (--study NAME)")
        study_name = names[0]
    elif study_name not in names:
        raise ValueError(f"the Optuna database {optuna_url} has no study named "
                         f"{study_name!r}; its studies: {names}")
    source = optuna.load_study(study_name=study_name, storage=optuna_url,
                               sampler=optuna.samplers.RandomSampler())
    directions = [d.name.lower() for d in source.directions]
    records = [record_from_optuna(t) for t in source.get_trials(deepcopy=False)]
    for record, trial in zip(records, source.get_trials(deepcopy=False)):
        check_record(record, len(directions), f"Optuna trial {trial.number}")
    store = get_storage(storage)
    name = new_name or study_name
    try:
        study_id = store.create_study(name, directions)
    except DuplicatedStudyError:
        raise DuplicatedStudyError(f"our storage holds a study named {name!r} already; copy "
                                   "under another name (new_name=..., or --as NAME) or delete "
                                   "that study first") from None
    try:
        for key, value in json_attrs(source.user_attrs, f"study {study_name!r}").items():
            store.set_study_attr(study_id, key, value)
        if source.metric_names is not None:
            store.set_study_attr(study_id, "metric_names", list(source.metric_names),
                                 system=True)
        write_trials(store, study_id, records)
    except BaseException:
        store.delete_study(study_id)  # nothing half-copied is left behind
        raise
    return load_study(study_name=name, storage=store)


def _check_database(url: str) -> None:
    """Optuna creates an empty database where a SQLite path does not exist: refuse instead."""
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):].split("?", 1)[0]
        if path and path != ":memory:" and not os.path.exists(path):
            raise FileNotFoundError(f"no Optuna database at {path!r}; check the URL {url!r}")
