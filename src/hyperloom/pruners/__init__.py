"""Pruners: stop unpromising trials early from their intermediate values.

Which to pick (docs/pruners.md has the measurements): `ExtrapolationPruner` when curves may
cross (a fast starter ends worse than a slow one, as in learning-rate sweeps);
`SuccessiveHalvingPruner` or `HyperbandPruner` for the largest savings when curves keep their
order; `MedianPruner` as the simple default; `ThresholdPruner` for values that leave a range;
`PatientPruner` around any of them to spare curves that still improve.
"""

from ._base import BasePruner, NopPruner
from ._extrapolation import ExtrapolationPruner
from ._hyperband import HyperbandPruner
from ._median import MedianPruner, PercentilePruner
from ._patient import PatientPruner
from ._successive_halving import SuccessiveHalvingPruner
from ._threshold import ThresholdPruner

__all__ = ["BasePruner", "ExtrapolationPruner", "HyperbandPruner", "MedianPruner",
           "NopPruner", "PatientPruner", "PercentilePruner", "SuccessiveHalvingPruner",
           "ThresholdPruner"]
