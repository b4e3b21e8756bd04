"""The bare functions of sweep files: `range`/`linspace`/`logspace`/`geomspace` give the values
of a sweep, the distribution aliases (`uniform(0, 0.5)`, `choice([...])`, ...) make it sampled."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from ..space import constructors, get_constructor
from ._errors import NodeError
from ._limits import MAX_VALUES
from ._nodes import Dist, Func, ListNode, Lit, Node, TupleNode
from ._render import json_form
from ._text import node_text
from ._to_ast import SWEEP_FUNCTIONS
from ._values import evaluate


class LitSeq(Sequence):
    """Values of a sweep as nodes, made on access (so `range(10 ** 6)` costs no memory)."""

    def __init__(self, values: Sequence[Any], pos: tuple[int, int] | None) -> None:
        self._values = values
        self._pos = pos

    def __len__(self) -> int:
        return len(self._values)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [Lit(v, self._pos) for v in self._values[i]]
        return Lit(self._values[i], self._pos)


def _known_args(func: Func) -> tuple[list[Any], dict[str, Any]]:
    func.args = tuple(evaluate(a, {}) for a in func.args)  # raises a kept error (1 / 0)
    func.kwargs = tuple((k, evaluate(v, {})) for k, v in func.kwargs)
    for node in (*func.args, *(v for _, v in func.kwargs)):
        if not isinstance(node, Lit):
            raise NodeError(f"the arguments of {func.name}(...) must be known values, not "
                            f"`{node_text(node)}`", node.pos or func.pos)
    return [a.value for a in func.args], {k: v.value for k, v in func.kwargs}  # type: ignore[attr-defined]


def _number(value: Any, what: str, pos: Any, integer: bool = False) -> Any:
    ok = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok:
        kind = "an integer" if integer else "a number"
        raise NodeError(f"{what} must be {kind}, got {value!r}", pos)
    return value


def sweep_values(func: Func) -> Sequence[Node]:
    """The values of `key: range(...)` / `linspace(...)` / `logspace(...)` / `geomspace(...)`."""
    args, kwargs = _known_args(func)
    name, pos = func.name, func.pos
    try:
        if name == "range":
            if kwargs or not 1 <= len(args) <= 3:
                raise TypeError("range takes 1 to 3 positional arguments: range([start,] stop[, step])")
            ints = [_number(a, "range arguments", pos, integer=True) for a in args]
            values: Sequence[Any] = range(*ints)
        else:
            spec = {"linspace": ("start", "stop", "num"), "logspace": ("start", "stop", "num"),
                    "geomspace": ("start", "stop", "num")}[name]
            extra = {"logspace": {"base": 10.0}}.get(name, {})
            params = dict(zip(spec, args))
            if len(args) > len(spec):
                raise TypeError(f"{name} takes {len(spec)} positional arguments "
                                f"({', '.join(spec)})")
            for k, v in kwargs.items():
                if k not in spec and k not in extra:
                    raise TypeError(f"{name} has no argument {k!r}")
                params[k] = v
            missing = [k for k in spec if k not in params]
            if missing:
                raise TypeError(f"{name} needs {', '.join(missing)}")
            start = _number(params["start"], f"{name} start", pos)
            stop = _number(params["stop"], f"{name} stop", pos)
            num = _number(params["num"], f"{name} num", pos, integer=True)
            if num < 1:
                raise ValueError(f"{name} needs num >= 1, got {num}")
            _check_count(func, num)
            if name == "logspace":
                _check_exponents(start, stop, num, params.get("base", 10.0))
            values = _spaced(name, start, stop, num, params.get("base", 10.0))
    except (TypeError, ValueError, OverflowError) as exc:
        raise NodeError(f"{name}(...): {exc}", pos) from None
    if len(values) == 0:
        raise NodeError(f"{node_text(func)} gives no values; a sweep needs at least one", pos)
    _check_count(func, len(values))
    return LitSeq(values, pos)


def _check_count(func: Func, count: int) -> None:
    """Refuses a sweep of more than MAX_VALUES values before any of them is made."""
    if count > MAX_VALUES:
        raise NodeError(f"{node_text(func)} gives {count:,} values; more than {MAX_VALUES:,} is "
                        "surely a mistake (sample a distribution instead)", func.pos)


def _check_exponents(start: float, stop: float, num: int, base: float) -> None:
    """logspace takes exponents, as numpy's does; bounds like 1e-4 are values meant for
    geomspace, and would silently give 1.0002 ... 1.26."""
    def looks_like_value(x: float) -> bool:
        return 0 < x < 0.01

    both_fractions = 0 < start < 1 and 0 < stop < 1
    if not (both_fractions or looks_like_value(start) or looks_like_value(stop)):
        return
    fix = f"geomspace({start!r}, {stop!r}, {num})"
    exps = [math.log(x, base) for x in (start, stop)]
    if all(abs(e - round(e)) < 1e-9 for e in exps):
        fix += f" or logspace({round(exps[0])}, {round(exps[1])}, {num})"
    raise ValueError(f"logspace takes exponents (numpy's convention: it gives {base!r} ** start "
                     f"... {base!r} ** stop), so these bounds would give values near 1; for "
                     f"values from {start!r} to {stop!r} write {fix}")


def _spaced(name: str, start: float, stop: float, num: int, base: float) -> list[float]:
    """numpy's linspace / logspace (exponents) / geomspace (real bounds), as Python floats."""
    import numpy as np

    if name == "linspace":
        out = np.linspace(start, stop, num)
    elif name == "logspace":
        out = np.logspace(start, stop, num, base=base)
    else:
        if start <= 0 or stop <= 0:
            raise ValueError("geomspace needs start > 0 and stop > 0")
        out = np.geomspace(start, stop, num)
    values = [float(v) for v in out]
    if not all(math.isfinite(v) for v in values):
        raise ValueError("the values overflow to inf")
    return values


def make_distribution(func: Func) -> Dist:
    """`uniform(0, 0.5)` and friends, with the bounds of `hyperloom.space` (real values;
    `randint`'s high is exclusive)."""
    pos = func.pos
    options: tuple[Node, ...] | None = None
    if func.name == "choice":
        if len(func.args) != 1 or func.kwargs:
            raise NodeError("choice takes one list of options: choice([a, b, ...])", pos)
        (arg,) = func.args
        if isinstance(arg, Lit) and isinstance(arg.value, list):
            options = tuple(Lit(v, arg.pos) for v in arg.value)
        elif isinstance(arg, ListNode) and not isinstance(arg, TupleNode):
            options = tuple(evaluate(o, {}) for o in arg.items)
        else:
            raise NodeError("choice takes a list of options: choice([a, b, ...])", arg.pos or pos)
        forms = [json_form(o) for o in options]
        keys = [json.dumps(f, sort_keys=True) for f in forms]
        if len(set(keys)) != len(keys):
            raise NodeError("the options of choice(...) must be distinct", pos)
        args: list[Any] = [forms]
        kwargs: dict[str, Any] = {}
    else:
        args, kwargs = _known_args(func)
    try:
        distribution = get_constructor(func.name)(*args, **kwargs)
    except (TypeError, ValueError) as exc:
        raise NodeError(f"{func.name}(...): {exc}", pos) from None
    return Dist(distribution, options, func, pos)


def is_sweep_function(name: str) -> bool:
    return name in SWEEP_FUNCTIONS


def is_distribution(name: str) -> bool:
    return name in constructors
