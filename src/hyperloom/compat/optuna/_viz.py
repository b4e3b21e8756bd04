"""Reaching `hyperloom.viz` (plots and importance) from Optuna-style calls."""

from __future__ import annotations

import importlib
import inspect
from types import ModuleType
from typing import Any

from ._study import Study


class VizUnavailableError(ImportError):
    """hyperloom.viz is not installed (or one of its dependencies is missing)."""


def require_viz(what: str) -> ModuleType:
    try:
        return importlib.import_module("hyperloom.viz")
    except ImportError as exc:
        raise VizUnavailableError(
            f"{what} needs hyperloom.viz, the plots part of hyperloom, which cannot be "
            f"imported here ({exc}); install it with pip install 'hyperloom[viz]'") from None


def ours_study(study: Any) -> Any:
    """Our study behind an Optuna-style one (a list of studies too)."""
    if isinstance(study, (list, tuple)):
        return [ours_study(s) for s in study]
    return study.hyperloom if isinstance(study, Study) else study


def is_available() -> bool:
    """Whether hyperloom.viz can be imported here."""
    try:
        require_viz("optuna.visualization")
    except VizUnavailableError:
        return False
    return True


def plot(name: str, backend: str | None, study: Any, *args: Any, **kwargs: Any) -> Any:
    """Call `hyperloom.viz.<name>` on our study, with `backend` when it takes one."""
    where = f"optuna.visualization.{'matplotlib.' if backend == 'matplotlib' else ''}{name}"
    viz = require_viz(where)
    function = getattr(viz, name, None)
    if function is None:
        raise AttributeError(f"{where} has no counterpart in hyperloom.viz; its plots: "
                             f"{sorted(n for n in dir(viz) if n.startswith('plot_'))}")
    if backend is not None and "backend" in inspect.signature(function).parameters:
        kwargs.setdefault("backend", backend)
    return function(ours_study(study), *args, **kwargs)
