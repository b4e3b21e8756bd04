"""Declared constructor parameters: a sampler or pruner lists what each argument may be, once,
and gets one validation with one message format and a repr built from its arguments.

    class MySampler(BaseSampler):
        _params = {"n_startup_trials": Int(0, None), "gamma": Real(0, 1, closed="neither")}

        def __init__(self, n_startup_trials: int = 10, gamma: float = 0.1) -> None:
            check_params(self, locals())  # "MySampler: `gamma` must be in (0, 1), got 2"
"""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Mapping
from typing import Any, ClassVar

_BRACKETS = {"both": "[]", "left": "[)", "right": "(]", "neither": "()"}


class Rule:
    """What one argument may be. Rules combine with `|` (either), and `| None`."""

    def accepts(self, value: Any, args: Mapping[str, Any]) -> bool:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def __or__(self, other: Rule | None) -> Rule:
        return AnyOf(self, other if other is not None else _NONE)


class AnyOf(Rule):
    def __init__(self, *rules: Rule) -> None:
        self.rules = [r for rule in rules for r in (rule.rules if isinstance(rule, AnyOf)
                                                   else [rule])]

    def accepts(self, value: Any, args: Mapping[str, Any]) -> bool:
        return any(r.accepts(value, args) for r in self.rules)

    def describe(self) -> str:
        return " or ".join(r.describe() for r in self.rules)


class _IsNone(Rule):
    def accepts(self, value: Any, args: Mapping[str, Any]) -> bool:
        return value is None

    def describe(self) -> str:
        return "None"


_NONE = _IsNone()


class Real(Rule):
    """A number (bools excluded) between `low` and `high` (None: unbounded). A bound may name
    another argument, e.g. `Int(0, "population_size")`."""

    _kind: tuple[type, ...] = (numbers.Real,)
    _noun = ""  # what `describe` calls a value of this kind, before its bounds

    def __init__(self, low: float | str | None, high: float | str | None,
                 closed: str = "both") -> None:
        if closed not in _BRACKETS:
            raise ValueError(f"`closed` must be one of {sorted(_BRACKETS)}, got {closed!r}")
        self.low, self.high, self.closed = low, high, closed

    def accepts(self, value: Any, args: Mapping[str, Any]) -> bool:
        if not isinstance(value, self._kind) or isinstance(value, bool) or math.isnan(value):
            return False
        low, high = (args[b] if isinstance(b, str) else b for b in (self.low, self.high))
        if low is not None and (value < low or (value == low and self.closed in
                                                ("right", "neither"))):
            return False
        return high is None or not (value > high or (value == high and self.closed in
                                                     ("left", "neither")))

    def describe(self) -> str:
        left, right = _BRACKETS[self.closed]
        if self.low is not None and self.high is not None:
            return f"{self._noun}in {left}{self.low}, {self.high}{right}"
        if self.low is not None:
            return f"{self._noun}{'>=' if left == '[' else '>'} {self.low}"
        if self.high is not None:
            return f"{self._noun}{'<=' if right == ']' else '<'} {self.high}"
        return self._noun.strip() or "a number"


class Int(Real):
    """An integer (bools excluded) between `low` and `high`, as `Real`."""

    _kind = (numbers.Integral,)
    _noun = "an int "


class Options(Rule):
    """One of the given values."""

    def __init__(self, *values: Any) -> None:
        self.values = values

    def accepts(self, value: Any, args: Mapping[str, Any]) -> bool:
        return any(value == v and type(value) is type(v) for v in self.values)

    def describe(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.values)


class Function(Rule):
    """Anything callable; `what` says what it computes, for the message."""

    def __init__(self, what: str = "") -> None:
        self.what = what

    def accepts(self, value: Any, args: Mapping[str, Any]) -> bool:
        return callable(value)

    def describe(self) -> str:
        return f"a function {self.what}".strip()


class Pair(Rule):
    """A (lo, hi) tuple or list, lo <= hi, both accepted by `item`."""

    def __init__(self, item: Rule) -> None:
        self.item = item

    def accepts(self, value: Any, args: Mapping[str, Any]) -> bool:
        return (isinstance(value, (tuple, list)) and len(value) == 2
                and all(self.item.accepts(v, args) for v in value) and value[0] <= value[1])

    def describe(self) -> str:
        return f"a pair (lo, hi) with lo <= hi, each {self.item.describe()}"


def check_params(owner: object, args: Mapping[str, Any]) -> None:
    """Check each argument that `type(owner)._params` declares a rule for; raise one
    ValueError naming the class, the argument, what it may be and what it got."""
    for name, rule in getattr(type(owner), "_params", {}).items():
        value = args[name]
        if not rule.accepts(value, args):
            raise ValueError(f"{type(owner).__name__}: `{name}` must be {rule.describe()}, "
                             f"got {value!r}")


class Configurable:
    """Mixin: a repr that shows the constructor arguments that differ from their defaults,
    read back from attributes of the same name, so that `eval(repr(x))` builds the same
    configuration. Subclasses declare `_params` (rules) for `check_params`."""

    _params: ClassVar[dict[str, Rule]] = {}

    def get_params(self) -> dict[str, Any]:
        """Every constructor argument, as the object holds it now."""
        return {name: getattr(self, name) for name in _arguments(type(self))}

    def __repr__(self) -> str:
        defaults = _arguments(type(self))
        if not all(hasattr(self, n) for n in defaults):  # a subclass that keeps its own names
            return object.__repr__(self)
        shown = [f"{n}={v!r}" for n, v in self.get_params().items()
                 if not _same(v, defaults[n])]
        return f"{type(self).__name__}({', '.join(shown)})"


def _arguments(cls: type) -> dict[str, Any]:
    """Name -> default of each named constructor argument (`inspect._empty` when none)."""
    params = inspect.signature(cls.__init__).parameters.values()
    return {p.name: p.default for p in params if p.name != "self"
            and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}


def _same(value: Any, default: Any) -> bool:
    if default is inspect.Parameter.empty:
        return False
    try:
        return type(value) is type(default) and bool(value == default)
    except Exception:  # an array or another value without a truth value
        return False
