"""`optuna.logging`: verbosity and handlers of the "hyperloom" logger, which writes one line
per finished trial (see `hyperloom.logging`)."""

import logging as _logging

from hyperloom.logging import (
    CRITICAL,
    DEBUG,
    ERROR,
    INFO,
    WARNING,
    disable_default_handler,
    enable_default_handler,
    get_verbosity,
    logger,
    set_verbosity,
)

FATAL = CRITICAL
WARN = WARNING


def get_logger(name: str) -> _logging.Logger:
    """The logger `name`, where Optuna's "optuna" is our "hyperloom": a handler added to
    `get_logger("optuna")` receives the trial lines."""
    if name == "optuna" or name.startswith("optuna."):
        name = "hyperloom" + name[len("optuna"):]
    return _logging.getLogger(name)


def enable_propagation() -> None:
    """Pass records on to the root logger's handlers (ours do by default)."""
    logger.propagate = True


def disable_propagation() -> None:
    logger.propagate = False


__all__ = ["CRITICAL", "DEBUG", "ERROR", "FATAL", "INFO", "WARN", "WARNING",
           "disable_default_handler", "disable_propagation", "enable_default_handler",
           "enable_propagation", "get_logger", "get_verbosity", "set_verbosity"]
