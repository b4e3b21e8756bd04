"""The "hyperloom" logger: one line per finished trial of `Study.optimize`, at INFO, shown by
default and silenced by one call:

    hyperloom.logging.set_verbosity(hyperloom.logging.WARNING)

The default output goes to standard error, but only while nobody else shows the records: as
soon as the application sets up logging (a handler on the "hyperloom" logger or on one above
it, `logging.basicConfig()`, pytest's log capture), the lines go there instead, once. So a
user who adds a handler sees every line in it, and nothing is printed twice.
"""

from __future__ import annotations

import logging
import sys
import weakref
from typing import Any

from .objectives import Direction
from .storage import FrozenTrial, TrialState

CRITICAL = logging.CRITICAL
ERROR = logging.ERROR
WARNING = logging.WARNING
INFO = logging.INFO
DEBUG = logging.DEBUG

logger = logging.getLogger("hyperloom")


class _DefaultHandler(logging.Handler):
    """Writes to the standard error of the moment (a test's or click's replacement included),
    and only records that no other handler of the application takes."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter("[%(levelname).1s %(asctime)s] %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        if _handled_elsewhere(record, self):
            return
        try:
            text = self.format(record)
            bars = sys.modules.get("tqdm")  # a progress bar on screen: print above it
            if bars is not None and getattr(bars.tqdm, "_instances", None):
                bars.tqdm.write(text, file=sys.stderr)
            else:
                sys.stderr.write(text + "\n")
                sys.stderr.flush()
        except Exception:  # noqa: BLE001 - logging must never break the optimization
            self.handleError(record)


def _handled_elsewhere(record: logging.LogRecord, ours: logging.Handler) -> bool:
    """Whether a handler other than `ours` sees `record` on its way up the logger tree."""
    current: logging.Logger | None = logger
    while current is not None:
        if any(h is not ours and record.levelno >= h.level for h in current.handlers):
            return True
        if not current.propagate:
            return False
        current = current.parent  # type: ignore[assignment]
    return False


_default_handler = _DefaultHandler()


def enable_default_handler() -> None:
    """Show the records on standard error when nothing else does (the default)."""
    if _default_handler not in logger.handlers:
        logger.addHandler(_default_handler)


def disable_default_handler() -> None:
    """Never write to standard error ourselves; records still reach the application's handlers."""
    logger.removeHandler(_default_handler)


def set_verbosity(level: int) -> None:
    """The least severe records the "hyperloom" logger passes on: `WARNING` silences the trial
    lines, `INFO` (the default) shows them, `DEBUG` shows more."""
    logger.setLevel(level)


def get_verbosity() -> int:
    """The level set by `set_verbosity` (or the one the logger inherits)."""
    return logger.getEffectiveLevel()


# -- the trial line ---------------------------------------------------------------------------
# The best trial seen so far, per optimize run (or per study): reading the study's trials
# again after each trial would make a run of n trials cost n^2 / 2 record reads.
_best: weakref.WeakKeyDictionary[Any, FrozenTrial | None] = weakref.WeakKeyDictionary()


def log_trial(study: Any, trial: FrozenTrial, *, run: Any = None) -> None:
    """Log the line for a finished trial of `study`, Optuna's wording: "Trial 3 finished with
    value: 0.25 and parameters: {'x': 0.5}. Best is trial 3 with value: 0.25." `run` keys the
    best-so-far cache (default: the study): the best is read from the storage once per run,
    then kept up to date from the trials logged."""
    if not logger.isEnabledFor(INFO):
        return
    if trial.state == TrialState.COMPLETE:
        logger.info(_complete_line(study, trial, study if run is None else run))
    elif trial.state == TrialState.PRUNED:
        step = trial.last_step
        logger.info(f"Trial {trial.number} pruned" + (f" at step {step}." if step is not None
                                                      else "."))
    elif trial.state == TrialState.FAILED:
        reason = str(trial.system_attrs.get("fail_reason") or "").strip()
        logger.info(f"Trial {trial.number} failed" + (f": {reason.splitlines()[-1]}"
                                                      if reason else "."))


def _complete_line(study: Any, trial: FrozenTrial, key: Any) -> str:
    if len(trial.values) > 1:
        return (f"Trial {trial.number} finished with values: {list(trial.values)} and "
                f"parameters: {dict(trial.params)}.")
    line = (f"Trial {trial.number} finished with value: {trial.values[0]} and parameters: "
            f"{dict(trial.params)}.")
    best = _best_so_far(study, trial, key)
    return line + (f" Best is trial {best.number} with value: {best.values[0]}."
                   if best is not None else "")


def _best_so_far(study: Any, trial: FrozenTrial, key: Any) -> FrozenTrial | None:
    if key not in _best:
        try:
            _best[key] = study.best_trial  # one read of the stored trials
        except ValueError:  # none completed yet
            _best[key] = None
        return _best[key]
    best = _best[key]
    if best is None or _better(trial, best, Direction(study.directions[0])):
        _best[key] = best = trial
    return best


def _better(a: FrozenTrial, b: FrozenTrial, direction: Direction) -> bool:
    """Whether `a` beats `b`: a feasible trial beats an infeasible one, then the value."""
    if a.feasible != b.feasible:
        return a.feasible
    return direction.better(a.values[0], b.values[0])


if logger.level == logging.NOTSET:  # leave a level the application set before importing us
    logger.setLevel(INFO)
enable_default_handler()

__all__ = ["CRITICAL", "DEBUG", "ERROR", "INFO", "WARNING", "disable_default_handler",
           "enable_default_handler", "get_verbosity", "log_trial", "logger", "set_verbosity"]
