"""hyperloom: hyperparameter optimization with define-by-run studies, samplers, sweep files,
graphs of tunable nodes and hypergradients, on one core."""

import importlib
import warnings
from typing import Any

from . import (
    callbacks,
    exceptions,
    execution,
    logging,
    objectives,
    pruners,
    samplers,
    space,
    storage,
)
from .callbacks import ConsoleLogger, HistoryRecorder, MaxTrialsCallback
from .exceptions import HyperloomError
from .objectives import Direction
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
from .storage import FrozenTrial, StorageError, StudyNotFoundError, TrialFinishedError, TrialState
from .study import (
    Study,
    Trial,
    TrialPruned,
    create_study,
    delete_study,
    get_all_study_summaries,
    load_study,
)

__version__ = "0.1.0"

__all__ = [
    "Choice", "ConsoleLogger", "Constant", "Direction", "Distribution", "FrozenTrial",
    "HistoryRecorder", "HyperloomError", "IntUniform", "LogNormal", "LogUniform",
    "MaxTrialsCallback", "Normal", "QNormal", "QUniform", "SearchSpace", "StorageError", "Study",
    "StudyNotFoundError", "Trial", "TrialFinishedError", "TrialPruned", "TrialState", "Uniform",
    "callbacks", "choice", "constant", "create_study", "delete_study", "exceptions", "execution",
    "get_all_study_summaries", "intuniform", "load_study", "logging", "lognormal", "loguniform",
    "normal", "objectives", "pruners", "qnormal", "quniform", "randint", "samplers", "space",
    "storage", "uniform",
]

# Front ends that load more than the core: imported on first attribute access, so that
# `import hyperloom` stays light (no lark, gin or sweep module).
_LAZY_SUBPACKAGES = ("cgp", "compat", "sweep", "graph", "integration", "template", "viz")


def __getattr__(name: str) -> Any:
    if name == "report":
        warnings.warn("hyperloom.report is deprecated and will be removed in the next release; "
                      "a process started by `hyperloom run` hands its value back with "
                      "hyperloom.sweep.report_result", DeprecationWarning, stacklevel=2)
        from .sweep import report_result

        return report_result
    if name in _LAZY_SUBPACKAGES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'hyperloom' has no attribute {name!r}")
