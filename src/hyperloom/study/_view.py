"""The read-only face of a study that samplers and pruners get."""

from __future__ import annotations

from collections.abc import Iterable

from ..space import SearchSpace
from ..storage import BaseStorage, FrozenTrial, TrialState


class StudyReadView:
    __slots__ = ("_storage", "_study_id", "study_name", "directions", "space", "deadline")

    def __init__(self, storage: BaseStorage, study_id: int, study_name: str,
                 directions: list[str], space: SearchSpace | None) -> None:
        self._storage = storage
        self._study_id = study_id
        self.study_name = study_name
        self.directions = directions
        self.space = space
        self.deadline: float | None = None  # time.monotonic() at which a running optimize stops

    def get_trials(self, states: Iterable[TrialState] | None = None) -> list[FrozenTrial]:
        return self._storage.get_trials(self._study_id, states)

    def claim(self, key: str) -> bool:
        return self._storage.claim(self._study_id, key)
