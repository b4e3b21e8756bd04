"""The live trial an Optuna objective receives (a thin wrapper over ours: old suggestion
names, named constraints, `trial.study`), and FixedTrial for testing an objective alone."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from hyperloom.compat import CONSTRAINT_NAMES
from hyperloom.space import Distribution
from hyperloom.study import Trial as _OurTrial

from ._suggest import BaseTrial, given_value
from .distributions import from_hyperloom

if TYPE_CHECKING:
    from ._study import Study


class Trial(BaseTrial):
    """What `study.optimize` hands the objective and `study.ask()` returns. Anything Optuna's
    Trial has that is not here is read from our trial (`report`, `should_prune`, ...)."""

    def __init__(self, trial: _OurTrial, study: Study) -> None:
        self._trial = trial
        self.study = study
        self._constraints: dict[str, float] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._trial, name)

    def __repr__(self) -> str:
        return f"Trial(number={self.number}, params={self.params})"

    def _suggest(self, name: str, distribution: Distribution) -> Any:
        return self._trial.suggest(name, distribution)

    @property
    def number(self) -> int:
        return self._trial.number

    @property
    def _trial_id(self) -> int:
        return self._trial.trial_id

    @property
    def params(self) -> dict[str, Any]:
        """The values the objective received (ours stores classes by import path)."""
        dists = self._trial.distributions
        return {n: dists[n].to_external(v) for n, v in self._trial.params.items()}

    @property
    def distributions(self) -> dict[str, Any]:
        return {n: from_hyperloom(d) for n, d in self._trial.distributions.items()}

    @property
    def user_attrs(self) -> dict[str, Any]:
        return dict(self._trial.user_attrs)

    @property
    def system_attrs(self) -> dict[str, Any]:
        return dict(self.study.storage.get_trial(self._trial.trial_id).system_attrs)

    @property
    def datetime_start(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self._trial.datetime_start)

    @property
    def relative_params(self) -> dict[str, Any]:
        return {}

    @property
    def constraints(self) -> dict[str, float]:
        return dict(self._constraints)

    def set_constraint(self, key: str, value: float) -> None:
        """A named constraint value (Optuna 5): feasible when every value is <= 0. Ours keeps
        the values as a list, in the order the names were first set."""
        self._constraints[key] = float(value)
        self._trial.set_constraint(list(self._constraints.values()))
        self.set_system_attr(CONSTRAINT_NAMES, list(self._constraints))

    def set_system_attr(self, key: str, value: Any) -> None:
        self.study.storage.set_trial_attr(self._trial.trial_id, key, value, system=True)


class FixedTrial(BaseTrial):
    """A trial whose suggestions return the given params: run an objective once, outside any
    study (to test it, or to rebuild the best model)."""

    def __init__(self, params: dict[str, Any], number: int = 0) -> None:
        self._params = dict(params)
        self._suggested: dict[str, Any] = {}
        self._distributions: dict[str, Any] = {}
        self._user_attrs: dict[str, Any] = {}
        self._system_attrs: dict[str, Any] = {}
        self._constraints: dict[str, float] = {}
        self._datetime_start = dt.datetime.now()
        self._number = number

    def _suggest(self, name: str, distribution: Distribution) -> Any:
        value = given_value(self._params, name, distribution, "FixedTrial")
        self._suggested[name] = value
        self._distributions[name] = from_hyperloom(distribution)
        return value

    def report(self, value: float, step: int) -> None:
        """Does nothing: a FixedTrial is never pruned."""

    def should_prune(self) -> bool:
        return False

    def set_user_attr(self, key: str, value: Any) -> None:
        self._user_attrs[key] = value

    def set_system_attr(self, key: str, value: Any) -> None:
        self._system_attrs[key] = value

    def set_constraint(self, key: str, value: float) -> None:
        self._constraints[key] = float(value)

    @property
    def params(self) -> dict[str, Any]:
        return dict(self._suggested)

    @property
    def distributions(self) -> dict[str, Any]:
        return dict(self._distributions)

    @property
    def user_attrs(self) -> dict[str, Any]:
        return dict(self._user_attrs)

    @property
    def system_attrs(self) -> dict[str, Any]:
        return dict(self._system_attrs)

    @property
    def constraints(self) -> dict[str, float]:
        return dict(self._constraints)

    @property
    def datetime_start(self) -> dt.datetime:
        return self._datetime_start

    @property
    def number(self) -> int:
        return self._number
