"""Storages the dashboard opens for reading only. Two locks: every write method of the wrapper
raises, and an SQLite file is opened by SQLite itself in read-only mode (`mode=ro`), so that
not even a bug of ours could change a study someone is running."""

from __future__ import annotations

import os
import sqlite3
import urllib.parse
from collections.abc import Iterable
from typing import Any, NoReturn

from ..exceptions import ReadOnlyStorageError
from ..storage import BaseStorage, FrozenTrial, StudySummary, TrialState, get_storage


class ReadOnlyStorage(BaseStorage):
    """A storage seen through a window: reads pass through, writes raise
    `ReadOnlyStorageError`."""

    def __init__(self, inner: BaseStorage) -> None:
        self.inner = inner

    def __repr__(self) -> str:
        return f"ReadOnlyStorage({self.inner!r})"

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ReadOnlyStorageError(f"{self.inner!r} is open read-only here (the dashboard "
                                   "never writes); write through a study opened elsewhere")

    create_study = delete_study = set_study_attr = claim = create_trial = _refuse
    pop_waiting_trial = set_trial_params = set_trial_intermediate_value = _refuse
    set_trial_attr = finish_trial = record_heartbeat = fail_stale_trials = _refuse

    def get_study_id(self, name: str) -> int:
        return self.inner.get_study_id(name)

    def get_study_name(self, study_id: int) -> str:
        return self.inner.get_study_name(study_id)

    def get_study_directions(self, study_id: int) -> list[str]:
        return self.inner.get_study_directions(study_id)

    def list_studies(self) -> list[StudySummary]:
        return self.inner.list_studies()

    def get_study_names(self) -> list[str]:
        return self.inner.get_study_names()

    def get_study_attrs(self, study_id: int, system: bool = False) -> dict[str, Any]:
        return self.inner.get_study_attrs(study_id, system)

    def get_trial(self, trial_id: int) -> FrozenTrial:
        return self.inner.get_trial(trial_id)

    def get_trials(self, study_id: int,
                   states: Iterable[TrialState] | None = None) -> list[FrozenTrial]:
        return self.inner.get_trials(study_id, states)

    def get_last_trials(self, study_id: int, n: int,
                        states: Iterable[TrialState] | None = None) -> list[FrozenTrial]:
        return self.inner.get_last_trials(study_id, n, states)

    def n_trials(self, study_id: int, states: Iterable[TrialState] | None = None) -> int:
        return self.inner.n_trials(study_id, states)

    def close(self) -> None:
        self.inner.close()


def _sqlite_path(url: str) -> str | None:
    """The file of an SQLite URL (None for other databases and for memory)."""
    if not url.startswith("sqlite:///"):
        return None
    path = urllib.parse.unquote(url[len("sqlite:///"):].split("?")[0])
    return None if path in ("", ":memory:") else path


def open_read_only(storage: str | BaseStorage) -> ReadOnlyStorage:
    """`storage` for reading only. An SQLite URL must name an existing file, which SQLite
    opens with `mode=ro`; other storages are wrapped as they are."""
    if isinstance(storage, ReadOnlyStorage):
        return storage
    path = _sqlite_path(storage) if isinstance(storage, str) else None
    if path is None:
        return ReadOnlyStorage(get_storage(storage))
    if not os.path.isfile(path):
        raise ReadOnlyStorageError(f"no database at {path!r}; check --storage (the dashboard "
                                   "opens existing studies only)")
    from ..storage import SQLStorage

    uri = f"file:{urllib.parse.quote(os.path.abspath(path))}?mode=ro"

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(uri, uri=True, timeout=60, check_same_thread=False)

    return ReadOnlyStorage(SQLStorage(storage, engine_kwargs={"creator": connect}))
