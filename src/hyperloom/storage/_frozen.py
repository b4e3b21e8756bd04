"""Trial records as storages return them. They live at the storage layer (below study/) because
storages build them; `hyperloom.study` re-exports them as the public names."""

from __future__ import annotations

import datetime as _dt
import enum
import math
from typing import Any

from ..space import Distribution


class TrialState(enum.IntEnum):
    RUNNING = 0
    COMPLETE = 1
    PRUNED = 2
    FAILED = 3
    WAITING = 4

    def is_finished(self) -> bool:
        return self in (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAILED)


class FrozenTrial:
    """A read-only snapshot of one trial. `params` holds stored values (JSON); use
    `external_params` for what the objective received (classes for import paths)."""

    __slots__ = ("trial_id", "number", "state", "values", "params", "distributions",
                 "intermediate_values", "user_attrs", "system_attrs", "datetime_start",
                 "datetime_complete")

    def __init__(self, *, trial_id: int, number: int, state: TrialState,
                 values: list[float] | None, params: dict[str, Any],
                 distributions: dict[str, Distribution],
                 intermediate_values: dict[int, float] | None = None,
                 user_attrs: dict[str, Any] | None = None,
                 system_attrs: dict[str, Any] | None = None,
                 datetime_start: float | None = None,
                 datetime_complete: float | None = None) -> None:
        self.trial_id = trial_id
        self.number = number
        self.state = state
        self.values = values
        self.params = params
        self.distributions = distributions
        self.intermediate_values = intermediate_values if intermediate_values is not None else {}
        self.user_attrs = user_attrs if user_attrs is not None else {}
        self.system_attrs = system_attrs if system_attrs is not None else {}
        self.datetime_start = datetime_start
        self.datetime_complete = datetime_complete

    @classmethod
    def _from_row(cls, trial_id: int, number: int, state: TrialState, values: Any,
                  params: Any, distributions: Any, intermediate_values: Any, user_attrs: Any,
                  system_attrs: Any, datetime_start: Any, datetime_complete: Any) -> FrozenTrial:
        """Positional constructor for storages loading many rows (no keyword handling)."""
        t = cls.__new__(cls)
        t.trial_id, t.number, t.state, t.values, t.params = (trial_id, number, state, values,
                                                             params)
        t.distributions, t.intermediate_values = distributions, intermediate_values
        t.user_attrs, t.system_attrs = user_attrs, system_attrs
        t.datetime_start, t.datetime_complete = datetime_start, datetime_complete
        return t

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

    def __repr__(self) -> str:
        return (f"FrozenTrial(number={self.number}, state={self.state.name}, "
                f"values={self.values}, params={self.params})")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FrozenTrial):
            return NotImplemented
        return all(_same(getattr(self, s), getattr(other, s)) for s in self.__slots__)

    __hash__ = None  # type: ignore[assignment]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def _to_datetime(ts: float | None) -> _dt.datetime | None:
    return None if ts is None else _dt.datetime.fromtimestamp(ts, tz=_dt.timezone.utc)
