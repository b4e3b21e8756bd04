"""Optuna scripts, run on hyperloom as they are: `import hyperloom.compat.optuna as optuna`.

A thin layer of Optuna's names over hyperloom's public API (not a second engine): studies,
trials, samplers, pruners and storages are ours; what Optuna spells or shapes differently is
translated here (TrialState.FAIL, FrozenTrial records with datetimes, `n_jobs` on threads,
`constraints_func` on samplers, CMA-ES warm starts, `create_trial` / `add_trial`,
`copy_study`, FixedTrial, the `suggest_uniform` family). Plots and importance need
`hyperloom.viz`. docs/migration.md lists what maps to what, and what does not run.
"""

from __future__ import annotations

from typing import Any

from hyperloom.exceptions import TrialPruned

from . import (
    distributions,
    exceptions,
    importance,
    logging,
    pruners,
    samplers,
    storages,
    study,
    trial,
    visualization,
)
from ._frozen import create_trial
from ._study import Study
from ._trial import Trial
from .study import (
    copy_study,
    create_study,
    delete_study,
    get_all_study_names,
    get_all_study_summaries,
    load_study,
)

_MISSING = {
    "artifacts": "upload files with trial.upload_artifact(path) (ours) instead",
    "integration": "use hyperloom.integration (scikit-learn, PyTorch, Keras) instead",
    "search_space": "use hyperloom.samplers.intersection_space instead",
    "terminator": "stop with a callback that calls study.stop()",
    "cli": "use the hyperloom command",
}


def __getattr__(name: str) -> Any:
    if name in _MISSING:
        raise AttributeError(f"optuna.{name} has no counterpart in hyperloom.compat.optuna; "
                             f"{_MISSING[name]}")
    raise AttributeError(f"module 'optuna' (hyperloom.compat) has no attribute {name!r}")


__all__ = ["Study", "Trial", "TrialPruned", "copy_study", "create_study", "create_trial",
           "delete_study", "distributions", "exceptions", "get_all_study_names",
           "get_all_study_summaries", "importance", "load_study", "logging", "pruners",
           "samplers", "storages", "study", "trial", "visualization"]
