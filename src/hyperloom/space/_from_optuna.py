"""Optuna's distributions as ours. Read by their class name and attributes (or from Optuna's
JSON form, `{"name": ..., "attributes": ...}`), so this module never imports Optuna: stored
Optuna studies, Optuna objects and look-alikes (`hyperloom.compat.optuna.distributions`) all
translate the same way.

| Optuna                                    | hyperloom                               |
|-------------------------------------------|-----------------------------------------|
| FloatDistribution(low, high)              | Uniform(low, high)                      |
| FloatDistribution(low, high, log=True)    | LogUniform(low, high)                   |
| FloatDistribution(low, high, step=q)      | QUniform(low, high, q)                  |
| IntDistribution(low, high, log, step)     | IntUniform(low, high, step, log)        |
| CategoricalDistribution(choices)          | Choice(choices)                         |
| any of them with low == high              | Constant(low)                           |

The distributions Optuna deprecated (UniformDistribution, LogUniformDistribution,
DiscreteUniformDistribution, IntUniformDistribution, IntLogUniformDistribution) map like the
Float/Int ones they stand for.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ._choice import Choice
from ._distributions import Constant, Distribution, IntUniform, LogUniform, QUniform, Uniform
from ._space import SearchSpace

_FLOAT = "FloatDistribution"
_INT = "IntDistribution"
_CATEGORICAL = "CategoricalDistribution"
# Optuna's deprecated classes: their family, and how their JSON attributes read.
_DEPRECATED = {
    "UniformDistribution": (_FLOAT, {"log": False, "step": None}),
    "LogUniformDistribution": (_FLOAT, {"log": True, "step": None}),
    "DiscreteUniformDistribution": (_FLOAT, {"log": False}),
    "IntUniformDistribution": (_INT, {"log": False}),
    "IntLogUniformDistribution": (_INT, {"log": True}),
}


def _family(distribution: Any) -> str | None:
    """"FloatDistribution", "IntDistribution" or "CategoricalDistribution" for an Optuna
    distribution object (or a class named like one), None for anything else."""
    for cls in type(distribution).__mro__:
        if cls.__name__ in (_FLOAT, _INT, _CATEGORICAL):
            return cls.__name__
        if cls.__name__ in _DEPRECATED:
            return _DEPRECATED[cls.__name__][0]
    return None


def _from_json(data: Mapping[str, Any], where: str) -> tuple[str, dict[str, Any]]:
    name, attributes = data.get("name"), data.get("attributes")
    if not isinstance(attributes, Mapping):
        raise ValueError(f"{where}: {dict(data)!r} is not an Optuna distribution; expected "
                         "{'name': 'FloatDistribution', 'attributes': {...}}")
    if name in _DEPRECATED:
        family, implied = _DEPRECATED[name]
        attrs = {**implied, **attributes}
        if "q" in attrs:
            attrs["step"] = attrs.pop("q")
        return family, attrs
    if name not in (_FLOAT, _INT, _CATEGORICAL):
        raise ValueError(f"{where}: unknown Optuna distribution {name!r}; expected one of "
                         f"{_FLOAT}, {_INT}, {_CATEGORICAL} (or a deprecated one)")
    return name, dict(attributes)


def from_optuna_distribution(distribution: Any, name: str = "distribution") -> Distribution:
    """Our distribution for one Optuna distribution: an Optuna object, or its JSON form (a dict
    or the string `optuna.distributions.distribution_to_json` writes). `name` is only used in
    error messages (the parameter's name)."""
    where = f"parameter {name!r}"
    if isinstance(distribution, Distribution):
        return distribution
    if isinstance(distribution, str):
        try:
            distribution = json.loads(distribution)
        except json.JSONDecodeError:
            raise ValueError(f"{where}: {distribution!r} is not the JSON of an Optuna "
                             "distribution") from None
    if isinstance(distribution, Mapping):
        family, attrs = _from_json(distribution, where)
    else:
        family = _family(distribution)
        if family is None:
            raise TypeError(f"{where}: expected an Optuna distribution (FloatDistribution, "
                            f"IntDistribution or CategoricalDistribution), got "
                            f"{type(distribution).__name__}")
        fields = ("choices",) if family == _CATEGORICAL else ("low", "high", "log", "step")
        attrs = {f: getattr(distribution, f) for f in fields}
    try:
        return _build(family, attrs)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{where}: {exc}") from None


def _build(family: str, attrs: dict[str, Any]) -> Distribution:
    if family == _CATEGORICAL:
        return Choice(list(attrs["choices"]))
    low, high = attrs["low"], attrs["high"]
    log, step = bool(attrs.get("log", False)), attrs.get("step")
    if low == high:  # Optuna allows a range of one value
        return Constant(int(low) if family == _INT else float(low))
    if family == _INT:
        return IntUniform(low, high, step=1 if step is None else step, log=log)
    if step is not None:
        return QUniform(low, high, step)
    return LogUniform(low, high) if log else Uniform(low, high)


def from_optuna_distributions(distributions: Mapping[str, Any]) -> SearchSpace:
    """A SearchSpace of our distributions for a dict of Optuna ones (what `trial.distributions`,
    `study.ask(fixed_distributions=...)` or `optuna.trial.create_trial` hold). A SearchSpace
    is a mapping, so `dict(...)` of it gives name -> distribution where a dict is wanted."""
    if not isinstance(distributions, Mapping):
        raise TypeError(f"from_optuna_distributions: expected a dict of parameter name -> Optuna "
                        f"distribution, got {type(distributions).__name__}; for one "
                        "distribution use from_optuna_distribution")
    return SearchSpace({name: from_optuna_distribution(d, name)
                        for name, d in distributions.items()})
