"""`optuna.visualization.matplotlib`: `hyperloom.viz`'s plots with the matplotlib backend."""

from __future__ import annotations

import functools
from typing import Any

from .._viz import is_available, plot


def __getattr__(name: str) -> Any:
    if name.startswith("plot_"):
        return functools.partial(plot, name, "matplotlib")
    raise AttributeError(f"module 'optuna.visualization.matplotlib' (hyperloom.compat) has no "
                         f"attribute {name!r}")


__all__ = ["is_available"]
