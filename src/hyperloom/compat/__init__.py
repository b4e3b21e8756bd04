"""Coming from another library: Optuna studies copied into ours (`import_optuna_study`, the
`hyperloom import --from-optuna` command) and Optuna scripts run as they are
(`import hyperloom.compat.optuna as optuna`). hyperopt spaces translate with
`hyperloom.space.from_hyperopt`; docs/migration.md maps their calls to ours."""

from typing import Any

from ._import_optuna import import_optuna_study
from ._records import (
    CONSTRAINT_NAMES,
    SOURCE_COMPLETE,
    SOURCE_START,
    TrialRecord,
    check_record,
    record_from_optuna,
    record_of,
    write_trials,
)

__all__ = ["CONSTRAINT_NAMES", "SOURCE_COMPLETE", "SOURCE_START", "TrialRecord", "check_record",
           "import_command", "import_optuna_study", "record_from_optuna", "record_of",
           "write_trials"]


def __getattr__(name: str) -> Any:
    if name == "import_command":  # click is loaded by the command line only
        from ._cli import import_command

        return import_command
    raise AttributeError(f"module 'hyperloom.compat' has no attribute {name!r}")
