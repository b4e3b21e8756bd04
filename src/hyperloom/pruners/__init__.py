"""Pruners: stop unpromising trials early from their intermediate values."""

from ._base import BasePruner, NopPruner
from ._median import MedianPruner, PercentilePruner

__all__ = ["BasePruner", "MedianPruner", "NopPruner", "PercentilePruner"]
