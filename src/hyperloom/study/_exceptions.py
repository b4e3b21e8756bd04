"""Exceptions users raise or catch around objectives (defined in `hyperloom.exceptions`)."""

from ..exceptions import TrialPruned

__all__ = ["TrialPruned"]
