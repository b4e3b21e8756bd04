"""Optuna's `suggest_*` methods, old names included, written once for the live trial, the
FixedTrial and the FrozenTrial over `_suggest(name, distribution)` with our distributions."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from hyperloom.space import (
    Choice,
    Constant,
    Distribution,
    IntUniform,
    LogUniform,
    QUniform,
    Uniform,
)


def given_value(params: Mapping[str, Any], name: str, distribution: Distribution,
                owner: str) -> Any:
    """The value that a FixedTrial's or FrozenTrial's `params` give `name`: a missing one is an
    error naming `owner` and the fix; one outside `distribution` is kept with a warning, as in
    Optuna."""
    if name not in params:
        raise ValueError(f"{owner}: the value of parameter {name!r} is not given; add it to "
                         "the params the trial is made with")
    value = params[name]
    if not distribution.contains(value):
        warnings.warn(f"{owner}: {value!r} for parameter {name!r} is not a value of "
                      f"{distribution!r}", stacklevel=4)
    return value


class BaseTrial:
    """The suggestion API every Optuna trial has; subclasses give `_suggest`."""

    def _suggest(self, name: str, distribution: Distribution) -> Any:
        raise NotImplementedError

    def suggest_float(self, name: str, low: float, high: float, *, step: float | None = None,
                      log: bool = False) -> float:
        if step is not None and log:
            raise ValueError(f"parameter {name!r}: `step` and `log=True` cannot be combined")
        if low == high:  # Optuna allows a range of one value
            return self._suggest(name, Constant(float(low)))
        if step is not None:
            return self._suggest(name, QUniform(low, high, step))
        return self._suggest(name, LogUniform(low, high) if log else Uniform(low, high))

    def suggest_int(self, name: str, low: int, high: int, step: int = 1,
                    log: bool = False) -> int:
        return int(self._suggest(name, IntUniform(int(low), int(high), step=step, log=log)))

    def suggest_categorical(self, name: str, choices: Sequence[Any]) -> Any:
        return self._suggest(name, Choice(list(choices)))

    # Optuna's old names, still in scripts written for Optuna 2
    def suggest_uniform(self, name: str, low: float, high: float) -> float:
        return self.suggest_float(name, low, high)

    def suggest_loguniform(self, name: str, low: float, high: float) -> float:
        return self.suggest_float(name, low, high, log=True)

    def suggest_discrete_uniform(self, name: str, low: float, high: float, q: float) -> float:
        return self.suggest_float(name, low, high, step=q)
