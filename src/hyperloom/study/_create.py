"""Opening studies: create, load, delete, list. The static space and the heartbeat settings
are stored with a study, so that `load_study` and every worker opening it get them back."""

from __future__ import annotations

import numbers
import uuid
from collections.abc import Sequence

from ..objectives import Direction
from ..pruners import BasePruner, MedianPruner
from ..samplers import BaseSampler
from ..space import SearchSpace
from ..storage import BaseStorage, DuplicatedStudyError, check_study_name, get_storage
from ._context import Heartbeat
from ._options import store_heartbeat, store_retry, stored_options, stored_retry
from ._study import Study

_DIRECTIONS = tuple(Direction)


def _check_directions(direction: str | None,
                      directions: Sequence[str] | None) -> list[Direction]:
    if direction is not None and directions is not None:
        raise ValueError("give either `direction` or `directions`, not both")
    dirs = [direction or Direction.MINIMIZE] if directions is None else list(directions)
    if not dirs:
        raise ValueError("`directions` must not be empty")
    for d in dirs:
        if d not in _DIRECTIONS:
            raise ValueError(f"direction must be 'minimize' or 'maximize', got {d!r}")
    return [Direction(d) for d in dirs]


def _default_sampler(seed: int | None = None) -> BaseSampler:
    from ..samplers import AutoSampler

    return AutoSampler(seed=None if seed is None else int(seed))


def _check_seed(seed: int | None, sampler: BaseSampler | None) -> None:
    if seed is None:
        return
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ValueError(f"seed must be an int, got {seed!r}")
    if sampler is not None:
        raise ValueError(f"seed= seeds the default sampler, but a sampler was given: pass the "
                         f"seed to it instead ({type(sampler).__name__}(seed={seed}))")


def _check_heartbeat(interval: float | None, grace: float | None) -> Heartbeat | None:
    if interval is not None and interval <= 0:
        raise ValueError(f"heartbeat_interval must be > 0 seconds, got {interval!r}")
    if grace is not None and (interval is None or grace <= interval):
        raise ValueError("grace_period needs heartbeat_interval and must exceed it")
    return None if interval is None else Heartbeat(interval, grace)


def _check_retry(retry_failed: int | None) -> int | None:
    if retry_failed is not None and (isinstance(retry_failed, bool)
                                     or not isinstance(retry_failed, int) or retry_failed < 0):
        raise ValueError(f"retry_failed must be an int >= 0 (how many times a trial whose "
                         f"worker died runs again), got {retry_failed!r}")
    return retry_failed


def create_study(*, storage: str | BaseStorage | None = None,
                 sampler: BaseSampler | None = None, pruner: BasePruner | None = None,
                 study_name: str | None = None, direction: str | None = None,
                 directions: Sequence[str] | None = None, load_if_exists: bool = False,
                 space: SearchSpace | dict | None = None,
                 heartbeat_interval: float | None = None,
                 grace_period: float | None = None, retry_failed: int | None = None,
                 seed: int | None = None) -> Study:
    """Create a study (or resume it with `load_if_exists=True`).

    storage: None (in memory), a URL such as "sqlite:///hyperloom.db" or
    "postgresql+psycopg://user@host/db", or a storage object.
    space: a static search space, sampled at `ask()`; stored with the study.
    heartbeat_interval: seconds between beats of running trials (from `ask()` until the
    trial is told, so ask/tell loops beat too); with it, a trial whose worker stopped beating
    for `grace_period` (default: 10 intervals, at least 60 s) is marked FAILED by any other
    worker of the study. A result that comes back for such a trial is kept as a new COMPLETE
    trial (system attr `late_result_of`), with a warning. Stored with the study too.
    retry_failed: how many times a trial whose worker died (a killed worker process or Dask
    worker, a stopped heartbeat) runs again with the same params, as a new trial with the
    system attr `retry_of` (default 0: never). Stored with the study.
    seed: seeds the default sampler (`AutoSampler(seed=seed)`); give a sampler of your own
    its seed instead.
    A resumed study keeps its stored space, heartbeat and retries unless new ones are given.
    """
    heartbeat = _check_heartbeat(heartbeat_interval, grace_period)
    retry_failed = _check_retry(retry_failed)
    _check_seed(seed, sampler)
    dirs = _check_directions(direction, directions)
    name = f"study-{uuid.uuid4().hex[:8]}" if study_name is None \
        else check_study_name(study_name)
    store = get_storage(storage)
    try:
        study_id = store.create_study(name, dirs)
        stored_space, stored_beat = None, None
    except DuplicatedStudyError:
        if not load_if_exists:
            raise
        study_id = store.get_study_id(name)
        stored = store.get_study_directions(study_id)
        if stored != dirs:
            raise ValueError(f"study {name!r} exists with directions {stored}, not {dirs}; "
                             "pass the same directions or another study_name") from None
        stored_space, stored_beat = stored_options(store, study_id)
    if heartbeat is not None:
        store_heartbeat(store, study_id, heartbeat)
    if retry_failed is not None:
        store_retry(store, study_id, retry_failed)
    else:
        retry_failed = stored_retry(store, study_id)
    study = Study(store, study_id, name, dirs, sampler or _default_sampler(seed),
                  pruner if pruner is not None else MedianPruner(), stored_space,
                  heartbeat or stored_beat, retry_failed)
    if space is not None:
        study.space = space
    return study


def load_study(*, study_name: str | None = None, storage: str | BaseStorage,
               sampler: BaseSampler | None = None, pruner: BasePruner | None = None,
               heartbeat_interval: float | None = None,
               grace_period: float | None = None, retry_failed: int | None = None,
               seed: int | None = None) -> Study:
    """Open an existing study, with its stored space, heartbeat settings and retries (those
    given here, if any, are used instead, for this process). `study_name` may be left out
    when the storage holds only one study. `seed` seeds the default sampler."""
    heartbeat = _check_heartbeat(heartbeat_interval, grace_period)
    retry_failed = _check_retry(retry_failed)
    _check_seed(seed, sampler)
    store = get_storage(storage)
    if study_name is None:
        names = [s.name for s in store.list_studies()]
        if len(names) != 1:
            raise ValueError(f"the storage holds {len(names)} studies {names}; "
                             "pass study_name")
        study_name = names[0]
    study_id = store.get_study_id(study_name)
    space, stored_beat = stored_options(store, study_id)
    return Study(store, study_id, study_name, store.get_study_directions(study_id),
                 sampler or _default_sampler(seed),
                 pruner if pruner is not None else MedianPruner(),
                 space, heartbeat or stored_beat,
                 stored_retry(store, study_id) if retry_failed is None else retry_failed)


def delete_study(*, study_name: str, storage: str | BaseStorage) -> None:
    store = get_storage(storage)
    store.delete_study(store.get_study_id(study_name))


def get_all_study_summaries(storage: str | BaseStorage) -> list:
    return get_storage(storage).list_studies()
