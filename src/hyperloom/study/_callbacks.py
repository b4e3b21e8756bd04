"""Callbacks run after each finished trial, with (study, frozen_trial)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..objectives import Direction
from ..storage import FrozenTrial, TrialState

if TYPE_CHECKING:
    from ._study import Study

logger = logging.getLogger("hyperloom")


class ConsoleLogger:
    """Logs one line per finished trial with its value, params and the best so far."""

    def __init__(self, log: logging.Logger | None = None, level: int = logging.INFO) -> None:
        self.log = log or logger
        self.level = level

    def __call__(self, study: Study, trial: FrozenTrial) -> None:
        if trial.state == TrialState.COMPLETE:
            msg = f"trial {trial.number} finished: values={trial.values} params={trial.params}"
            if len(study.directions) == 1:
                best = study.best_trial
                msg += f"; best is trial {best.number} with value {best.value}"
        else:
            reason = trial.system_attrs.get("fail_reason", "")
            msg = f"trial {trial.number} {trial.state.name}" + (f": {reason.splitlines()[-1]}"
                                                               if reason else "")
        self.log.log(self.level, msg)


class HistoryRecorder:
    """Keeps (number, state, values, best values so far, seconds since start) per trial, e.g.
    for plotting convergence; `to_json(path)` saves it."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []
        self._t0 = time.time()
        self._best: list[float] | None = None

    def __call__(self, study: Study, trial: FrozenTrial) -> None:
        if trial.state == TrialState.COMPLETE and len(study.directions) == 1:
            value, direction = trial.values[0], Direction(study.directions[0])
            if self._best is None or direction.better(value, self._best[0]):
                self._best = [value]
        self.records.append({"number": trial.number, "state": trial.state.name,
                             "values": trial.values, "best": self._best,
                             "elapsed": time.time() - self._t0})

    @property
    def best_values(self) -> list[float | None]:
        return [r["best"][0] if r["best"] else None for r in self.records]

    def to_json(self, path: str) -> None:
        with open(path, "w") as fh:
            json.dump(self.records, fh, indent=1)


class MaxTrialsCallback:
    """Stops the study once `n_trials` trials in `states` exist (across all workers)."""

    def __init__(self, n_trials: int,
                 states: Iterable[TrialState] | None = (TrialState.COMPLETE,)) -> None:
        self.n_trials = n_trials
        self.states = None if states is None else tuple(states)

    def __call__(self, study: Study, trial: FrozenTrial) -> None:
        if study.storage.n_trials(study.study_id, self.states) >= self.n_trials:
            study.stop()
