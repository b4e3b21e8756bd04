"""Inline templates in model code, Hyperas style: `Dropout({{uniform(0, 1)}})` marks a
hyperparameter in an ordinary function. `space(model)` gives its SearchSpace (names shown);
`compile(model)` gives a `Compiled` whose `call(params, *args, **kwargs)` runs the model with
its templates reading a trial's parameters. Template arguments follow hyperopt's conventions
(`loguniform(-10, -2)` is exp(U(-10, -2))). A template inside a loop is one parameter; one
inside an `if` tested by `{{choice(...)}}` exists only in its branch (a conditional space)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from hyperloom.space import SearchSpace

from ._compile import Compiled, compile_model
from ._ensemble import Ensemble
from ._minimize import MinimizeResult, best_ensemble, best_models, minimize
from ._parse import ALIASES


def space(model: Callable[..., Any]) -> SearchSpace:
    """The SearchSpace of a templated model, one parameter per template, named by the rule."""
    return compile_model(model).space


def compile(model: Callable[..., Any], keep_temp: str | os.PathLike | None = None) -> Compiled:
    """Compile a templated model in its own globals and closure; `keep_temp=PATH` also writes
    the generated source there for debugging (nothing is written otherwise)."""
    return compile_model(model, keep_temp=keep_temp)


__all__ = ["ALIASES", "Compiled", "Ensemble", "MinimizeResult", "best_ensemble", "best_models",
           "compile", "minimize", "space"]
