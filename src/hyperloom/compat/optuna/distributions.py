"""`optuna.distributions`: Optuna's distribution classes as plain descriptions, with the
attributes scripts read (`low`, `high`, `log`, `step`, `choices`). Wherever they reach
hyperloom (`study.ask(fixed_distributions=...)`, `create_trial`, `add_trial`) they become our
distributions through `hyperloom.space.from_optuna_distribution`; `from_hyperloom` goes back.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from hyperloom.space import (
    Choice,
    Constant,
    Distribution,
    IntUniform,
    LogUniform,
    QUniform,
    Uniform,
    from_optuna_distribution,
)

CategoricalChoiceType = None | bool | int | float | str


class BaseDistribution:
    """What every Optuna distribution offers scripts: its attributes as a dict, JSON, and the
    conversion between a value and Optuna's internal float."""

    def _asdict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.__dict__ == self.__dict__

    def __hash__(self) -> int:
        return hash((type(self).__name__, json.dumps(self._asdict(), sort_keys=True)))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in sorted(self._asdict().items()))
        return f"{type(self).__name__}({args})"

    def to_hyperloom(self) -> Distribution:
        """Our distribution with the same values."""
        return from_optuna_distribution(self)

    def single(self) -> bool:
        """Whether the distribution holds one value only."""
        ours = self.to_hyperloom()
        return isinstance(ours, Constant) or (ours.finite and len(ours.values()) == 1)

    def to_internal_repr(self, value: Any) -> float:
        return float(value)

    def to_external_repr(self, value: float) -> Any:
        return value


class FloatDistribution(BaseDistribution):
    def __init__(self, low: float, high: float, log: bool = False,
                 step: float | None = None) -> None:
        if log and step is not None:
            raise ValueError("FloatDistribution: `step` and `log=True` cannot be combined")
        self.low, self.high, self.log, self.step = float(low), float(high), bool(log), step
        self.to_hyperloom()  # the same checks as ours, with our messages


class IntDistribution(BaseDistribution):
    def __init__(self, low: int, high: int, log: bool = False, step: int = 1) -> None:
        self.low, self.high, self.log, self.step = int(low), int(high), bool(log), int(step)
        self.to_hyperloom()


class CategoricalDistribution(BaseDistribution):
    def __init__(self, choices: Sequence[CategoricalChoiceType]) -> None:
        self.choices = tuple(choices)
        self.to_hyperloom()

    def to_internal_repr(self, value: Any) -> float:
        return float(self.choices.index(value))

    def to_external_repr(self, value: float) -> Any:
        return self.choices[int(value)]


class UniformDistribution(FloatDistribution):
    """Deprecated in Optuna: FloatDistribution(low, high)."""

    def __init__(self, low: float, high: float) -> None:
        super().__init__(low, high)


class LogUniformDistribution(FloatDistribution):
    """Deprecated in Optuna: FloatDistribution(low, high, log=True)."""

    def __init__(self, low: float, high: float) -> None:
        super().__init__(low, high, log=True)


class DiscreteUniformDistribution(FloatDistribution):
    """Deprecated in Optuna: FloatDistribution(low, high, step=q)."""

    def __init__(self, low: float, high: float, q: float) -> None:
        super().__init__(low, high, step=q)

    @property
    def q(self) -> float | None:
        return self.step


class IntUniformDistribution(IntDistribution):
    """Deprecated in Optuna: IntDistribution(low, high, step=step)."""

    def __init__(self, low: int, high: int, step: int = 1) -> None:
        super().__init__(low, high, step=step)


class IntLogUniformDistribution(IntDistribution):
    """Deprecated in Optuna: IntDistribution(low, high, log=True)."""

    def __init__(self, low: int, high: int, step: int = 1) -> None:
        super().__init__(low, high, log=True, step=step)


def from_hyperloom(distribution: Distribution) -> BaseDistribution | Distribution:
    """The Optuna distribution with the same values as one of ours; ours as it is where Optuna
    has none (normal families, choices of nested spaces)."""
    if isinstance(distribution, Uniform):
        return FloatDistribution(distribution.low, distribution.high)
    if isinstance(distribution, LogUniform):
        return FloatDistribution(distribution.low, distribution.high, log=True)
    if isinstance(distribution, QUniform):
        return FloatDistribution(distribution.low, distribution.high, step=distribution.q)
    if isinstance(distribution, IntUniform):
        return IntDistribution(distribution.low, distribution.high, log=distribution.log,
                               step=distribution.step)
    if isinstance(distribution, Choice) and not distribution.has_subspaces:
        return CategoricalDistribution(distribution.values())
    if isinstance(distribution, Constant) and isinstance(distribution.value, (int, float)) \
            and not isinstance(distribution.value, bool):
        kind = IntDistribution if isinstance(distribution.value, int) else FloatDistribution
        return kind(distribution.value, distribution.value)
    return distribution


def distribution_to_json(dist: BaseDistribution) -> str:
    return json.dumps({"name": type(dist).__name__, "attributes": dist._asdict()})


def json_to_distribution(json_str: str) -> BaseDistribution:
    data = json.loads(json_str)
    cls = globals().get(data.get("name", ""))
    if not (isinstance(cls, type) and issubclass(cls, BaseDistribution)):
        raise ValueError(f"unknown distribution {data.get('name')!r} in {json_str!r}")
    attributes = dict(data["attributes"])
    if cls is DiscreteUniformDistribution and "step" in attributes:
        attributes["q"] = attributes.pop("step")
    if cls in (UniformDistribution, LogUniformDistribution, DiscreteUniformDistribution):
        attributes.pop("log", None)
        if cls is not DiscreteUniformDistribution:
            attributes.pop("step", None)
    if cls is IntLogUniformDistribution:
        attributes.pop("log", None)
    return cls(**attributes)


def check_distribution_compatibility(dist_old: BaseDistribution,
                                     dist_new: BaseDistribution) -> None:
    """ValueError when a parameter's distribution changes kind (what Optuna refuses)."""
    families = (FloatDistribution, IntDistribution, CategoricalDistribution)
    if not any(isinstance(dist_old, f) and isinstance(dist_new, f) for f in families):
        raise ValueError("Cannot set different distribution kind to the same parameter name.")
    if isinstance(dist_old, CategoricalDistribution) and dist_old.choices != dist_new.choices:
        raise ValueError("CategoricalDistribution does not support dynamic value space.")


__all__ = ["BaseDistribution", "CategoricalChoiceType", "CategoricalDistribution",
           "DiscreteUniformDistribution", "FloatDistribution", "IntDistribution",
           "IntLogUniformDistribution", "IntUniformDistribution", "LogUniformDistribution",
           "UniformDistribution", "check_distribution_compatibility", "distribution_to_json",
           "from_hyperloom", "json_to_distribution"]
