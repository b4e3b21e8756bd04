"""What a live trial needs from its study, and nothing more."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..pruners import BasePruner
from ..samplers import BaseSampler
from ..storage import BaseStorage
from ._artifacts import ArtifactStore
from ._running import RunningTrials


@dataclass(frozen=True)
class Heartbeat:
    """Seconds between beats of running trials, and how long a silent one lives (None: the
    default grace of `default_grace`)."""

    interval: float
    grace: float | None = None


@dataclass
class Retries:
    """`retry_failed`: how many times a trial whose worker died is run again, and when this
    process last looked for such trials failed by others."""

    limit: int
    last_scan: float = float("-inf")
    seen: set[int] = field(default_factory=set)  # ids of dead trials handled already


@dataclass
class TrialContext:
    """The storage handle, view, sampler and pruner a trial works with.

    A study has one; a scheduling policy may give a batch of trials its own copy (another
    sampler, a frozen view) without touching the study that other threads use.
    """

    storage: BaseStorage
    study_id: int
    directions: list[str]
    view: Any  # a StudyReadView, or a frozen snapshot of one
    sampler: BaseSampler
    pruner: BasePruner
    running: RunningTrials
    artifacts: ArtifactStore
    heartbeat: Heartbeat | None = None
    retries: Retries | None = None

    @property
    def writes_through(self) -> bool:
        """Where writes cost nothing, running trials' params are stored as they are sampled."""
        return self.storage.cheap_writes
