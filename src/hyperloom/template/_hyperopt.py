"""Distributions from template calls, with hyperopt's argument conventions (looked up in the
space registry's "hyperopt" table), their arguments evaluated in the model's own namespace."""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from typing import Any

from hyperloom.space import HYPEROPT, Choice, Distribution, get_constructor

Decode = Callable[[Any], Any]


def model_namespace(fn: Callable[..., Any]) -> dict[str, Any]:
    """The names a template's arguments may use: the model's globals and closure variables."""
    names = dict(fn.__globals__)
    for var, cell in zip(fn.__code__.co_freevars, fn.__closure__ or ()):
        try:
            names[var] = cell.cell_contents
        except ValueError:  # an empty cell (assigned after the model was defined)
            pass
    return names


def evaluate(expr: ast.expr, namespace: Mapping[str, Any], where: str) -> Any:
    """The value of an expression of the model's source, or an error naming the template."""
    code = compile(ast.fix_missing_locations(ast.Expression(expr)), where, "eval")
    try:
        return eval(code, dict(namespace))  # noqa: S307 - the user's own model source
    except Exception as exc:
        raise ValueError(f"{where}: cannot evaluate {ast.unparse(expr)!r} ({exc!r}); template "
                         "arguments may use globals and closure variables, not the model's "
                         "local variables") from None


def distribution(call: ast.Call, namespace: Mapping[str, Any],
                 where: str) -> tuple[Distribution, Decode, list[Any] | None]:
    """The distribution of one `{{alias(...)}}` call under hyperopt's conventions, how its
    stored values become model values, and the options for a choice (None otherwise)."""
    alias = call.func.id  # type: ignore[attr-defined]
    try:
        constructor = get_constructor(alias, convention=HYPEROPT)
    except KeyError:
        raise ValueError(f"{where}: {alias}(...) has no distribution in hyperloom yet; use "
                         "lognormal, or normal with quniform") from None
    args = [evaluate(a, namespace, where) for a in call.args]
    kwargs = {k.arg: evaluate(k.value, namespace, where) for k in call.keywords if k.arg}
    try:
        dist = constructor(*args, **kwargs)
    except (TypeError, ValueError) as exc:
        if alias in ("choice", "pchoice") and ("JSON" in str(exc) or "local object" in str(exc)):
            return _index_choice(alias, args, kwargs)
        raise ValueError(f"{where}: {ast.unparse(call)} is not a valid template ({exc})") from None
    if isinstance(dist, Choice):
        return dist, dist.to_external, [dist.to_external(v) for v in dist.values()]
    return dist, _identity, None


def _index_choice(alias: str, args: list[Any],
                  kwargs: dict[str, Any]) -> tuple[Distribution, Decode, list[Any]]:
    """Options that cannot be stored (objects, lambdas): a choice of their indices."""
    options = list(args[0] if args else next(iter(kwargs.values())))
    if alias == "pchoice":
        options = [value for _, value in options]
    return Choice(list(range(len(options)))), lambda stored: options[int(stored)], options


def _identity(value: Any) -> Any:
    return value
