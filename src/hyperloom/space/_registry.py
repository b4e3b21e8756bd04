"""Distribution constructors by name: the one table that sweep files (and templates) look
names up in, instead of each front end keeping its own list.

Two conventions share the names. "real" (the default, and hyperloom's everywhere): bounds are
the values themselves, `loguniform(1e-4, 1e-1)`. "hyperopt": the arguments of hyperopt's `hp.*`
functions, which Hyperas-style templates keep so that their models run unchanged; only
`loguniform` differs, its bounds being natural logarithms, `loguniform(-9.2, -2.3)`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from types import MappingProxyType

from . import _aliases
from ._distributions import Distribution, LogUniform

Constructor = Callable[..., Distribution]

REAL = "real"
HYPEROPT = "hyperopt"

_REAL_NAMES = ("uniform", "loguniform", "quniform", "randint", "intuniform", "normal",
               "lognormal", "qnormal", "choice", "constant")


def _hyperopt_loguniform(low: float, high: float) -> LogUniform:
    """hyperopt's loguniform: exp(uniform(low, high)), so the bounds are natural logarithms."""
    return LogUniform(math.exp(low), math.exp(high))


_TABLES: dict[str, dict[str, Constructor]] = {
    REAL: {name: getattr(_aliases, name) for name in _REAL_NAMES},
}
_TABLES[HYPEROPT] = {**_TABLES[REAL], "loguniform": _hyperopt_loguniform}

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
