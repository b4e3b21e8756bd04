"""Errors of the plots: a plot asked of a study that cannot have it."""

from __future__ import annotations

from ..exceptions import HyperloomError


class PlotError(HyperloomError, ValueError):
    """A plot cannot be drawn as asked (an unknown parameter, a Pareto front of one
    objective, ...); the message names the argument and what to pass instead."""
