"""Optuna's FrozenTrial: a plain, mutable record (datetimes as `datetime`, the duration as a
`timedelta`, states with Optuna's names, params as the objective received them), built from
our read-only records, and `create_trial` to make one by hand for `study.add_trial`."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from typing import Any

from hyperloom.compat import CONSTRAINT_NAMES, SOURCE_COMPLETE, SOURCE_START
from hyperloom.space import Distribution, from_optuna_distribution
from hyperloom.storage import FrozenTrial as _OurRecord

from ._state import TrialState, theirs
from ._suggest import BaseTrial, given_value
from .distributions import BaseDistribution, from_hyperloom

_CONSTRAINTS = "constraints"


class FrozenTrial(BaseTrial):
    """A finished (or running) trial as Optuna scripts read it. `suggest_*` give back its own
    params, so an objective can be called on it again."""

    def __init__(self, number: int, state: TrialState, value: float | None,
                 datetime_start: dt.datetime | None, datetime_complete: dt.datetime | None,
                 params: dict[str, Any], distributions: dict[str, Any],
                 user_attrs: dict[str, Any], system_attrs: dict[str, Any],
                 intermediate_values: dict[int, float], trial_id: int, *,
                 values: Sequence[float] | None = None) -> None:
        if value is not None and values is not None:
            raise ValueError("FrozenTrial: give `value` or `values`, not both")
        self.number = number
        self.state = theirs(state)
        self._values = [float(value)] if value is not None else \
            (None if values is None else [float(v) for v in values])
        self.datetime_start = datetime_start
        self.datetime_complete = datetime_complete
        self.params = dict(params)
        self.distributions = dict(distributions)
        self.user_attrs = dict(user_attrs)
        self.system_attrs = dict(system_attrs)
        self.intermediate_values = dict(intermediate_values)
        self._trial_id = trial_id

    def __repr__(self) -> str:
        return (f"FrozenTrial(number={self.number}, state={self.state!r}, "
                f"values={self._values}, params={self.params})")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FrozenTrial) and other.__dict__ == self.__dict__

    def __lt__(self, other: FrozenTrial) -> bool:
        return self.number < other.number

    __hash__ = None  # type: ignore[assignment]

    @property
    def value(self) -> float | None:
        if self._values is not None and len(self._values) > 1:
            raise RuntimeError("this trial has several objective values; use `values`")
        return None if self._values is None else self._values[0]

    @value.setter
    def value(self, v: float | None) -> None:
        self._values = None if v is None else [float(v)]

    @property
    def values(self) -> list[float] | None:
        return self._values

    @values.setter
    def values(self, v: Sequence[float] | None) -> None:
        self._values = None if v is None else [float(x) for x in v]

    @property
    def duration(self) -> dt.timedelta | None:
        if self.datetime_start is None or self.datetime_complete is None:
            return None
        return self.datetime_complete - self.datetime_start

    @property
    def last_step(self) -> int | None:
        return max(self.intermediate_values) if self.intermediate_values else None

    @property
    def constraints(self) -> dict[str, float]:
        """Constraint values by name (those of a `constraints_func` by position: "0", "1")."""
        found = {str(i): v for i, v in enumerate(self.system_attrs.get(_CONSTRAINTS) or ())}
        found.update({k[len(_CONSTRAINTS) + 1:]: v for k, v in self.system_attrs.items()
                      if k.startswith(_CONSTRAINTS + ":")})
        return found

    def set_constraint(self, key: str, value: float) -> None:
        self.system_attrs[f"{_CONSTRAINTS}:{key}"] = float(value)

    def set_user_attr(self, key: str, value: Any) -> None:
        self.user_attrs[key] = value

    def set_system_attr(self, key: str, value: Any) -> None:
        self.system_attrs[key] = value

    def report(self, value: float, step: int) -> None:
        """Does nothing: a frozen trial is never pruned."""

    def should_prune(self) -> bool:
        return False

    def _suggest(self, name: str, distribution: Distribution) -> Any:
        value = given_value(self.params, name, distribution, "FrozenTrial")
        self.distributions[name] = from_hyperloom(distribution)
        return value


@functools.lru_cache(maxsize=4096)
def _theirs(distribution: Distribution) -> BaseDistribution | Distribution:
    return from_hyperloom(distribution)


def _when(epoch: float | None) -> dt.datetime | None:
    return None if epoch is None else dt.datetime.fromtimestamp(epoch)


def _thaw(value: Any) -> Any:
    """Plain (mutable) copies of our read-only dicts and lists."""
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_thaw(v) for v in value]
    return value


def _optuna_system_attrs(system: Mapping[str, Any]) -> dict[str, Any]:
    """Our system attributes as Optuna keeps them: named constraints one key each."""
    out = _thaw(system)
    names, values = out.get(CONSTRAINT_NAMES), out.get(_CONSTRAINTS)
    if names is not None and values is not None and len(names) == len(values):
        del out[CONSTRAINT_NAMES], out[_CONSTRAINTS]
        out.update({f"{_CONSTRAINTS}:{n}": v for n, v in zip(names, values)})
    return out


def from_ours(trial: _OurRecord) -> FrozenTrial:
    """Optuna's view of one of our records: a copy the script may change. A trial copied from
    elsewhere keeps its original times (`hyperloom.compat.SOURCE_START`)."""
    system = trial.system_attrs
    return FrozenTrial(
        number=trial.number, state=theirs(trial.state), value=None,
        values=None if trial.values is None else list(trial.values),
        datetime_start=_when(system.get(SOURCE_START, trial.datetime_start)),
        datetime_complete=_when(system.get(SOURCE_COMPLETE, trial.datetime_complete)),
        params=trial.external_params,
        distributions={n: _theirs(d) for n, d in trial.distributions.items()},
        user_attrs=_thaw(trial.user_attrs), system_attrs=_optuna_system_attrs(system),
        intermediate_values=dict(trial.intermediate_values), trial_id=trial.trial_id)


def create_trial(*, state: TrialState = TrialState.COMPLETE, value: float | None = None,
                 values: Sequence[float] | None = None, params: dict[str, Any] | None = None,
                 distributions: dict[str, Any] | None = None,
                 user_attrs: dict[str, Any] | None = None,
                 system_attrs: dict[str, Any] | None = None,
                 intermediate_values: dict[int, float] | None = None,
                 constraints: dict[str, float] | None = None) -> FrozenTrial:
    """A trial made by hand, for `study.add_trial`: params must match their distributions,
    and a COMPLETE trial needs its value(s)."""
    params, distributions = dict(params or {}), dict(distributions or {})
    if set(params) != set(distributions):
        raise ValueError(f"create_trial: params {sorted(params)} and distributions "
                         f"{sorted(distributions)} must name the same parameters")
    for name, value_ in params.items():
        ours = from_optuna_distribution(distributions[name], name)
        if not ours.contains(value_):
            raise ValueError(f"create_trial: parameter {name!r}: {value_!r} is not a value of "
                             f"{distributions[name]!r}")
    state = theirs(state)
    if state == TrialState.COMPLETE and value is None and values is None:
        raise ValueError("create_trial: a COMPLETE trial needs `value` or `values`")
    now = dt.datetime.now()
    trial = FrozenTrial(
        number=-1, state=state, value=value, values=values,
        datetime_start=None if state == TrialState.WAITING else now,
        datetime_complete=now if state.is_finished() else None, params=params,
        distributions=distributions, user_attrs=user_attrs or {},
        system_attrs=system_attrs or {}, intermediate_values=intermediate_values or {},
        trial_id=-1)
    for key, v in (constraints or {}).items():
        trial.set_constraint(key, v)
    return trial
