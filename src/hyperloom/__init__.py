"""hyperloom: hyperparameter optimization with define-by-run studies, samplers, sweep files,
graphs of tunable nodes and hypergradients, on one core."""

from . import pruners, samplers, space, storage
from .space import (
    Choice,
    Constant,
    Distribution,
    IntUniform,
    LogNormal,
    LogUniform,
    Normal,
    QNormal,
    QUniform,
    SearchSpace,
    Uniform,
    choice,
    constant,
    intuniform,
    lognormal,
    loguniform,
    normal,
    qnormal,
    quniform,
    randint,
    uniform,
)
from .storage import StorageError, StudyNotFoundError, TrialFinishedError
from .study import (
    ConsoleLogger,
    FrozenTrial,
    HistoryRecorder,
    MaxTrialsCallback,
    Study,
    Trial,
    TrialPruned,
    TrialState,
    create_study,
    delete_study,
    get_all_study_summaries,
    load_study,
)
from .study import _callbacks as callbacks
from .sweep._report import report

__version__ = "0.1.0"

__all__ = [
    "Choice", "ConsoleLogger", "Constant", "Distribution", "FrozenTrial", "HistoryRecorder",
    "IntUniform", "LogNormal", "LogUniform", "MaxTrialsCallback", "Normal", "QNormal",
    "QUniform", "SearchSpace", "StorageError", "Study", "StudyNotFoundError", "Trial",
    "TrialFinishedError", "TrialPruned", "TrialState", "Uniform", "callbacks", "choice",
    "constant", "create_study", "delete_study", "get_all_study_summaries", "intuniform",
    "load_study", "lognormal", "loguniform", "normal", "pruners", "qnormal", "quniform",
    "randint", "report", "samplers", "space", "storage", "uniform",
]
