"""Options Optuna attaches to objects that ours do not carry, kept beside them (weakly, so they
go with the object): a sampler's `constraints_func`, a CMA-ES warm start waiting for the
study's direction, and a storage's heartbeat and retry settings (ours are study settings)."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from typing import Any

#: sampler -> constraints_func(frozen_trial) -> constraint values (feasible when all <= 0)
constraints_funcs: weakref.WeakKeyDictionary[Any, Callable[[Any], Sequence[float]]] = \
    weakref.WeakKeyDictionary()
#: CMA-ES sampler -> the source trials of its warm start
warm_starts: weakref.WeakKeyDictionary[Any, list[Any]] = weakref.WeakKeyDictionary()
#: storage -> create_study keyword arguments (heartbeat_interval, grace_period, retry_failed)
study_settings: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()
