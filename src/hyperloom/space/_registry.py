"""Distribution constructors by name: the one table that sweep files (and templates) look
names up in, instead of each front end keeping its own list.

Two conventions share the names. "real" (the default, and hyperloom's everywhere): bounds are
the values themselves, `loguniform(1e-4, 1e-1)`. "hyperopt": the arguments of hyperopt's `hp.*`
functions, which Hyperas-style templates keep so that their models run unchanged: `loguniform`
differs, its bounds being natural logarithms, `loguniform(-9.2, -2.3)`, and the convention adds
`qloguniform` (q = 1) and `pchoice`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from . import _aliases
from ._choice import Choice
from ._distributions import Distribution, IntUniform, LogUniform

Constructor = Callable[..., Distribution]

REAL = "real"
HYPEROPT = "hyperopt"

_REAL_NAMES = ("uniform", "loguniform", "quniform", "randint", "intuniform", "normal",
               "lognormal", "qnormal", "choice", "constant")


def _hyperopt_loguniform(low: float, high: float) -> LogUniform:
    """hyperopt's loguniform: exp(uniform(low, high)), so the bounds are natural logarithms."""
    return LogUniform(math.exp(low), math.exp(high))


def _hyperopt_qloguniform(low: float, high: float, q: float) -> Distribution:
    """hyperopt's qloguniform: round(exp(uniform(low, high)) / q) * q. Kept exact for q = 1
    (a log-scaled integer); other steps have no log-and-step distribution here."""
    if q != 1:
        raise ValueError(f"qloguniform: only q=1 is supported (a log-scaled integer), got "
                         f"q={q!r}; use loguniform, or quniform on a real scale")
    return IntUniform(max(1, round(math.exp(low))), max(1, round(math.exp(high))), log=True)


def _hyperopt_pchoice(weighted: list[tuple[float, Any]]) -> Choice:
    """hyperopt's pchoice([(p, value), ...]): the values as a Choice; samplers draw options
    uniformly, so the probabilities are checked (they must sum to 1) but not used as a prior."""
    if not weighted or any(not isinstance(pair, (tuple, list)) or len(pair) != 2
                           for pair in weighted):
        raise ValueError(f"pchoice: expected a list of (probability, value) pairs, got "
                         f"{weighted!r}")
    if abs(sum(p for p, _ in weighted) - 1.0) > 1e-6:
        raise ValueError(f"pchoice: the probabilities must sum to 1, got {weighted!r}")
    return Choice([value for _, value in weighted])


_TABLES: dict[str, dict[str, Constructor]] = {
    REAL: {name: getattr(_aliases, name) for name in _REAL_NAMES},
}
_TABLES[HYPEROPT] = {**_TABLES[REAL], "loguniform": _hyperopt_loguniform,
                     "qloguniform": _hyperopt_qloguniform, "pchoice": _hyperopt_pchoice}

#: name -> constructor taking real bounds (read-only; add names with `register_constructor`).
constructors: Mapping[str, Constructor] = MappingProxyType(_TABLES[REAL])


def _table(convention: str) -> dict[str, Constructor]:
    try:
        return _TABLES[convention]
    except KeyError:
        raise ValueError(f"unknown convention {convention!r}: expected "
                         f"{' or '.join(map(repr, _TABLES))}") from None


def register_constructor(name: str, constructor: Constructor, *, convention: str = REAL) -> None:
    """Make `name(...)` build a distribution wherever names are looked up (sweep files under
    the "real" convention). A name already taken is refused: shadowing `uniform` would change
    the meaning of existing files."""
    table = _table(convention)
    if not name.isidentifier():
        raise ValueError(f"constructor name {name!r} is not an identifier")
    if not callable(constructor):
        raise TypeError(f"constructor for {name!r} must be callable, got {constructor!r}")
    if name in table:
        raise ValueError(f"{name!r} is already a {convention} constructor; pick another name")
    table[name] = constructor


def get_constructor(name: str, *, convention: str = REAL) -> Constructor:
    """The constructor called `name` under `convention`, or a KeyError listing the known names."""
    table = _table(convention)
    try:
        return table[name]
    except KeyError:
        raise KeyError(f"no {convention} distribution constructor named {name!r}; known: "
                       f"{', '.join(table)}") from None


def constructor_names(convention: str = REAL) -> tuple[str, ...]:
    """The names `get_constructor` knows under `convention`, in the order they were added."""
    return tuple(_table(convention))
