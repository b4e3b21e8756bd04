"""`optuna.visualization`: each `plot_*` is `hyperloom.viz`'s function of the same name (the
plotly backend), called on our study. Without hyperloom.viz a clear error says what to
install. `optuna.visualization.matplotlib` is the matplotlib backend."""

from __future__ import annotations

import functools
from typing import Any

from .._viz import is_available, plot
from . import matplotlib


def __getattr__(name: str) -> Any:
    if name.startswith("plot_"):
        return functools.partial(plot, name, None)
    raise AttributeError(f"module 'optuna.visualization' (hyperloom.compat) has no attribute "
                         f"{name!r}")


__all__ = ["is_available", "matplotlib"]
