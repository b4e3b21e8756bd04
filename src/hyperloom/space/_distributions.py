"""Distribution types: what values one hyperparameter may take, and how to sample and encode them.

Every distribution is validated at construction (a `ValueError` naming the argument and the fix),
is JSON-serializable through `to_dict()` / `distribution_from_dict()`, and maps its values to the
unit interval (`encode` / `decode`) so that samplers can work on one numeric representation.
Continuous priors with unbounded support (normal families) are encoded through their CDF, so a
uniform draw in the encoded space is a draw from the prior.
"""

from __future__ import annotations

import math
import sys
from statistics import NormalDist
from typing import Any

import numpy as np

from ._imports import decode_option, encode_option, live_option

_EPS = 1e-12
_STD_NORMAL = NormalDist()  # stdlib, so that `import hyperloom` does not pull in scipy
_LARGEST_FLOAT = sys.float_info.max


def _number(value: Any, arg: str, owner: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{owner}: `{arg}` must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{owner}: `{arg}` must be finite, got {value!r}")
    return value


def _between(low: float, high: float, u: float) -> float:
    """low + u * (high - low), also when the width exceeds the largest float."""
    width = high - low
    if math.isfinite(width):
        return low + u * width
    return low * (1 - u) + high * u  # each product stays finite, and u = 0 or 1 give the bounds


def _fraction(low: float, high: float, x: float) -> float:
    """(x - low) / (high - low), also when the width exceeds the largest float."""
    width = high - low
    if math.isfinite(width):
        return (x - low) / width
    return (x / 2 - low / 2) / (high / 2 - low / 2)


def _offset(low: float, k: float, step: float) -> float:
    """low + k * step, also when k * step alone exceeds the largest float."""
    x = low + k * step
    if math.isfinite(x):
        return x
    half = k * (step / 2)
    return low + half + half


def _steps(low: float, x: float, step: float) -> float:
    """(x - low) / step, also when x - low exceeds the largest float."""
    diff = x - low
    if math.isfinite(diff):
        return diff / step
    return (x / 2 - low / 2) / step * 2


def _exp(x: float) -> float:
    """math.exp, but inf instead of OverflowError (callers clip to their bounds)."""
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _integer(value: Any, arg: str, owner: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            return int(value)
        raise ValueError(f"{owner}: `{arg}` must be an integer, got {value!r}")
    return int(value)


#: Distribution classes by JSON tag, filled as they are defined (Choice's module adds "choice").
_KINDS: dict[str, type[Distribution]] = {}
#: No default given (None may be a real default of a Choice).
NO_DEFAULT: Any = type("NoDefault", (), {"__repr__": lambda self: "NO_DEFAULT"})()


class Distribution:
    """Base class. Subclasses set `kind` (the JSON tag) and define `_fields`."""

    __slots__ = ("_default",)
    kind: str = ""
    _fields: tuple[str, ...] = ()
    #: True when values are numbers on an ordered axis (everything but Choice and Constant).
    numeric: bool = True
    #: True when the set of values is finite (grids can enumerate it).
    finite: bool = False
    #: True when some value opens nested parameters (a Choice of search spaces).
    has_subspaces: bool = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.kind:
            _KINDS[cls.kind] = cls

    # -- identity ---------------------------------------------------------------------------
    def _key(self) -> tuple:
        return tuple(getattr(self, f) for f in self._fields)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._key() == self._key()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((self.kind, self._key()))

    def __repr__(self) -> str:
        args = ", ".join(f"{getattr(self, f)!r}" for f in self._fields)
        return f"{type(self).__name__}({args})"

    # -- default ----------------------------------------------------------------------------
    @property
    def has_default(self) -> bool:
        """Whether a default was given (`Uniform(0, 0.5, default=0.1)`)."""
        return getattr(self, "_default", NO_DEFAULT) is not NO_DEFAULT

    @property
    def default(self) -> Any:
        """The value a front end uses when a run gives none (None when there is no default).
        It is not part of the distribution's identity nor of its JSON form: a default belongs
        to the code that declares it, not to the stored space."""
        return getattr(self, "_default", None)

    def _set_default(self, default: Any) -> None:
        if default is NO_DEFAULT:
            return
        if not self._accepts_default(default):
            raise ValueError(f"{type(self).__name__}: `default` {default!r} is not a value of "
                             f"{self!r}; give a default inside it")
        self._default = default

    def _accepts_default(self, value: Any) -> bool:
        return self.contains(value)

    # -- JSON -------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {"type": self.kind, **{f: getattr(self, f) for f in self._fields}}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Distribution:
        """Inverse of `to_dict()` for this class (`distribution_from_dict` picks the class)."""
        return cls(**{k: v for k, v in data.items() if k != "type"})

    # -- branching (a SearchSpace walks its tree through these) -----------------------------
    def subspace(self, stored_value: Any) -> Any:
        """The nested SearchSpace that `stored_value` makes active, or None."""
        return None

    def subspaces(self) -> tuple:
        """Every nested SearchSpace some value opens, in option order."""
        return ()

    # -- behaviour (overridden) -------------------------------------------------------------
    def sample(self, rng: np.random.Generator) -> Any:
        return self.decode(rng.random())

    def contains(self, value: Any) -> bool:
        raise NotImplementedError

    def encode(self, value: Any) -> float:
        """Map a value to [0, 1] (a Choice maps to its option index)."""
        raise NotImplementedError

    def decode(self, u: float) -> Any:
        """Inverse of `encode`; any u in [0, 1] gives a valid value."""
        raise NotImplementedError

    def values(self) -> list[Any]:
        """All values of a finite distribution, in order (for grids)."""
        raise ValueError(f"{self!r} has infinitely many values; a grid needs a finite distribution "
                         "(IntUniform, QUniform, Choice or Constant)")

    def to_external(self, value: Any) -> Any:
        """The value handed to user code (differs from the stored value only for Choice)."""
        return value

    def check(self, value: Any, name: str = "value") -> None:
        if not self.contains(value):
            raise ValueError(f"parameter {name!r}: {value!r} is not a value of {self!r}")


class _Bounded(Distribution):
    __slots__ = ("low", "high")

    def contains(self, value: Any) -> bool:
        try:
            return self.low <= value <= self.high and not isinstance(value, bool)
        except TypeError:
            return False


class Uniform(_Bounded):
    """A float drawn uniformly from [low, high]."""

    __slots__ = ()
    kind = "uniform"
    _fields = ("low", "high")

    def __init__(self, low: float, high: float, *, default: Any = NO_DEFAULT) -> None:
        self.low = _number(low, "low", "Uniform")
        self.high = _number(high, "high", "Uniform")
        if not self.low < self.high:
            raise ValueError(f"Uniform: `low` must be below `high`, got low={low!r} high={high!r}; "
                             "swap them, or use Constant for a single value")
        self._set_default(default)

    def encode(self, value: Any) -> float:
        return _fraction(self.low, self.high, float(value))

    def decode(self, u: float) -> float:
        return min(self.high, max(self.low, _between(self.low, self.high, float(u))))


class LogUniform(_Bounded):
    """A float whose logarithm is uniform on [log low, log high]; bounds are real values > 0."""

    __slots__ = ("_log_low", "_log_span")
    kind = "loguniform"
    _fields = ("low", "high")

    def __init__(self, low: float, high: float, *, default: Any = NO_DEFAULT) -> None:
        self.low = _number(low, "low", "LogUniform")
        self.high = _number(high, "high", "LogUniform")
        if self.low <= 0:
            raise ValueError(f"LogUniform: `low` must be > 0 for a log scale, got {low!r}; "
                             "use Uniform for ranges that include zero")
        if not self.low < self.high:
            raise ValueError(f"LogUniform: `low` must be below `high`, got low={low!r} high={high!r}")
        self._log_low = math.log(self.low)
        self._log_span = math.log(self.high) - self._log_low
        self._set_default(default)

    def encode(self, value: Any) -> float:
        return (math.log(float(value)) - self._log_low) / self._log_span

    def decode(self, u: float) -> float:
        return min(self.high, max(self.low, _exp(self._log_low + float(u) * self._log_span)))


class QUniform(_Bounded):
    """A float on the grid low, low + q, ..., up to high (high is dropped if not on the grid)."""

    __slots__ = ("q", "_n")
    kind = "quniform"
    _fields = ("low", "high", "q")
    finite = True

    def __init__(self, low: float, high: float, q: float, *, default: Any = NO_DEFAULT) -> None:
        self.low = _number(low, "low", "QUniform")
        self.high = _number(high, "high", "QUniform")
        self.q = _number(q, "q", "QUniform")
        if self.q <= 0:
            raise ValueError(f"QUniform: `q` must be > 0, got {q!r}")
        if not self.low < self.high:
            raise ValueError(f"QUniform: `low` must be below `high`, got low={low!r} high={high!r}")
        steps = _steps(self.low, self.high, self.q)
        if not steps <= _LARGEST_FLOAT:  # samplers count grid points in floats
            raise ValueError(f"QUniform: `q`={q!r} makes more grid points in [{low!r}, {high!r}] "
                             "than a float can count; use a larger `q`, or Uniform")
        self._n = int(math.floor(steps + 1e-9)) + 1
        self._set_default(default)

    def _at(self, k: int) -> float:
        # Rounding hides float noise (0.1 * 3); clipping keeps the bounds exact.
        return min(self.high, max(self.low, round(_offset(self.low, k, self.q), 12)))

    def contains(self, value: Any) -> bool:
        if not super().contains(value):
            return False
        k = _steps(self.low, float(value), self.q)
        return abs(k - round(k)) < 1e-6

    def encode(self, value: Any) -> float:
        return (round(_steps(self.low, float(value), self.q)) + 0.5) / self._n

    def decode(self, u: float) -> float:
        return self._at(min(self._n - 1, max(0, int(float(u) * self._n))))

    def values(self) -> list[float]:
        return [self._at(k) for k in range(self._n)]


class IntUniform(_Bounded):
    """An integer in [low, high] on steps of `step`, uniform, or log-uniform with `log=True`."""

    __slots__ = ("step", "log", "_n", "_log_low", "_log_span")
    kind = "intuniform"
    _fields = ("low", "high", "step", "log")
    finite = True

    def __init__(self, low: int, high: int, step: int = 1, log: bool = False, *, default: Any = NO_DEFAULT) -> None:
        self.low = _integer(low, "low", "IntUniform")
        self.high = _integer(high, "high", "IntUniform")
        self.step = _integer(step, "step", "IntUniform")
        self.log = bool(log)
        if self.step < 1:
            raise ValueError(f"IntUniform: `step` must be >= 1, got {step!r}")
        if self.low > self.high:
            raise ValueError(f"IntUniform: `low` must be <= `high`, got low={low!r} high={high!r}")
        if self.log and self.low < 1:
            raise ValueError(f"IntUniform: `low` must be >= 1 with log=True, got {low!r}")
        if self.log and self.step != 1:
            raise ValueError("IntUniform: `step` must be 1 with log=True")
        self._n = (self.high - self.low) // self.step + 1
        if not self._n <= _LARGEST_FLOAT:  # samplers count values in floats
            raise ValueError(f"IntUniform: [{low!r}, {high!r}] holds more values than a float can "
                             "count; narrow the range, raise `step`, or use Uniform")
        if self.log:
            self._log_low = math.log(self.low - 0.5)
            self._log_span = math.log(self.high + 0.5) - self._log_low
        self._set_default(default)

    def contains(self, value: Any) -> bool:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return (isinstance(value, (int, np.integer)) and not isinstance(value, bool)
                and self.low <= value <= self.high and (value - self.low) % self.step == 0)

    def encode(self, value: Any) -> float:
        if self.log:
            return (math.log(float(value)) - self._log_low) / self._log_span
        return ((int(value) - self.low) // self.step + 0.5) / self._n

    def decode(self, u: float) -> int:
        if self.log:
            x = _exp(self._log_low + float(u) * self._log_span)
            return self.high if x >= self.high else max(self.low, int(round(x)))
        return self.low + self.step * min(self._n - 1, max(0, int(float(u) * self._n)))

    def values(self) -> list[int]:
        return list(range(self.low, self.high + 1, self.step))


class _Gaussian(Distribution):
    """Normal families: encoded through the CDF so that the encoded prior is uniform."""

    __slots__ = ("mu", "sigma")

    def _init(self, mu: float, sigma: float) -> None:
        name = type(self).__name__
        self.mu = _number(mu, "mu", name)
        self.sigma = _number(sigma, "sigma", name)
        if self.sigma <= 0:
            raise ValueError(f"{name}: `sigma` must be > 0, got {sigma!r}")

    def _z_to_u(self, x: float) -> float:
        return min(1 - _EPS, max(_EPS, _STD_NORMAL.cdf((x - self.mu) / self.sigma)))

    def _u_to_x(self, u: float) -> float:
        return self.mu + self.sigma * _STD_NORMAL.inv_cdf(min(1 - _EPS, max(_EPS, float(u))))

    def sample(self, rng: np.random.Generator) -> Any:
        return self._finish(rng.normal(self.mu, self.sigma))

    def _finish(self, x: float) -> Any:
        return float(x)


class Normal(_Gaussian):
    """A float drawn from a normal distribution N(mu, sigma)."""

    __slots__ = ()
    kind = "normal"
    _fields = ("mu", "sigma")

    def __init__(self, mu: float, sigma: float, *, default: Any = NO_DEFAULT) -> None:
        self._init(mu, sigma)
        self._set_default(default)

    def contains(self, value: Any) -> bool:
        return isinstance(value, (int, float, np.number)) and not isinstance(value, bool) \
            and math.isfinite(value)

    def encode(self, value: Any) -> float:
        return self._z_to_u(float(value))

    def decode(self, u: float) -> float:
        return self._u_to_x(u)


class LogNormal(_Gaussian):
    """A positive float whose logarithm is N(mu, sigma)."""

    __slots__ = ()
    kind = "lognormal"
    _fields = ("mu", "sigma")

    def __init__(self, mu: float, sigma: float, *, default: Any = NO_DEFAULT) -> None:
        self._init(mu, sigma)
        self._set_default(default)

    def contains(self, value: Any) -> bool:
        return isinstance(value, (int, float, np.number)) and not isinstance(value, bool) \
            and 0 < value < math.inf

    def _finish(self, x: float) -> float:
        return math.exp(x)

    def encode(self, value: Any) -> float:
        return self._z_to_u(math.log(float(value)))

    def decode(self, u: float) -> float:
        return math.exp(self._u_to_x(u))


class QNormal(_Gaussian):
    """A normal draw rounded to a multiple of q."""

    __slots__ = ("q",)
    kind = "qnormal"
    _fields = ("mu", "sigma", "q")

    def __init__(self, mu: float, sigma: float, q: float, *, default: Any = NO_DEFAULT) -> None:
        self._init(mu, sigma)
        self.q = _number(q, "q", "QNormal")
        if self.q <= 0:
            raise ValueError(f"QNormal: `q` must be > 0, got {q!r}")
        self._set_default(default)

    def _finish(self, x: float) -> float:
        return round(round(x / self.q) * self.q, 12)

    def contains(self, value: Any) -> bool:
        if not (isinstance(value, (int, float, np.number)) and not isinstance(value, bool)
                and math.isfinite(value)):
            return False
        k = value / self.q
        return abs(k - round(k)) < 1e-6

    def encode(self, value: Any) -> float:
        return self._z_to_u(float(value))

    def decode(self, u: float) -> float:
        return self._finish(self._u_to_x(u))


class Constant(Distribution):
    """A fixed value (a JSON value, or a class or function stored by import path)."""

    __slots__ = ("value", "_stored")
    kind = "constant"
    _fields = ("value",)
    numeric = False
    finite = True

    def __init__(self, value: Any) -> None:
        self.value = value
        self._stored = encode_option(value, "Constant value")

    def _key(self) -> tuple:
        return (_hashable(self._stored),)

    def contains(self, value: Any) -> bool:
        try:
            return _hashable(value) == _hashable(self._stored)
        except TypeError:
            return False

    def sample(self, rng: np.random.Generator) -> Any:
        return self._stored

    def encode(self, value: Any) -> float:
        return 0.0

    def decode(self, u: float) -> Any:
        return self._stored

    def values(self) -> list[Any]:
        return [self._stored]

    def to_external(self, value: Any) -> Any:
        return live_option(self.value)

    def to_dict(self) -> dict[str, Any]:
        return {"type": "constant", "value": self._stored}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Constant:
        return cls(decode_option(data["value"]))


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return ("__list__",) + tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return ("__dict__",) + tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    if isinstance(value, float) and value.is_integer():
        return value  # 1.0 == 1 hashes equal anyway
    return value


def distribution_from_dict(data: dict[str, Any]) -> Distribution:
    """Inverse of `Distribution.to_dict()`."""
    if not isinstance(data, dict) or "type" not in data:
        raise ValueError(f"not a distribution: {data!r}; expected a dict with a 'type' key")
    cls = _KINDS.get(data["type"])
    if cls is None:
        raise ValueError(f"unknown distribution type {data['type']!r}; known: {sorted(_KINDS)}")
    return cls.from_dict(data)
