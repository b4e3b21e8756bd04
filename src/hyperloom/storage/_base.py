"""The storage interface: where studies and trials live. Studies and samplers never see more
than this. All values are JSON-able (never pickled)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..space import Distribution
from ._frozen import FrozenTrial, TrialState


@dataclass(frozen=True)
class StudySummary:
    study_id: int
    name: str
    directions: list[str]
    n_trials: int
    best_values: list[float] | None
    user_attrs: dict[str, Any]


class BaseStorage(ABC):
    """Abstract storage: a subclass that leaves an abstract method out cannot be built.
    Implementations must make `finish_trial` atomic (exactly once) and trial numbers unique
    and gap-free per study, whatever the number of writers."""

    #: True when a write costs about as much as a dict update: studies then write each
    #: suggestion at once (running trials visible to samplers) instead of batching them.
    cheap_writes = False

    # -- studies ------------------------------------------------------------------------------
    @abstractmethod
    def create_study(self, name: str, directions: list[str]) -> int: ...
    @abstractmethod
    def get_study_id(self, name: str) -> int: ...
    @abstractmethod
    def get_study_name(self, study_id: int) -> str: ...
    @abstractmethod
    def get_study_directions(self, study_id: int) -> list[str]: ...
    @abstractmethod
    def delete_study(self, study_id: int) -> None: ...
    @abstractmethod
    def list_studies(self) -> list[StudySummary]: ...

    def get_study_names(self) -> list[str]:
        """Names of all studies, oldest first, without reading their trials."""
        return [s.name for s in self.list_studies()]

    @abstractmethod
    def set_study_attr(self, study_id: int, key: str, value: Any, system: bool = False) -> None: ...
    @abstractmethod
    def get_study_attrs(self, study_id: int, system: bool = False) -> dict[str, Any]: ...

    @abstractmethod
    def claim(self, study_id: int, key: str) -> bool:
        """Reserve `key` for this study; True for exactly one caller."""
        ...

    # -- trials -------------------------------------------------------------------------------
    @abstractmethod
    def create_trial(self, study_id: int, *, state: TrialState = TrialState.RUNNING,
                     params: dict[str, Any] | None = None,
                     distributions: dict[str, Distribution] | None = None,
                     system_attrs: dict[str, Any] | None = None,
                     beating: bool = False) -> tuple[int, int]:
        """Insert a trial; returns (trial_id, number). With `beating`, a RUNNING trial gets its
        first heartbeat in the same write: a worker killed right after leaves no trial that
        `fail_stale_trials` would never fail."""
        ...

    @abstractmethod
    def pop_waiting_trial(self, study_id: int, *, beating: bool = False) -> FrozenTrial | None:
        """Atomically move the oldest WAITING trial to RUNNING and return it (None if none);
        `beating` as for `create_trial`."""
        ...

    @abstractmethod
    def set_trial_params(self, trial_id: int, params: dict[str, Any],
                         distributions: dict[str, Distribution]) -> None:
        """Record params of a RUNNING trial (merged into those already there)."""
        ...

    @abstractmethod
    def set_trial_intermediate_value(self, trial_id: int, step: int, value: float) -> None: ...

    @abstractmethod
    def set_trial_attr(self, trial_id: int, key: str, value: Any, system: bool = False) -> None:
        ...

    @abstractmethod
    def finish_trial(self, trial_id: int, state: TrialState, values: list[float] | None, *,
                     params: dict[str, Any] | None = None,
                     distributions: dict[str, Distribution] | None = None,
                     system_attrs: dict[str, Any] | None = None) -> FrozenTrial:
        """RUNNING -> `state`, once, in one step with `params` (when given: the trial's complete
        params, replacing the stored ones) and `system_attrs` (merged).
        Raises TrialFinishedError if the trial is not RUNNING."""
        ...

    @abstractmethod
    def get_trial(self, trial_id: int) -> FrozenTrial: ...

    @abstractmethod
    def get_trials(self, study_id: int,
                   states: Iterable[TrialState] | None = None) -> list[FrozenTrial]:
        """Trials in number order. Finished trials are immutable and may be cached."""
        ...

    def get_last_trials(self, study_id: int, n: int,
                        states: Iterable[TrialState] | None = None) -> list[FrozenTrial]:
        """The `n` trials of highest number, in number order: what a listing of recent trials
        shows. SQL storages read only those rows (5 of 100,000 in milliseconds)."""
        return self.get_trials(study_id, states)[-n:] if n > 0 else []

    def n_trials(self, study_id: int, states: Iterable[TrialState] | None = None) -> int:
        return len(self.get_trials(study_id, states))

    # -- heartbeats ---------------------------------------------------------------------------
    @abstractmethod
    def record_heartbeat(self, trial_id: int) -> None: ...

    @abstractmethod
    def fail_stale_trials(self, study_id: int, grace_seconds: float) -> list[int]:
        """Mark RUNNING trials whose heartbeat is older than `grace_seconds` FAILED; returns
        their numbers. Trials that never sent a heartbeat are left alone."""
        ...

    # -- misc ---------------------------------------------------------------------------------
    def close(self) -> None:  # noqa: B027 - optional: a storage may hold no connections
        """Release connections."""

    @property
    def artifact_dir(self) -> str | None:
        """Folder where artifacts of this storage's trials are kept (None: temporary)."""
        return None
