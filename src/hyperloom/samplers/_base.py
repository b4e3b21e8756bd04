"""The sampler interface. Samplers read trials through a `StudyView` (read-only) and never
touch a storage. A sampler proposes values in two ways:

- *relative*: joint values for a known space (the study's static space, or a space it infers
  from past trials), proposed once per trial at its first suggestion;
- *independent*: one value for a define-by-run parameter the relative proposal did not cover.

All values are *stored* values (see `Distribution.to_external` for what user code receives).
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from ..exceptions import SearchExhausted  # noqa: F401 - importable from here, as before
from ..space import Distribution, SearchSpace
from ..storage import FrozenTrial, TrialState
from ._params import Configurable
from ._seeding import prior_draw, seed_or_fresh  # noqa: F401 - importable from here, as before


class StudyView(Protocol):
    """What samplers and pruners may see of a study."""

    study_name: str
    directions: list[str]  # Direction members (str: "minimize" | "maximize"), one per objective
    space: SearchSpace | None  # the static space, if the study has one
    # time.monotonic() at which the running optimize(timeout=...) stops, else None (may be
    # absent on views of other makers: read it with getattr)
    deadline: float | None

    def get_trials(self, states: Iterable[TrialState] | None = None) -> list[FrozenTrial]:
        """Trials in number order (cached: cheap to call on every proposal)."""
        ...

    def claim(self, key: str) -> bool:
        """Atomically reserve `key` in this study; True for exactly one caller across workers."""
        ...


class TrialLike(Protocol):
    """The live trial as samplers see it."""

    number: int
    params: dict[str, Any]  # stored values suggested so far
    distributions: dict[str, Distribution]


class BaseSampler(Configurable, ABC):
    """Subclass and implement `sample_independent` (a subclass without it cannot be built),
    and override the relative pair for joint models. Declare the constructor's arguments in
    `_params` for validation (`check_params`) and a repr."""

    def infer_relative_search_space(self, study: StudyView, trial: TrialLike) -> SearchSpace:
        """The space to sample jointly for this trial. Default: the static space, if any."""
        return study.space if study.space is not None else _EMPTY

    def sample_relative(self, study: StudyView, trial: TrialLike,
                        space: SearchSpace) -> dict[str, Any]:
        """Joint stored values for (the active part of) `space`; may cover only some names."""
        return {}

    @abstractmethod
    def sample_independent(self, study: StudyView, trial: TrialLike, name: str,
                           distribution: Distribution) -> Any:
        """A stored value for one parameter that the relative proposal did not cover."""

    def claim_params(self, study: StudyView) -> dict[str, Any] | None:
        """Called before a trial is created; fixed params for it (e.g. a grid point), or None.
        Raise `SearchExhausted` when nothing is left."""
        return None

    def trial_attrs(self, study: StudyView, trial: TrialLike) -> dict[str, Any]:
        """System attributes stored with `trial` when it finishes, saying how it was proposed
        (the AutoSampler names the inner sampler it chose). Called once per finished trial."""
        return {}

    def after_trial(self, study: StudyView, trial: FrozenTrial) -> None:
        """Called once a trial has finished (any state)."""

    def reseed_rng(self, seed: int | None = None) -> None:
        """Give the sampler a fresh random state (used for process workers)."""

    @property
    def seed(self) -> int | None:
        """The seed proposals derive from; None when the sampler was built without one and
        draws from fresh entropy."""
        return getattr(self, "_seed", None)


_EMPTY = SearchSpace()


def intersection_space(trials: Sequence[FrozenTrial]) -> SearchSpace:
    """Parameters present with the same distribution in every completed trial, in first-seen
    order: what define-by-run samplers can model jointly."""
    common: dict[str, Distribution] | None = None
    for t in trials:
        if t.state != TrialState.COMPLETE:
            continue
        if common is None:
            common = dict(t.distributions)
        else:
            common = {n: d for n, d in common.items() if t.distributions.get(n) == d}
        if not common:
            break
    return SearchSpace(common or {})


class LockedState:
    """Mixin for samplers whose caches threads share under `self._lock`: the lock does not
    travel when the sampler is pickled to a worker process, which makes a fresh one."""

    _lock_type: Any = threading.Lock

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = self._lock_type()


class CompletedIntersection:
    """`intersection_space` of a study's completed trials, updated incrementally: completed
    trials never change, so each is compared once rather than on every proposal. Shared by
    the samplers of this package that model define-by-run parameters jointly."""

    def __init__(self) -> None:
        self._memo: dict[str, tuple[set[int], dict[str, Distribution] | None, SearchSpace]] = {}
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        return {"_memo": self._memo}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._memo = state["_memo"]
        self._lock = threading.Lock()

    def __call__(self, study: StudyView, completed: Sequence[FrozenTrial]) -> SearchSpace:
        with self._lock:
            return self._update(study, completed)

    def _update(self, study: StudyView, completed: Sequence[FrozenTrial]) -> SearchSpace:
        seen, common, space = self._memo.get(study.study_name, (set(), None, SearchSpace()))
        if len(seen) > len(completed):  # trials went away (another study of the same name)
            seen, common = set(), None
        changed = False
        for t in completed:
            if t.number in seen:
                continue
            seen.add(t.number)
            changed = True
            if common is None:
                common = dict(t.distributions)
            else:
                common = {n: d for n, d in common.items()
                          if (e := t.distributions.get(n)) is d or (e is not None and e == d)}
        if changed:
            space = SearchSpace(common or {})
        self._memo[study.study_name] = (seen, common, space)
        return space
