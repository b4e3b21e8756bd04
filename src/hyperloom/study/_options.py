"""Options stored with a study, so that `load_study` and every worker get them back: the
static search space, the heartbeat settings and `retry_failed` (kept as the study's system
attributes)."""

from __future__ import annotations

from typing import Any

from ..space import SearchSpace
from ..storage import BaseStorage
from ._context import Heartbeat

_SPACE = "search_space"
_HEARTBEAT = "heartbeat"
_RETRY = "retry_failed"


def store_space(storage: BaseStorage, study_id: int, space: SearchSpace | None) -> None:
    storage.set_study_attr(study_id, _SPACE, None if space is None else space.to_dict(),
                           system=True)


def store_heartbeat(storage: BaseStorage, study_id: int, heartbeat: Heartbeat | None) -> None:
    value = None if heartbeat is None else {"interval": heartbeat.interval,
                                            "grace": heartbeat.grace}
    storage.set_study_attr(study_id, _HEARTBEAT, value, system=True)


def store_retry(storage: BaseStorage, study_id: int, retry_failed: int) -> None:
    storage.set_study_attr(study_id, _RETRY, retry_failed, system=True)


def stored_retry(storage: BaseStorage, study_id: int) -> int:
    value = storage.get_study_attrs(study_id, system=True).get(_RETRY, 0)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def stored_options(storage: BaseStorage,
                   study_id: int) -> tuple[SearchSpace | None, Heartbeat | None]:
    """The space and heartbeat stored with the study (None for either when there is none).
    Reading them imports nothing: classes in a Choice come back as inert references."""
    attrs: dict[str, Any] = storage.get_study_attrs(study_id, system=True)
    space = attrs.get(_SPACE)
    beat = attrs.get(_HEARTBEAT)
    return (None if space is None else SearchSpace.from_dict(space),
            None if beat is None else Heartbeat(beat["interval"], beat["grace"]))
