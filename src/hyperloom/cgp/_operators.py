"""Operators a CGP cell may compute, their sets, and the `@operator` decorator for user ones.

A numeric operator maps values in [-1, 1] to a value in [-1, 1] (results are clipped), so any
wiring of cells stays finite; an integer operator maps ints to ints with no bound.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

CONSTANT_ARG = "c"  # a keyword-only parameter of this name receives the cell's constant gene


@dataclass(frozen=True)
class Operator:
    """A function of `arity` cell inputs (and, when `uses_constant`, the cell's constant),
    named for genes and formulas; `infix` ("+", "*", ...) prints it between its arguments."""

    name: str
    function: Callable[..., Any]
    arity: int
    groups: tuple[str, ...] = ()
    uses_constant: bool = False
    stateful: bool = False
    infix: str | None = None

    def __call__(self, *args: Any, c: float = 0.0) -> Any:
        if self.uses_constant:
            return self.function(*args, c=c)
        return self.function(*args)


def operator(function: Callable | None = None, *, name: str | None = None,
             groups: Sequence[str] = ("user",), infix: str | None = None) -> Any:
    """Turn a function into an `Operator` (usable with or without parentheses); its positional
    parameters are the cell inputs, a keyword-only `c` receives the cell's constant gene."""
    def wrap(fn: Callable) -> Operator:
        if not callable(fn):
            raise TypeError(f"@operator: expected a function, got {fn!r}")
        params = inspect.signature(fn).parameters.values()
        positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        uses_constant = any(p.kind == p.KEYWORD_ONLY and p.name == CONSTANT_ARG for p in params)
        return Operator(name or fn.__name__, fn, len(positional), tuple(groups),
                        uses_constant=uses_constant, infix=infix)

    return wrap if function is None else wrap(function)


class OperatorSet:
    """An ordered set of operators with unique names; `select` keeps some by name or group."""

    def __init__(self, operators: Iterable[Operator]) -> None:
        self._by_name: dict[str, Operator] = {}
        for op in operators:
            if not isinstance(op, Operator):
                raise TypeError(f"OperatorSet: {op!r} is not an Operator; decorate the function "
                                "with @hyperloom.cgp.operator")
            if op.name in self._by_name:
                raise ValueError(f"OperatorSet: two operators are named {op.name!r}; give one "
                                 "another name (@operator(name=...))")
            self._by_name[op.name] = op
        infixes = [op.infix for op in self._by_name.values() if op.infix is not None]
        if len(infixes) != len(set(infixes)):
            raise ValueError(f"OperatorSet: two operators print as the same infix in {infixes}; "
                             "formulas could not tell them apart, drop `infix` from one")
        if not self._by_name:
            raise ValueError("OperatorSet: no operators; include at least one")

    def __iter__(self) -> Iterator[Operator]:
        return iter(self._by_name.values())

    def __len__(self) -> int:
        return len(self._by_name)

    def __getitem__(self, name: str) -> Operator:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"no operator named {name!r} in this set; known: {self.names}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    @property
    def names(self) -> list[str]:
        return list(self._by_name)

    @property
    def max_arity(self) -> int:
        return max(op.arity for op in self)

    def __or__(self, other: Iterable[Operator]) -> OperatorSet:
        return OperatorSet([*self, *other])

    def select(self, include: Iterable[str] | None = None,
               exclude: Iterable[str] = ()) -> OperatorSet:
        """The operators named, or in a group named, by `include` (all when None), minus those
        named or grouped by `exclude`."""
        include = None if include is None else list(include)
        exclude = list(exclude)
        self._check_known([*(include or []), *exclude])
        kept = [op for op in self
                if (include is None or _matches(op, include)) and not _matches(op, exclude)]
        return OperatorSet(kept)

    def _check_known(self, keys: list[str]) -> None:
        known = set(self._by_name) | {g for op in self for g in op.groups}
        for key in keys:
            if key not in known:
                raise ValueError(f"OperatorSet.select: no operator or group named {key!r}; "
                                 f"known: {sorted(known)}")


def _matches(op: Operator, keys: list[str]) -> bool:
    return op.name in keys or any(g in keys for g in op.groups)


def _clip(x: float) -> float:
    return -1.0 if x < -1.0 else 1.0 if x > 1.0 else float(x)


def _numeric(name: str, group: str, function: Callable, infix: str | None = None) -> Operator:
    """A numeric operator whose result is clipped to [-1, 1]."""
    base = operator(function, name=name, groups=(group,), infix=infix)
    if base.uses_constant:
        def clipped(*args: float, c: float) -> float:
            return _clip(function(*args, c=c))
    else:
        def clipped(*args: float) -> float:
            return _clip(function(*args))
    return Operator(name, clipped, base.arity, base.groups, base.uses_constant, infix=infix)


def _safe_div(a: float, b: float) -> float:
    return a / b if b != 0 else 0.0


def _delay(a: float) -> float:  # the decoder keeps one step of state per delay cell
    return a


NUMERIC = OperatorSet([
    _numeric("add", "arithmetic", lambda a, b: a + b, infix="+"),
    _numeric("sub", "arithmetic", lambda a, b: a - b, infix="-"),
    _numeric("mul", "arithmetic", lambda a, b: a * b, infix="*"),
    _numeric("div", "arithmetic", _safe_div),
    _numeric("neg", "arithmetic", lambda a: -a),
    _numeric("abs", "arithmetic", lambda a: abs(a)),
    _numeric("min", "minmax", lambda a, b: min(a, b)),
    _numeric("max", "minmax", lambda a, b: max(a, b)),
    _numeric("gt", "comparison", lambda a, b: 1.0 if a > b else -1.0),
    _numeric("lt", "comparison", lambda a, b: 1.0 if a < b else -1.0),
    _numeric("sin", "trig", lambda a: math.sin(math.pi * a)),
    _numeric("cos", "trig", lambda a: math.cos(math.pi * a)),
    _numeric("tanh", "trig", lambda a: math.tanh(a)),
    _numeric("sqrt", "power", lambda a: math.sqrt(abs(a))),
    _numeric("pow", "power", lambda a, b: abs(a) ** abs(b)),
    _numeric("square", "power", lambda a: a * a),
    _numeric("mean", "statistics", lambda a, b: (a + b) / 2),
    _numeric("std", "statistics", lambda a, b: abs(a - b) / 2),
    _numeric("const", "constant", lambda *, c: c),
    _numeric("scale", "constant", lambda a, *, c: a * c),
    Operator("delay", _delay, 1, ("delay",), stateful=True),
])
"""The numeric set: values in [-1, 1]; comparisons give 1 or -1; sin/cos take pi*x;
sqrt and pow act on magnitudes; `const` is the cell's constant gene, `scale` multiplies by it;
`delay` gives its input's value from the previous call of the program (0 on the first)."""


def _int_div(a: int, b: int) -> int:
    return a // b if b != 0 else 0


def _int_mod(a: int, b: int) -> int:
    return a % b if b != 0 else 0


def _integer(name: str, group: str, function: Callable, infix: str | None = None) -> Operator:
    return operator(function, name=name, groups=(group, "integer"), infix=infix)


INTEGER = OperatorSet([
    _integer("add", "arithmetic", lambda a, b: a + b, infix="+"),
    _integer("sub", "arithmetic", lambda a, b: a - b, infix="-"),
    _integer("mul", "arithmetic", lambda a, b: a * b, infix="*"),
    _integer("div", "arithmetic", _int_div),
    _integer("mod", "arithmetic", _int_mod),
    _integer("neg", "arithmetic", lambda a: -a),
    _integer("abs", "arithmetic", lambda a: abs(a)),
    _integer("min", "minmax", lambda a, b: min(a, b)),
    _integer("max", "minmax", lambda a, b: max(a, b)),
    _integer("gt", "comparison", lambda a, b: int(a > b)),
    _integer("eq", "comparison", lambda a, b: int(a == b)),
    _integer("one", "constant", lambda: 1),
    _integer("zero", "constant", lambda: 0),
])
"""The integer set: ints to ints, division and modulo by zero give 0, comparisons 1 or 0."""
