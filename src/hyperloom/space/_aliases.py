"""Lower-case constructors for sweep files and quick scripts; bounds are real values."""

from __future__ import annotations

from typing import Any

from ._choice import Choice
from ._distributions import (
    Constant,
    IntUniform,
    LogNormal,
    LogUniform,
    Normal,
    QNormal,
    QUniform,
    Uniform,
)


def uniform(low: float, high: float) -> Uniform:
    return Uniform(low, high)


def loguniform(low: float, high: float) -> LogUniform:
    return LogUniform(low, high)


def quniform(low: float, high: float, q: float) -> QUniform:
    return QUniform(low, high, q)


def randint(low: int, high: int | None = None) -> IntUniform:
    """An integer in [low, high) like numpy and Ray Tune; `randint(n)` is [0, n)."""
    if high is None:
        low, high = 0, low
    if high <= low:
        raise ValueError(f"randint: `high` is exclusive and must exceed `low`, got low={low!r} "
                         f"high={high!r}")
    return IntUniform(low, high - 1)


def intuniform(low: int, high: int, step: int = 1, log: bool = False) -> IntUniform:
    """An integer in [low, high], both included."""
    return IntUniform(low, high, step=step, log=log)


def normal(mu: float, sigma: float) -> Normal:
    return Normal(mu, sigma)


def lognormal(mu: float, sigma: float) -> LogNormal:
    return LogNormal(mu, sigma)


def qnormal(mu: float, sigma: float, q: float) -> QNormal:
    return QNormal(mu, sigma, q)


def choice(options: Any) -> Choice:
    return Choice(options)


def constant(value: Any) -> Constant:
    return Constant(value)
