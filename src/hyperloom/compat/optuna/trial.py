"""`optuna.trial`: the live Trial, FrozenTrial records, FixedTrial, TrialState (FAIL, with
our FAILED as an alias) and `create_trial`."""

from ._frozen import FrozenTrial, create_trial
from ._state import TrialState
from ._suggest import BaseTrial
from ._trial import FixedTrial, Trial

__all__ = ["BaseTrial", "FixedTrial", "FrozenTrial", "Trial", "TrialState", "create_trial"]
