"""`optuna.storages`: our storages. Optuna keeps heartbeats and retries on the storage, ours
on the study: the settings given to RDBStorage are handed to every study created or loaded
on it through this module. JournalStorage keeps its file as SQLite (see `journal`)."""

from __future__ import annotations

import warnings
from typing import Any

from hyperloom.storage import BaseStorage, InMemoryStorage
from hyperloom.storage import get_storage as _get_storage

from .._options import study_settings
from . import journal
from .journal import JournalFileStorage, JournalStorage

#: How many times a trial may run again under RetryFailedTrialCallback(max_retry=None).
UNLIMITED_RETRIES = 1_000_000


class RetryFailedTrialCallback:
    """Run a trial again when its worker died (its heartbeat stopped): our `retry_failed`.
    The new trial names the failed one in the system attribute "retry_of"."""

    def __init__(self, max_retry: int | None = None,
                 inherit_intermediate_values: bool = False) -> None:
        self.max_retry = max_retry
        if inherit_intermediate_values:
            warnings.warn("RetryFailedTrialCallback: hyperloom runs a failed trial again from "
                          "its start; inherit_intermediate_values is ignored", stacklevel=2)

    def __call__(self, study: Any, trial: Any) -> None:
        """Optuna calls this on a stale trial; ours retries by itself (nothing to do)."""

    @staticmethod
    def retried_trial_number(trial: Any) -> int | None:
        return trial.system_attrs.get("retry_of")

    @staticmethod
    def retry_history(trial: Any) -> list[int]:
        number = trial.system_attrs.get("retry_of")
        return [] if number is None else [number]


def RDBStorage(url: str, engine_kwargs: dict[str, Any] | None = None,  # noqa: N802 - Optuna's
               skip_compatibility_check: bool = False, *,
               heartbeat_interval: int | None = None, grace_period: int | None = None,
               failed_trial_callback: Any = None, heartbeat_stale_trial_callback: Any = None,
               skip_table_creation: bool = False) -> BaseStorage:
    """Our SQL storage at `url` (SQLite or PostgreSQL); its heartbeat and retry settings go
    to each study made on it."""
    if engine_kwargs:
        warnings.warn("RDBStorage: engine_kwargs are ignored (hyperloom configures its "
                      "SQLAlchemy engine itself)", stacklevel=2)
    storage = _get_storage(url)
    settings: dict[str, Any] = {}
    if heartbeat_interval is not None:
        settings["heartbeat_interval"] = heartbeat_interval
        settings["grace_period"] = grace_period
    callback = failed_trial_callback or heartbeat_stale_trial_callback
    if isinstance(callback, RetryFailedTrialCallback):
        settings["retry_failed"] = UNLIMITED_RETRIES if callback.max_retry is None \
            else callback.max_retry
    if settings:
        study_settings[storage] = settings
    return storage


def get_storage(storage: str | BaseStorage | None) -> BaseStorage:
    return _get_storage(storage)


def fail_stale_trials(study: Any) -> list[int]:
    """Mark FAILED the running trials whose heartbeat stopped; returns their numbers (none
    for a study without a heartbeat, as in Optuna)."""
    if study.heartbeat_interval is None:
        return []
    return study.fail_stale_trials()


__all__ = ["BaseStorage", "InMemoryStorage", "JournalFileStorage", "JournalStorage",
           "RDBStorage", "RetryFailedTrialCallback", "fail_stale_trials", "get_storage",
           "journal"]
