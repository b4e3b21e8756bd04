"""A hyperopt space (`hp.*` expressions inside dicts, lists and nested choices) as our
SearchSpace, one parameter per hyperopt label.

Stored values are hyperopt's own `vals`: the value of each active label, and for a
`hp.choice` / `hp.pchoice` the index of the option taken. So `hyperopt.space_eval(space,
trial.params)` rebuilds exactly the structure hyperopt would hand the objective, and a study's
best params read like `fmin`'s result. A choice whose options hold labels becomes a `Choice`
of nested SearchSpaces: those labels are active only in their branch.

Bounds follow hyperopt's meaning, through the space registry's "hyperopt" constructors where
they agree with it: `loguniform(low, high)` is exp(U(low, high)), `randint(upper)` is
[0, upper), `quniform(low, high, q)` takes the multiples of q that round(U(low, high) / q) * q
reaches. `qloguniform` with q = 1 is a log-scaled integer; with another q it becomes a grid of
multiples of q with a uniform rather than log-uniform prior (a warning says so). `pchoice`
keeps its options, not their probabilities (samplers draw options uniformly). `qlognormal`
has no counterpart and is refused, naming the label.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from ._choice import Choice
from ._distributions import Constant, Distribution, QUniform
from ._registry import HYPEROPT, get_constructor
from ._space import SearchSpace

# hyperopt's stochastic node names whose registry constructor has hyperopt's meaning.
_REGISTRY = ("uniform", "loguniform", "normal", "lognormal", "qnormal", "randint")
_CHOICE_DRAWS = ("randint", "categorical")  # what hp.choice / hp.pchoice draw the index from


def from_hyperopt(space: Any) -> SearchSpace:
    """Our SearchSpace for a hyperopt space: an `hp.*` expression, or dicts, lists and tuples
    holding them (needs the hyperopt package, which made the space)."""
    try:
        from hyperopt.pyll import as_apply
    except ImportError:  # pragma: no cover - a hyperopt space cannot exist without it
        raise ImportError("from_hyperopt needs hyperopt, which made the space: "
                          "pip install hyperopt") from None
    return SearchSpace(_entries(as_apply(space)))


def _entries(node: Any) -> dict[str, Distribution]:
    """The labelled hyperparameters under `node`, outside any nested choice, depth first."""
    found: dict[str, Distribution] = {}
    stack = [node]
    while stack:
        node = stack.pop()
        if node.name == "hyperopt_param":
            label, dist = _param(node)
            _add(found, label, dist)
            continue
        if node.name == "switch" and node.pos_args[0].name == "hyperopt_param":
            label = _label(node.pos_args[0])
            _add(found, label, _choice(label, node.pos_args[1:]))
            continue
        children = list(node.pos_args) + [arg for _, arg in node.named_args]
        stack.extend(reversed(children))
    return found


def _add(found: dict[str, Distribution], label: str, dist: Distribution) -> None:
    if label in found and found[label] != dist:
        raise ValueError(f"from_hyperopt: label {label!r} is used twice with different "
                         f"distributions ({found[label]!r} and {dist!r}); rename one")
    found[label] = dist


def _label(param: Any) -> str:
    label = param.pos_args[0]
    if label.name != "literal" or not isinstance(label.obj, str):
        raise ValueError(f"from_hyperopt: a hyperparameter's label must be a string, got "
                         f"{label!r}")
    return label.obj


def _literal_args(node: Any, label: str) -> tuple[list[Any], dict[str, Any]]:
    """The arguments of a stochastic node; they must be constants."""
    def value(arg: Any) -> Any:
        if arg.name == "literal":
            return arg.obj
        if arg.name == "pos_args":  # pchoice's list of probabilities
            return [value(a) for a in arg.pos_args]
        raise ValueError(f"from_hyperopt: the arguments of {label!r} ({node.name}) must be "
                         f"constants, not expressions of other hyperparameters")
    return [value(a) for a in node.pos_args], {k: value(a) for k, a in node.named_args}


def _param(param: Any) -> tuple[str, Distribution]:
    label = _label(param)
    draw = param.pos_args[1]
    args, kwargs = _literal_args(draw, label)
    try:
        return label, _distribution(draw.name, label, args, kwargs)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"from_hyperopt: label {label!r} ({draw.name}): {exc}") from None


def _distribution(kind: str, label: str, args: list[Any],
                  kwargs: dict[str, Any]) -> Distribution:
    if kind in _REGISTRY:
        return get_constructor(kind, convention=HYPEROPT)(*args, **kwargs)
    if kind == "quniform":
        low, high, q = _bound_args(("low", "high", "q"), args, kwargs)
        return _grid(q * round(low / q), q * round(high / q), q)
    if kind == "qloguniform":
        low, high, q = _bound_args(("low", "high", "q"), args, kwargs)
        if q == 1:
            return get_constructor("qloguniform", convention=HYPEROPT)(low, high, q)
        warnings.warn(f"from_hyperopt: label {label!r}: qloguniform with q={q!r} becomes the "
                      "grid of multiples of q over the same range, with a uniform prior instead "
                      "of a log-uniform one (hyperloom has no log-scaled grid but integers)",
                      stacklevel=4)
        return _grid(q * round(math.exp(low) / q), q * round(math.exp(high) / q), q)
    if kind == "qlognormal":
        raise ValueError("qlognormal has no hyperloom counterpart; use hp.lognormal (then "
                         "round in the objective) or hp.qloguniform")
    raise ValueError(f"hyperopt's {kind} has no hyperloom counterpart; use uniform, "
                     "loguniform, quniform, qloguniform, normal, lognormal, qnormal, randint "
                     "or choice")


def _bound_args(names: tuple[str, ...], args: list[Any],
                kwargs: dict[str, Any]) -> list[float]:
    given = dict(zip(names, args))
    given.update(kwargs)
    return [float(given[n]) for n in names]


def _grid(low: float, high: float, q: float) -> Distribution:
    """The multiples of q from low to high (one value: a Constant)."""
    if high - low < q / 2:
        return Constant(low)
    return QUniform(low, high, q)


def _choice(label: str, options: list[Any]) -> Choice:
    """hp.choice / hp.pchoice: stored as the option's index, as hyperopt stores it; options
    that hold labels become nested spaces (their labels are active in that branch only)."""
    spaces = [SearchSpace(_entries(option)) for option in options]
    if not any(len(s) for s in spaces):
        return Choice(list(range(len(options))))
    return Choice(spaces)
