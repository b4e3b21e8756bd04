"""In-memory storage: the default for quick studies; lost when the process ends."""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Iterable
from typing import Any

from ..space import Distribution
from ._base import BaseStorage, StudySummary
from ._codec import loads
from ._errors import DuplicatedStudyError, StudyNotFoundError, TrialFinishedError
from ._frozen import (
    FrozenList,
    FrozenTrial,
    TrialDraft,
    TrialState,
    draft_of,
    freeze,
    freeze_flat,
    freeze_mapping,
)
from ._summary import attr_json, attrs_json, best_values_of


class _Study:
    __slots__ = ("name", "directions", "trials", "user_attrs", "system_attrs", "claims",
                 "waiting", "settled")

    def __init__(self, name: str, directions: list[str]) -> None:
        self.name = name
        self.directions = directions
        # Finished trials are FrozenTrials, shared with readers; others are drafts, changed in
        # place and handed out as snapshots.
        self.trials: list[FrozenTrial | TrialDraft] = []
        self.user_attrs: dict[str, Any] = {}
        self.system_attrs: dict[str, Any] = {}
        self.claims: set[str] = set()
        self.waiting: collections.deque[TrialDraft] = collections.deque()
        self.settled = 0  # trials[:settled] are all finished: they can be shared as a block

    def advance(self) -> int:
        trials, k = self.trials, self.settled
        while k < len(trials) and trials[k].state.is_finished():
            k += 1
        self.settled = k
        return k


class InMemoryStorage(BaseStorage):
    """Thread-safe storage in this process's memory."""

    cheap_writes = True

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._studies: dict[int, _Study] = {}
        self._by_name: dict[str, int] = {}
        # trial_id -> (study_id, index in that study's list)
        self._trials: dict[int, tuple[int, int]] = {}
        self._heartbeats: dict[int, float] = {}
        self._next_study_id = 0
        self._next_trial_id = 0

    # -- studies ------------------------------------------------------------------------------
    def create_study(self, name: str, directions: list[str]) -> int:
        with self._lock:
            if name in self._by_name:
                raise DuplicatedStudyError(f"a study named {name!r} exists already; pass "
                                           "load_if_exists=True to resume it")
            sid = self._next_study_id
            self._next_study_id += 1
            self._studies[sid] = _Study(name, list(directions))
            self._by_name[name] = sid
            return sid

    def _study(self, study_id: int) -> _Study:
        try:
            return self._studies[study_id]
        except KeyError:
            raise StudyNotFoundError(f"no study with id {study_id}") from None

    def get_study_id(self, name: str) -> int:
        try:
            return self._by_name[name]
        except KeyError:
            raise StudyNotFoundError(f"no study named {name!r}; known: "
                                     f"{sorted(self._by_name)}") from None

    def get_study_name(self, study_id: int) -> str:
        return self._study(study_id).name

    def get_study_directions(self, study_id: int) -> list[str]:
        return list(self._study(study_id).directions)

    def delete_study(self, study_id: int) -> None:
        with self._lock:
            study = self._study(study_id)
            for t in study.trials:
                self._trials.pop(t.trial_id, None)
            del self._by_name[study.name]
            del self._studies[study_id]

    def list_studies(self) -> list[StudySummary]:
        with self._lock:
            return [StudySummary(sid, s.name, list(s.directions), len(s.trials),
                                 best_values_of(s.trials, s.directions), dict(s.user_attrs))
                    for sid, s in self._studies.items()]

    def set_study_attr(self, study_id: int, key: str, value: Any, system: bool = False) -> None:
        stored = _as_read_back(key, value)
        with self._lock:
            study = self._study(study_id)
            (study.system_attrs if system else study.user_attrs)[key] = stored

    def get_study_attrs(self, study_id: int, system: bool = False) -> dict[str, Any]:
        study = self._study(study_id)
        return dict(study.system_attrs if system else study.user_attrs)

    def claim(self, study_id: int, key: str) -> bool:
        with self._lock:
            claims = self._study(study_id).claims
            if key in claims:
                return False
            claims.add(key)
            return True

    # -- trials -------------------------------------------------------------------------------
    def create_trial(self, study_id: int, *, state: TrialState = TrialState.RUNNING,
                     params: dict[str, Any] | None = None,
                     distributions: dict[str, Distribution] | None = None,
                     system_attrs: dict[str, Any] | None = None,
                     beating: bool = False) -> tuple[int, int]:
        with self._lock:
            study = self._study(study_id)
            tid = self._next_trial_id
            self._next_trial_id += 1
            number = len(study.trials)
            study.trials.append(TrialDraft.start(
                tid, number, state, params or {}, distributions or {},
                _read_back_all(system_attrs),
                time.time() if state == TrialState.RUNNING else None))
            self._trials[tid] = (study_id, number)
            if beating and state == TrialState.RUNNING:
                self._heartbeats[tid] = time.time()
            if state == TrialState.WAITING:
                study.waiting.append(study.trials[-1])
            return tid, number

    def _trial(self, trial_id: int) -> FrozenTrial | TrialDraft:
        try:
            sid, idx = self._trials[trial_id]
        except KeyError:
            raise KeyError(f"no trial with id {trial_id}") from None
        return self._studies[sid].trials[idx]

    def _running(self, trial_id: int) -> TrialDraft:
        t = self._trial(trial_id)
        if t.state != TrialState.RUNNING:
            raise TrialFinishedError(f"trial {t.number} is {t.state.name} already; a finished "
                                     "trial cannot change")
        return t

    def pop_waiting_trial(self, study_id: int, *, beating: bool = False) -> FrozenTrial | None:
        with self._lock:
            waiting = self._study(study_id).waiting
            if not waiting:
                return None
            t = waiting.popleft()
            t.state = TrialState.RUNNING
            t.datetime_start = time.time()
            if beating:
                self._heartbeats[t.trial_id] = t.datetime_start
            return self._copy(t)

    def set_trial_params(self, trial_id: int, params: dict[str, Any],
                         distributions: dict[str, Distribution]) -> None:
        with self._lock:
            t = self._running(trial_id)
            t.params = freeze_mapping({**t.params, **params})
            t.distributions = freeze_flat({**t.distributions, **distributions})

    def set_trial_intermediate_value(self, trial_id: int, step: int, value: float) -> None:
        with self._lock:
            t = self._running(trial_id)
            t.intermediate_values = freeze_flat({**t.intermediate_values, step: value})

    def set_trial_attr(self, trial_id: int, key: str, value: Any, system: bool = False) -> None:
        stored = _as_read_back(key, value)
        with self._lock:
            t = self._running(trial_id)
            if system:
                t.system_attrs = freeze_flat({**t.system_attrs, key: stored})
            else:
                t.user_attrs = freeze_flat({**t.user_attrs, key: stored})

    def finish_trial(self, trial_id: int, state: TrialState, values: list[float] | None, *,
                     params: dict[str, Any] | None = None,
                     distributions: dict[str, Distribution] | None = None,
                     system_attrs: dict[str, Any] | None = None) -> FrozenTrial:
        extra_system = _read_back_all(system_attrs)
        with self._lock:
            t = self._running(trial_id)
            if params is not None:
                t.params = freeze_mapping(params)
                t.distributions = freeze_flat(distributions)
            if extra_system:
                t.system_attrs = freeze_flat({**t.system_attrs, **extra_system})
            t.values = None if values is None else FrozenList(values)
            t.datetime_complete = time.time()
            t.state = state
            self._heartbeats.pop(trial_id, None)
            return t.freeze()

    @staticmethod
    def _copy(t: FrozenTrial | TrialDraft) -> FrozenTrial:
        return draft_of(t).freeze()

    def get_trial(self, trial_id: int) -> FrozenTrial:
        with self._lock:
            t = self._trial(trial_id)
            return t if t.state.is_finished() else self._copy(t)

    def get_trials(self, study_id: int,
                   states: Iterable[TrialState] | None = None) -> list[FrozenTrial]:
        with self._lock:
            study = self._study(study_id)
            trials = study.trials
            settled = study.advance()
            wanted = None if states is None else frozenset(states)
            # Finished records never change again: share them. Copy the others (a snapshot).
            # The settled prefix is copied as one block, so the per-trial cost stays small.
            head = trials[:settled] if wanted is None else \
                [t for t in trials[:settled] if t.state in wanted]
            return head + [t if t.state.is_finished() else self._copy(t)
                           for t in trials[settled:] if wanted is None or t.state in wanted]

    def n_trials(self, study_id: int, states: Iterable[TrialState] | None = None) -> int:
        trials = self._study(study_id).trials
        if states is None:
            return len(trials)
        wanted = frozenset(states)
        return sum(1 for t in trials if t.state in wanted)

    # -- heartbeats ---------------------------------------------------------------------------
    def record_heartbeat(self, trial_id: int) -> None:
        self._heartbeats[trial_id] = time.time()

    def fail_stale_trials(self, study_id: int, grace_seconds: float) -> list[int]:
        now = time.time()
        failed = []
        with self._lock:
            for t in self._study(study_id).trials:
                beat = self._heartbeats.get(t.trial_id)
                if t.state == TrialState.RUNNING and beat is not None and now - beat > grace_seconds:
                    self.finish_trial(t.trial_id, TrialState.FAILED, None,
                                      system_attrs={"fail_reason": "heartbeat stopped"})
                    failed.append(t.number)
        return failed


def _as_read_back(key: str, value: Any) -> Any:
    """An attribute value as a SQL storage would return it (JSON: tuples become lists)."""
    return freeze(loads(attr_json(key, value)))


def _read_back_all(attrs: dict[str, Any] | None) -> dict[str, Any]:
    return freeze(loads(attrs_json(attrs))) if attrs else {}
