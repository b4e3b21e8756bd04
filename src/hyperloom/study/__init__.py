"""Studies and trials: the define-by-run core."""

from ..storage import FrozenTrial, TrialState
from ._callbacks import ConsoleLogger, HistoryRecorder, MaxTrialsCallback
from ._create import (
    create_study,
    delete_study,
    get_all_study_summaries,
    load_study,
)
from ._dataframe import trial_rows
from ._exceptions import TrialPruned
from ._interrupts import Terminated
from ._study import Study
from ._trial import Trial

__all__ = ["ConsoleLogger", "FrozenTrial", "HistoryRecorder", "MaxTrialsCallback", "Study",
           "Terminated", "Trial", "TrialPruned", "TrialState", "create_study", "delete_study",
           "get_all_study_summaries", "load_study", "trial_rows"]
