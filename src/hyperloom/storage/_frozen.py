"""Trial records as storages return them. They live at the storage layer (below study/) because
storages build them; `hyperloom.study` re-exports them as the public names.

Records are shared (a finished trial is handed to every reader as the same object, which keeps
reading 10,000 trials a matter of microseconds), so they are read-only all the way down: their
attributes cannot be reassigned and their lists and dicts refuse changes."""

from __future__ import annotations

import datetime as _dt
import enum
import math
from typing import Any, NoReturn

from ..space import Distribution
from ._codec import loads_column

_READ_ONLY = ("trial records are read-only (shared by every reader of the study); "
              "work on a copy, e.g. dict(trial.params) or list(trial.values)")


def _refuse(self: Any, *args: Any, **kwargs: Any) -> NoReturn:
    raise TypeError(_READ_ONLY)


class FrozenList(list):
    """A list that refuses changes; equal to, and JSON-encoded like, a plain list."""

    __slots__ = ()
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse
    append = extend = insert = pop = remove = clear = sort = reverse = _refuse

    def __reduce__(self) -> tuple:
        return FrozenList, (list(self),)


class FrozenDict(dict):
    """A dict that refuses changes; equal to, and JSON-encoded like, a plain dict."""

    __slots__ = ()
    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __reduce__(self) -> tuple:
        return FrozenDict, (dict(self),)


EMPTY = FrozenDict()


def freeze(value: Any) -> Any:
    """`value` with every list and dict in it made read-only (scalars as they are)."""
    kind = type(value)
    if kind is dict or kind is FrozenDict:
        return FrozenDict({k: freeze(v) for k, v in value.items()}) if value else EMPTY
    if kind is list or kind is tuple or kind is FrozenList:
        return FrozenList([freeze(v) for v in value])
    return value


def freeze_flat(mapping: dict | None) -> FrozenDict:
    """A read-only copy of a dict whose values are known to be scalars or frozen already."""
    if type(mapping) is FrozenDict:
        return mapping
    return FrozenDict(mapping) if mapping else EMPTY


_CONTAINERS = frozenset({dict, list, tuple})


def freeze_mapping(mapping: dict | None) -> FrozenDict:
    """A read-only copy of a JSON object; nested lists and dicts are frozen too."""
    if not mapping:
        return EMPTY
    for v in mapping.values():
        if type(v) in _CONTAINERS:
            return freeze(mapping)
    return FrozenDict(mapping)


def frozen_json_objects(texts: list[str]) -> list[FrozenDict]:
    """Read-only dicts of many JSON object texts. One scan of the joined texts tells whether
    any may nest a list or dict; if none does, each dict is copied without looking inside."""
    joined = ",".join(texts)
    mappings = loads_column(texts)
    if "[" in joined or joined.count("{") != len(texts):
        return [freeze_mapping(m) for m in mappings]
    return [FrozenDict(m) if m else EMPTY for m in mappings]


class TrialState(enum.IntEnum):
    RUNNING = 0
    COMPLETE = 1
    PRUNED = 2
    FAILED = 3
    WAITING = 4

    def is_finished(self) -> bool:
        return self in (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAILED)


_FIELDS = ("trial_id", "number", "state", "values", "params", "distributions",
           "intermediate_values", "user_attrs", "system_attrs", "datetime_start",
           "datetime_complete")


class _TrialFields:
    __slots__ = _FIELDS


class TrialDraft(_TrialFields):
    """The mutable twin of `FrozenTrial` that storages fill; `freeze()` turns it into the
    record in place (same memory layout), so building a record costs no copy."""

    __slots__ = ()

    @classmethod
    def start(cls, trial_id: int, number: int, state: TrialState, params: dict[str, Any],
              distributions: dict[str, Distribution], system_attrs: dict[str, Any],
              datetime_start: float | None) -> TrialDraft:
        """The draft of a trial just created: no values, reports or user attributes yet."""
        d = cls()
        d.trial_id, d.number, d.state, d.values = trial_id, number, state, None
        d.params, d.distributions = freeze_mapping(params), freeze_flat(distributions)
        d.intermediate_values, d.user_attrs = EMPTY, EMPTY
        d.system_attrs = freeze_mapping(system_attrs)
        d.datetime_start, d.datetime_complete = datetime_start, None
        return d

    def freeze(self) -> FrozenTrial:
        self.__class__ = FrozenTrial
        return self  # type: ignore[return-value]


class FrozenTrial(_TrialFields):
    """A read-only snapshot of one trial. `params` holds stored values (JSON); use
    `external_params` for what the objective received (classes for import paths)."""

    __slots__ = ()

    def __init__(self, *, trial_id: int, number: int, state: TrialState,
                 values: list[float] | None, params: dict[str, Any],
                 distributions: dict[str, Distribution],
                 intermediate_values: dict[int, float] | None = None,
                 user_attrs: dict[str, Any] | None = None,
                 system_attrs: dict[str, Any] | None = None,
                 datetime_start: float | None = None,
                 datetime_complete: float | None = None) -> None:
        fields = (trial_id, number, state, None if values is None else FrozenList(values),
                  freeze_mapping(params), freeze_flat(distributions),
                  freeze_flat(intermediate_values), freeze_mapping(user_attrs),
                  freeze_mapping(system_attrs), datetime_start, datetime_complete)
        for name, value in zip(_FIELDS, fields):
            object.__setattr__(self, name, value)

    @classmethod
    def _from_row(cls, trial_id: int, number: int, state: TrialState, values: Any,
                  params: Any, distributions: Any, intermediate_values: Any, user_attrs: Any,
                  system_attrs: Any, datetime_start: Any, datetime_complete: Any) -> FrozenTrial:
        """Positional constructor for storages loading many rows: `params`, `distributions` and
        the attributes come read-only already (see `frozen_json_objects`)."""
        t = TrialDraft()
        t.trial_id, t.number, t.state = trial_id, number, state
        t.values = None if values is None else FrozenList(values)
        t.params, t.distributions = params, distributions
        t.intermediate_values = freeze_flat(intermediate_values)
        t.user_attrs, t.system_attrs = user_attrs, system_attrs
        t.datetime_start, t.datetime_complete = datetime_start, datetime_complete
        return t.freeze()

    def __setattr__(self, name: str, value: Any) -> NoReturn:
        raise AttributeError(f"cannot set {name!r}: {_READ_ONLY}")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"cannot delete {name!r}: {_READ_ONLY}")

    def __reduce__(self) -> tuple:
        return _rebuild, tuple(getattr(self, name) for name in _FIELDS)

    @property
    def value(self) -> float | None:
        """The objective value of a single-objective trial."""
        if self.values is None:
            return None
        if len(self.values) != 1:
            raise RuntimeError("this trial has several objective values; use `values`")
        return self.values[0]

    @property
    def external_params(self) -> dict[str, Any]:
        return {n: self.distributions[n].to_external(v) if n in self.distributions else v
                for n, v in self.params.items()}

    @property
    def last_step(self) -> int | None:
        return max(self.intermediate_values) if self.intermediate_values else None

    @property
    def started_at(self) -> _dt.datetime | None:
        return _to_datetime(self.datetime_start)

    @property
    def completed_at(self) -> _dt.datetime | None:
        return _to_datetime(self.datetime_complete)

    @property
    def duration(self) -> float | None:
        """Seconds from start to completion, or None while running."""
        if self.datetime_start is None or self.datetime_complete is None:
            return None
        return self.datetime_complete - self.datetime_start

    @property
    def constraints(self) -> list[float] | None:
        return self.system_attrs.get("constraints")

    @property
    def violation(self) -> float:
        """How far the trial is from feasible: the sum of its positive constraint values
        (0 when feasible or without constraints)."""
        return float(sum(max(0.0, float(x)) for x in self.constraints or ()))

    @property
    def feasible(self) -> bool:
        """True unless the trial reported a constraint value > 0."""
        c = self.constraints
        return c is None or all(x <= 0 for x in c)

    def with_params(self, params: dict[str, Any],
                    distributions: dict[str, Distribution]) -> FrozenTrial:
        """This record with `params` (and their distributions) added: a running trial as the
        process that runs it knows it, before its params reach the storage."""
        d = draft_of(self)
        d.params = freeze_mapping({**self.params, **params})
        d.distributions = freeze_flat({**self.distributions, **distributions})
        return d.freeze()

    def __repr__(self) -> str:
        return (f"FrozenTrial(number={self.number}, state={self.state.name}, "
                f"values={self.values}, params={self.params})")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FrozenTrial):
            return NotImplemented
        return all(_same(getattr(self, s), getattr(other, s)) for s in _FIELDS)

    __hash__ = None  # type: ignore[assignment]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def _to_datetime(ts: float | None) -> _dt.datetime | None:
    return None if ts is None else _dt.datetime.fromtimestamp(ts, tz=_dt.timezone.utc)


def draft_of(t: _TrialFields) -> TrialDraft:
    """A mutable copy of a record (or draft) for a storage to update; its containers are
    read-only, so they are shared, not copied."""
    d = TrialDraft()
    d.trial_id, d.number, d.state, d.values = t.trial_id, t.number, t.state, t.values
    d.params, d.distributions = t.params, t.distributions
    d.intermediate_values, d.user_attrs = t.intermediate_values, t.user_attrs
    d.system_attrs = t.system_attrs
    d.datetime_start, d.datetime_complete = t.datetime_start, t.datetime_complete
    return d


def _rebuild(*fields: Any) -> FrozenTrial:
    """Unpickle a record: its containers arrive read-only already."""
    d = TrialDraft()
    for name, value in zip(_FIELDS, fields):
        setattr(d, name, value)
    return d.freeze()
