"""The read-only face of a study that samplers and pruners get."""

from __future__ import annotations

from collections.abc import Iterable

from ..space import SearchSpace
from ..storage import BaseStorage, FrozenTrial, TrialState
from ._running import RunningTrials


class StudyReadView:
    """The stored trials, where the RUNNING ones that this process runs (`running`) also show
    the params they were given and the storage has not seen yet. A storage where writes cost
    something gets a trial's params with its first report, its result, or a moment after they
    were suggested (`_param_flush`); without this, a sampler would not see at once what its
    other threads, or the trials asked and not yet told, are evaluating (TPE's constant liar,
    the GP's pending points), and would propose it again."""

    __slots__ = ("_storage", "_study_id", "_running", "study_name", "directions", "space",
                 "deadline")

    def __init__(self, storage: BaseStorage, study_id: int, study_name: str,
                 directions: list[str], space: SearchSpace | None,
                 running: RunningTrials | None = None) -> None:
        self._storage = storage
        self._study_id = study_id
        self._running = running
        self.study_name = study_name
        self.directions = directions
        self.space = space
        self.deadline: float | None = None  # time.monotonic() at which a running optimize stops

    def get_trials(self, states: Iterable[TrialState] | None = None) -> list[FrozenTrial]:
        if states is not None:
            states = tuple(states)
        trials = self._storage.get_trials(self._study_id, states)
        if self._running is None or (states is not None and TrialState.RUNNING not in states):
            return trials  # a sampler asking for finished trials alone: nothing to add
        unstored = self._running.unstored_params()
        if not unstored:
            return trials
        trials = list(trials)
        # Trials running here are mostly the latest: look from the end.
        for i in range(len(trials) - 1, -1, -1):
            t = trials[i]
            extra = unstored.pop(t.number, None)
            if extra is not None and t.state == TrialState.RUNNING:
                trials[i] = t.with_params(*extra)
            if not unstored:
                break
        return trials

    def claim(self, key: str) -> bool:
        return self._storage.claim(self._study_id, key)
