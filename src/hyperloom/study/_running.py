"""The trials this process runs for one study, and the beats that keep them alive."""

from __future__ import annotations

from typing import Any

from ..storage import BaseStorage
from ._heartbeat import beater_for


class RunningTrials:
    """Live trials by id; with a heartbeat, each beats from `add` until `remove`."""

    def __init__(self, storage: BaseStorage, study_id: int) -> None:
        self._storage = storage
        self._study_id = study_id
        self._trials: dict[int, Any] = {}
        self._beater: Any = None  # chosen at the first trial that beats

    def add(self, trial: Any, heartbeat: Any | None) -> None:
        """`trial` runs here now; with `heartbeat` (interval, grace) it beats every interval
        (its first beat was stored with the trial: `create_trial(..., beating=True)`)."""
        self._trials[trial.trial_id] = trial
        if heartbeat is None:
            return
        if self._beater is None:
            self._beater = beater_for(self._storage, heartbeat.interval, heartbeat.grace)
        self._beater.add(trial.trial_id, self._study_id)

    def remove(self, trial_id: int) -> None:
        """The trial is finished: this process no longer runs it, nor beats for it."""
        self._trials.pop(trial_id, None)
        if self._beater is not None:
            self._beater.remove(trial_id)

    def by_number(self, number: int) -> Any | None:
        return next((t for t in list(self._trials.values()) if t.number == number), None)

    def all(self) -> list[Any]:
        return list(self._trials.values())

    def unstored_params(self) -> dict[int, tuple[dict[str, Any], dict[str, Any]]]:
        """By trial number: params suggested in the trials running here that the storage has
        not seen yet (see `Trial.unstored_params`), for trials that have some."""
        out = {}
        for trial in list(self._trials.values()):
            params, distributions = trial.unstored_params()
            if params:
                out[trial.number] = (params, distributions)
        return out
