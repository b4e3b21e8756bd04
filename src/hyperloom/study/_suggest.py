"""What the trial in the coordinator and the trial that stands for it in a worker process
(`_remote.py`) share: the define-by-run suggestion methods and the checks of reports."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ..space import Choice, Distribution, IntUniform, LogUniform, QUniform, Uniform


class SuggestApi:
    """`suggest_float`, `suggest_int`, `suggest_categorical` and `suggest`, on top of a
    subclass's `_suggest_stored(name, distribution)` (the stored value of the parameter)."""

    intermediate_values: dict[int, float]
    params: dict[str, Any]
    distributions: dict[str, Distribution]

    # -- suggestions --------------------------------------------------------------------------
    def suggest_float(self, name: str, low: float, high: float, *, step: float | None = None,
                      log: bool = False) -> float:
        """A float in [low, high]; `log=True` for a log scale, `step` for a grid of values."""
        if step is not None:
            if log:
                raise ValueError(f"parameter {name!r}: `step` and `log=True` cannot be combined; "
                                 "drop one of them")
            return self.suggest(name, QUniform(low, high, step))
        return self.suggest(name, LogUniform(low, high) if log else Uniform(low, high))

    def suggest_int(self, name: str, low: int, high: int, *, step: int = 1,
                    log: bool = False) -> int:
        """An integer in [low, high], both included."""
        return self.suggest(name, IntUniform(low, high, step=step, log=log))

    def suggest_categorical(self, name: str, choices: Sequence[Any]) -> Any:
        """One of `choices` (JSON values, or module-level classes and functions)."""
        return self.suggest(name, Choice(choices))

    def suggest(self, name: str, distribution: Distribution) -> Any:
        """A value for `name` from `distribution`; the same name twice gives the same value."""
        return distribution.to_external(self._suggest_stored(name, distribution))

    def _suggest_stored(self, name: str, distribution: Distribution) -> Any:
        raise NotImplementedError

    def _suggested_before(self, name: str, distribution: Distribution) -> bool:
        """True when `name` has its value already; an error when asked again with another
        distribution, or with something that is not a distribution."""
        known = self.distributions.get(name)
        if known is not None:
            if known != distribution:
                raise ValueError(f"parameter {name!r} was suggested before with {known!r}; it "
                                 f"cannot change to {distribution!r} in the same trial")
            return True
        if not isinstance(distribution, Distribution):
            raise TypeError(f"parameter {name!r}: expected a Distribution, got "
                            f"{type(distribution).__name__}")
        return False

    @property
    def last_step(self) -> int | None:
        return max(self.intermediate_values) if self.intermediate_values else None


def checked_report(value: Any, step: Any) -> float:
    """`value` as a float for `trial.report`, or a TypeError/ValueError naming the mistake."""
    if isinstance(step, bool) or not isinstance(step, int) or step < 0:
        raise ValueError(f"trial.report: `step` must be a non-negative int, got {step!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"trial.report: `value` must be a number, got {value!r}") from None


def checked_constraints(values: Sequence[float]) -> list[float]:
    """Constraint values as floats for `trial.set_constraint`, or the error naming the mistake."""
    try:
        floats = [float(v) for v in values]
    except (TypeError, ValueError):
        raise TypeError(f"trial.set_constraint: expected a list of numbers, got {values!r}"
                        ) from None
    if any(math.isnan(v) for v in floats):
        raise ValueError("trial.set_constraint: constraint values must not be NaN")
    return floats
